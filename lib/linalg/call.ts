import { AllocationError, LapackError, NonFiniteError } from '../errors.js';
import type { MatrixLike } from './matrix.js';
import { native, OUT_OF_MEMORY, type NativeRoutines, type RoutineName } from './native.js';
import { columnMajorUplo, type Uplo } from './validate.js';

/** A part of a matrix that must hold finite numbers: all of it, or a triangle. */
export interface FiniteCheck {
  name: string;
  matrix: MatrixLike;
  part: 'all' | Uplo;
}

/**
 * A validated call: the native routine with its column-major arguments, the
 * finiteness checks to run first, and how to turn `info` into the result.
 */
export interface Plan<K extends RoutineName, T> {
  routine: string;
  native: K;
  args: Parameters<NativeRoutines[K]>;
  finite?: FiniteCheck[];
  finish(info: number): T;
}

export function runSync<K extends RoutineName, T>(plan: Plan<K, T>): T {
  for (const check of plan.finite ?? []) {
    const [uplo, m, n, data, ld] = nonfiniteArgs(check);
    reportNonfinite(plan.routine, check, native.nonfinite(uplo, m, n, data, ld));
  }
  const routine = native[plan.native] as (...args: unknown[]) => number;
  return finish(plan, routine(...plan.args));
}

export async function runAsync<K extends RoutineName, T>(plan: Plan<K, T>): Promise<T> {
  for (const check of plan.finite ?? []) {
    const [uplo, m, n, data, ld] = nonfiniteArgs(check);
    reportNonfinite(plan.routine, check, await native.nonfiniteAsync(uplo, m, n, data, ld));
  }
  const routine = native[`${plan.native}Async`] as (...args: unknown[]) => Promise<number>;
  return finish(plan, await routine(...plan.args));
}

function finish<K extends RoutineName, T>(plan: Plan<K, T>, info: number): T {
  if (info === OUT_OF_MEMORY) throw new AllocationError(`${plan.routine}: could not allocate LAPACK's workspace`);
  if (info < 0) throw new LapackError(plan.routine, info);
  return plan.finish(info);
}

// A row-major m×n matrix is the column-major n×m one with leading dimension n.
function nonfiniteArgs({ matrix, part }: FiniteCheck): Parameters<NativeRoutines['nonfinite']> {
  const uplo = part === 'all' ? 'G' : columnMajorUplo(part);
  return [uplo, matrix.cols, matrix.rows, matrix.data, matrix.cols];
}

function reportNonfinite(routine: string, { name, matrix }: FiniteCheck, offset: number): void {
  if (offset < 0) return;
  const row = Math.floor(offset / matrix.cols);
  throw new NonFiniteError(routine, name, [row, offset - row * matrix.cols], matrix.data[offset]!);
}
