import { AllocationError, LapackError, NntkError, NonFiniteError } from '../errors.js';
import type { MatrixLike } from './matrix.js';
import { native, OUT_OF_MEMORY, QUEUE_OUT_OF_MEMORY, QUEUE_THREAD_FAILED, type NativeRoutines, type RoutineName } from './native.js';
import { columnMajorUplo, leading, type Uplo } from './validate.js';

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
  /** What the routine allocates, for the AllocationError's message; absent when it allocates nothing. */
  workspace?: string;
  /**
   * The arguments ask for nothing the native routine can express (an empty
   * selection): the finiteness checks run, the native call does not, and
   * the result is finish(0).
   */
  skipNative?: boolean;
  finish(info: number): T;
}

export function runSync<K extends RoutineName, T>(plan: Plan<K, T>): T {
  for (const check of plan.finite ?? []) {
    const [uplo, m, n, data, ld] = nonfiniteArgs(check);
    reportNonfinite(plan.routine, check, native.nonfinite(uplo, m, n, data, ld));
  }
  if (plan.skipNative === true) return plan.finish(0);
  const routine = native[plan.native] as (...args: unknown[]) => number;
  return finish(plan, routine(...plan.args));
}

export async function runAsync<K extends RoutineName, T>(plan: Plan<K, T>): Promise<T> {
  for (const check of plan.finite ?? []) {
    const [uplo, m, n, data, ld] = nonfiniteArgs(check);
    reportNonfinite(plan.routine, check, await native.nonfiniteAsync(uplo, m, n, data, ld));
  }
  if (plan.skipNative === true) return plan.finish(0);
  const routine = native[`${plan.native}Async`] as (...args: unknown[]) => Promise<number>;
  return finish(plan, await routine(...plan.args));
}

function finish<K extends RoutineName, T>(plan: Plan<K, T>, info: unknown): T {
  checkStatus(plan.routine, info, plan.workspace);
  if ((info as number) < 0) throw new LapackError(plan.routine, info as number);
  return plan.finish(info as number);
}

/**
 * Throws the typed error for the statuses every native call may return: its
 * workspace (`workspace` says what that is) or its queue entry could not be
 * allocated, the queue's thread could not be started, or no status at all,
 * which only a Node environment being torn down produces.
 */
function checkStatus(routine: string, status: unknown, workspace = 'its workspace'): void {
  if (typeof status !== 'number') throw new NntkError(`${routine}: the native call returned no status (${String(status)})`);
  if (status === OUT_OF_MEMORY) throw new AllocationError(routine, workspace);
  if (status === QUEUE_OUT_OF_MEMORY) throw new AllocationError(routine, 'the queued async call');
  if (status === QUEUE_THREAD_FAILED) throw new AllocationError(routine, "the async queue's thread (it could not be started)");
}

/**
 * The status of a native kernel (activations, jacobianblock): 0, or the
 * AllocationError naming the kernel and what it allocates.
 */
export function checkKernelStatus(kernel: string, status: unknown, workspace: string): void {
  checkStatus(kernel, status, workspace);
  if (status !== 0) throw new NntkError(`${kernel}: unexpected native status ${String(status)}; this is a bug in nntk, please report it`);
}

// A row-major m×n matrix is the column-major n×m one with leading dimension n.
function nonfiniteArgs({ matrix, part }: FiniteCheck): Parameters<NativeRoutines['nonfinite']> {
  const uplo = part === 'all' ? 'G' : columnMajorUplo(part);
  return [uplo, matrix.cols, matrix.rows, matrix.data, leading(matrix.cols)];
}

function reportNonfinite(routine: string, { name, matrix }: FiniteCheck, offset: unknown): void {
  checkStatus(routine, offset);
  if (offset === -1) return;
  if (!Number.isInteger(offset) || (offset as number) < 0) {
    throw new NntkError(`${routine}: unexpected native status ${String(offset)} of the finiteness scan; this is a bug in nntk, please report it`);
  }
  const at = offset as number;
  const row = Math.floor(at / matrix.cols);
  throw new NonFiniteError(routine, name, [row, at - row * matrix.cols], matrix.data[at]!);
}
