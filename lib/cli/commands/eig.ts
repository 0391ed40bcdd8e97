/** `nntk eig`: eigenvalues (and eigenvectors) of a symmetric kernel (docs/math.md §6). */
import { distributed, Matrix, spectrum, transpose, writeNpy, type SpectrumOptions } from '../../index.js';
import { number, optional, required, text } from '../args.js';
import { readSquare, writeMatrix, writeVector } from '../arrays.js';
import { defineCommand } from '../command.js';
import { checkDistributedFlags, DISTRIBUTED_OPTIONS, underMpi } from '../distributed.js';
import { EXIT, Failure, UsageError } from '../failures.js';

/** K is accepted as symmetric when max|K − Kᵀ| ≤ this · max|K|. */
const SYMMETRY_TOLERANCE = 1e-10;

export const eig = defineCommand({
  name: 'eig',
  summary: 'Eigen-decompose a symmetric kernel matrix.',
  synopsis: '--in K.npy --values w.npy [--vectors V.npy] [--smallest k | --largest k] [--distributed [--grid PxQ] [--block NB]]',
  description: `
Writes the eigenvalues in ascending order (all n, or the k smallest or largest)
and, with --vectors, the unit eigenvectors as the COLUMNS of V (n x k), like
numpy.linalg.eigh: V[:, i] belongs to w[i]. All pairs by dsyevd, a subset by
dsyevr. K must be square and symmetric (to ${SYMMETRY_TOLERANCE} relative);
its lower triangle is used, as numpy.linalg.eigh does.
With --distributed (under mpirun -n P), each rank reads its own part of K:
all pairs by pdsyevd, a subset by pdsyevr, the values alone (no --vectors)
by pdsyev (a subset selected from all of them); V is written in place by
every rank.`,
  options: {
    in: required('K.npy', 'symmetric matrix, n x n', text),
    values: required('w.npy', 'eigenvalues to write (k)', text),
    vectors: optional('V.npy', 'eigenvectors to write, as columns (n x k)', text),
    smallest: optional('k', 'only the k smallest eigenpairs', number({ integer: true, min: 1 })),
    largest: optional('k', 'only the k largest eigenpairs', number({ integer: true, min: 1 })),
    ...DISTRIBUTED_OPTIONS,
  },
  async run(o) {
    if (o.smallest !== undefined && o.largest !== undefined) throw new UsageError('give --smallest or --largest, not both');
    checkDistributedFlags(o);
    if (o.distributed) {
      return underMpi(o, async (session) => {
        const K = await distributed.readDistributedMatrix(session, o.in, SYMMETRY_TOLERANCE);
        const n = K.layout.m;
        const count = o.smallest ?? o.largest;
        await session.agree(() => {
          if (count !== undefined && count > n) throw new UsageError(`${o.smallest !== undefined ? '--smallest' : '--largest'} ${count} exceeds the order ${n} of ${o.in}`);
        });
        const select = o.smallest !== undefined ? { smallest: o.smallest } : o.largest !== undefined ? { largest: o.largest } : {};
        const { values, vectors } = await distributed.distributedSpectrum(session, K, { vectors: o.vectors !== undefined, ...select });
        await session.agree(() => (session.rank === 0 ? writeNpy(o.values, { shape: [values.length], data: values }) : undefined));
        if (vectors !== null) await distributed.writeDistributedMatrix(session, o.vectors!, vectors);
      });
    }
    const K = await readSquare(o.in);
    const n = K.rows;
    const count = o.smallest ?? o.largest;
    if (count !== undefined && count > n) {
      throw new UsageError(`${o.smallest !== undefined ? '--smallest' : '--largest'} ${count} exceeds the order ${n} of ${o.in}`);
    }
    checkSymmetric(o.in, K);
    const options: SpectrumOptions = { vectors: o.vectors !== undefined };
    if (o.smallest !== undefined) options.smallest = o.smallest;
    if (o.largest !== undefined) options.largest = o.largest;
    const { values, vectors } = spectrum(K, options);
    await writeVector(o.values, values);
    if (o.vectors !== undefined) await writeMatrix(o.vectors, transpose(vectors!));
    return EXIT.ok;
  },
});

function checkSymmetric(path: string, K: Matrix): void {
  const n = K.rows;
  const a = K.data;
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const gap = Math.abs(a[i * n + j]! - a[j * n + i]!);
      if (gap > SYMMETRY_TOLERANCE * scale) {
        throw new Failure(`${path}: not symmetric: |K[${i}, ${j}] - K[${j}, ${i}]| = ${gap} > ${SYMMETRY_TOLERANCE} * max|K|`);
      }
    }
  }
}
