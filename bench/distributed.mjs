// Per-rank peak memory and the time split of the distributed path
// (docs/distributed.md) against the single process, for P = 1, 2, 4 ranks:
//   node bench/distributed.mjs [M=8192] [N=256] [d=8] [--no-eig]
// Each configuration runs bench/distributed-rank.mjs in fresh processes with
// one BLAS thread per rank; times are the slowest rank's, per phase.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [m = 8192, width = 256, dim = 8] = args.map(Number);
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const rankScript = fileURLToPath(new URL('distributed-rank.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nntk-bench-mpi-'));
const env = {
  ...process.env,
  OPENBLAS_NUM_THREADS: '1',
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
  OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
};

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

const common = [String(m), String(width), String(dim), '--out', join(dir, 'K.npy'), ...flags];
const rows = [run(process.execPath, [rankScript, ...common, '--single'])];
for (const ranks of [1, 2, 4]) rows.push(run('mpirun', ['-n', String(ranks), process.execPath, rankScript, ...common]));
rmSync(dir, { recursive: true, force: true });

const single = rows[0].peakRssBytes[0];
const gib = (b) => (b / 2 ** 30).toFixed(2);
console.log(`M = ${m}, N = ${width}, d = ${dim}; 8·M² = ${gib(8 * m * m)} GiB; one BLAS thread per process`);
console.log('| run | grid | max peak RSS per rank (GiB) | ÷ single | ÷ (8·M²/P) | tiles (s) | write (s) | GN step (s) | eigenvalues (s) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  const peak = Math.max(...row.peakRssBytes);
  const p = Math.max(1, row.ranks);
  const s = row.seconds;
  const f = (v) => (v === undefined ? '–' : v.toFixed(1));
  console.log(`| ${row.ranks === 0 ? 'single process' : `P = ${row.ranks}`} | ${row.grid?.join('x') ?? '–'} | ${gib(peak)} | ${(peak / single).toFixed(2)} | ${(peak / ((8 * m * m) / p)).toFixed(2)} | ${f(s.tiles)} | ${f(s.write)} | ${f(s.step)} | ${f(s.eigenvalues)} |`);
}
console.log(JSON.stringify(rows));
