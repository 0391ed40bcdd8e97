/** What a job worker and its caller exchange (lib/worker/run-job.ts and serve-job.ts). */
import type { EncodedError } from './error-codec.js';

/** The key of the job in `workerData`, so that importing an entry module anywhere else runs nothing. */
export const JOB_DATA = 'nntkJob';

export interface JobData<J> {
  job: J;
  /** Int32Array over a SharedArrayBuffer: [0] ≠ 0 once the caller asked to stop. */
  stop: Int32Array;
}

export type JobMessage<M, R> =
  | { kind: 'message'; message: M }
  | { kind: 'result'; result: R }
  | { kind: 'error'; error: EncodedError };
