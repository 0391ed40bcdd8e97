/**
 * limitKernel off the main thread. The adaptive quadrature of the smooth
 * activations takes seconds for a thousand points and is synchronous
 * JavaScript around BLAS calls, so it runs in a worker thread: the event loop
 * stays free, and the result is limitKernel's, bit for bit.
 */
import { checkMatrix, Matrix, type MatrixLike } from '../linalg/matrix.js';
import { runJob } from '../worker/run-job.js';
import { splitKernelArguments, type KernelResult } from './kernel-result.js';
import type { LimitKernelOptions } from './limits.js';

/** A matrix as it crosses the thread boundary. */
export interface MatrixState {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface LimitJob {
  X1: MatrixState;
  X2: MatrixState | undefined;
  options: LimitKernelOptions | undefined;
}

export type LimitOutcome = Omit<KernelResult, 'kernel'> & { kernel: MatrixState };

const state = (X: MatrixLike): MatrixState => ({ rows: X.rows, cols: X.cols, data: X.data });

/**
 * `limitKernel` in a worker thread: the same arguments, the same
 * KernelResult bit for bit, the same error classes (rebuilt on this thread).
 * The inputs are copied to the worker, never modified.
 */
export function limitKernelAsync(X1: Matrix, X2?: Matrix, options?: LimitKernelOptions): Promise<KernelResult>;
export function limitKernelAsync(X1: Matrix, options: LimitKernelOptions): Promise<KernelResult>;
export async function limitKernelAsync(X1: Matrix, second?: Matrix | LimitKernelOptions, third?: LimitKernelOptions): Promise<KernelResult> {
  const { X2, options } = splitKernelArguments<LimitKernelOptions>('limitKernelAsync', second, third);
  // Shapes are checked here, before a worker starts; the rest, as limitKernel checks it, in the worker.
  checkMatrix('limitKernelAsync', 'X1', X1);
  if (X2 !== undefined) checkMatrix('limitKernelAsync', 'X2', X2);
  const job: LimitJob = { X1: state(X1), X2: X2 === undefined ? undefined : state(X2), options };
  const outcome = await runJob<LimitOutcome>(new URL('./limit-worker.js', import.meta.url), job, { label: 'the limit-kernel worker' });
  const { rows, cols, data } = outcome.kernel;
  return { ...outcome, kernel: new Matrix(rows, cols, data) };
}
