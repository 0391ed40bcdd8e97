import { native } from './native.js';

/**
 * Sets how many threads OpenBLAS uses for each call (process-wide; OpenBLAS
 * caps it at its compiled maximum). Waits for the running call, if any.
 */
export function setThreads(n: number): void {
  if (typeof n !== 'number') throw new TypeError(`setThreads: n must be a number, got ${typeof n}`);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`setThreads: n must be an integer in [1, 1024], got ${n}`);
  native.setThreads(n);
}

/** The number of threads OpenBLAS uses for each call. */
export function getThreads(): number {
  return native.getThreads();
}

/** The OpenBLAS build in use and the processors it sees. */
export function blasConfig(): { openblas: string; processors: number } {
  return native.config();
}
