/**
 * Running the CLI under mpirun for the distributed suites, and the measures
 * they compare results by.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Matrix, readNpy } from '../../lib/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
const ADDON = join(ROOT, 'build/Release/nntk_mpi.node');
export const MPIRUN = spawnSync('which', ['mpirun'], { encoding: 'utf8' }).stdout.trim();
export const missing = !existsSync(ADDON) ? 'the MPI addon build/Release/nntk_mpi.node is not built' : MPIRUN === '' ? 'mpirun is not installed' : null;
export const required = process.env.NNTK_REQUIRE_DISTRIBUTED === '1';
export const CONTRACT = 1e-10;
/** A hung rank fails the test instead of the suite. */
export const TIMEOUT_MS = 90_000;

export const ENV = {
  ...process.env,
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
  OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
  OPENBLAS_NUM_THREADS: '1',
};

/** `nntk ARGS` on every rank of `mpirun -n ranks`. */
export function mpirun(ranks: number, args: string[]) {
  return mpirunNode(ranks, [CLI, ...args]);
}

/** `node ARGS` on every rank of `mpirun -n ranks`, killed after TIMEOUT_MS. */
export function mpirunNode(ranks: number, args: string[]) {
  const result = spawnSync(MPIRUN, ['--allow-run-as-root', '--oversubscribe', '-n', String(ranks), process.execPath, ...args], {
    encoding: 'utf8',
    env: ENV,
    timeout: TIMEOUT_MS,
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

export function ok(ranks: number, args: string[]) {
  const result = mpirun(ranks, args);
  expect(result.stderr.match(/nntk: .*rank \d+:/g) ?? [], result.stderr).toEqual([]);
  expect(result.status, result.stderr).toBe(0);
  return result;
}

export async function load(path: string): Promise<Float64Array> {
  return (await readNpy(path)).data;
}

export function relativeGap(a: Float64Array, b: Float64Array): number {
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return gap / scale;
}

/** ‖A‖₁ as a bound of ‖A‖₂ for symmetric A, and of (M + ‖Q‖)/M = κ(M·I + Q)'s bound. */
export function normOne(a: Matrix): number {
  let max = 0;
  for (let j = 0; j < a.cols; j++) {
    let s = 0;
    for (let i = 0; i < a.rows; i++) s += Math.abs(a.data[i * a.cols + j]!);
    max = Math.max(max, s);
  }
  return max;
}
