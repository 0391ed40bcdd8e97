// One rank of bench/distributed.mjs (or the single process with --single):
// the NTK at M points, its .npy write, a Gauss–Newton direction through
// M·I + Q, the eigenvalues of the NTK; per phase the wall time, and the
// peak RSS of every rank (and the largest rank's peak after each phase). Prints one JSON line (rank 0 only).
import { rmSync } from 'node:fs';
import { distributed, kernel, Matrix, NewtonSystem, spectrum, TwoLayerNetwork, writeNpy } from '../dist/index.js';

const [m, width, dim] = process.argv.slice(2, 5).map(Number);
const single = process.argv.includes('--single');
const eig = !process.argv.includes('--no-eig');
const out = process.argv[process.argv.indexOf('--out') + 1];
const net = TwoLayerNetwork.initialize({ width, dim }, { seed: 1 });
const X = new Matrix(m, dim, Float64Array.from({ length: m * dim }, (_, i) => Math.sin(i * 0.7 + 0.3) * 1.5));
const y = Float64Array.from({ length: m }, (_, j) => Math.cos(X.data[j * dim]));
const lambda = 1e-2;
const seconds = {};
/** The peak RSS so far after each phase: the phase that sets the peak. */
const peakAfter = {};
const rssBytes = () => process.resourceUsage().maxRSS * 1024;
const time = async (name, work) => {
  const start = process.hrtime.bigint();
  const result = await work();
  seconds[name] = Number(process.hrtime.bigint() - start) / 1e9;
  peakAfter[name] = rssBytes();
  return result;
};

if (single) {
  const K = await time('tiles', () => kernel(net, X).kernel);
  await time('write', () => writeNpy(out, { shape: [m, m], data: K.data }));
  await time('step', () => new NewtonSystem(net, X, y).direction(lambda, 'gauss-newton', 'kernel'));
  if (eig) await time('eigenvalues', () => spectrum(K, { vectors: false }));
  console.log(JSON.stringify({ ranks: 0, m, width, dim, seconds, peakAfter, peakRssBytes: [rssBytes()] }));
} else {
  const session = new distributed.Session();
  try {
    const { kernel: K } = await time('tiles', () => distributed.distributedKernel(session, net, X, undefined));
    await time('write', () => distributed.writeDistributedMatrix(session, out, K));
    await time('step', () => distributed.distributedDirection(session, net, X, y, lambda, 'gauss-newton'));
    if (eig) await time('eigenvalues', () => distributed.distributedSpectrum(session, K, { vectors: false }));
    const rss = new Float64Array(session.size);
    rss[session.rank] = rssBytes();
    session.mpi.allreduce(rss, 's');
    const times = Float64Array.from(Object.values(seconds));
    session.mpi.allreduce(times, 'x');
    Object.keys(seconds).forEach((key, i) => (seconds[key] = times[i]));
    const peaks = Float64Array.from(Object.values(peakAfter));
    session.mpi.allreduce(peaks, 'x');
    Object.keys(peakAfter).forEach((key, i) => (peakAfter[key] = peaks[i]));
    if (session.rank === 0) console.log(JSON.stringify({ ranks: session.size, grid: [session.nprow, session.npcol], block: session.block, m, width, dim, seconds, peakAfter, peakRssBytes: Array.from(rss) }));
  } finally {
    session.end();
  }
}
if ((single || process.env.OMPI_COMM_WORLD_RANK === '0') && out !== undefined) rmSync(out, { force: true });
