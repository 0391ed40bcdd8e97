/**
 * The caller's side of a job run in a worker thread: one mechanism for
 * trainAsync and the CLI's experiments. The job goes to the worker by
 * structured clone; its messages come back in order to `onMessage`; its
 * result resolves the promise and its error rejects it as the same class
 * (error-codec). Aborting `signal` raises a flag in shared memory that the
 * worker reads at its boundaries (the worker's thread is busy with
 * synchronous work, so a message would not be read before it finishes).
 * A worker that exits, runs out of memory or fails to load rejects with a
 * WorkerError: the promise always settles.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { WorkerError } from '../errors.js';
import { decodeError } from './error-codec.js';
import { JOB_DATA, type JobData, type JobMessage } from './protocol.js';

export interface JobOptions<M> {
  /** How errors name the worker, e.g. 'the training worker'. */
  label: string;
  /** Called on the caller's thread with each message the worker posts; a throw ends the job with that error. */
  onMessage?: (message: M) => void;
  /** Asks the worker to stop at its next boundary. */
  signal?: AbortSignal;
  /** Memory limits of the worker's JavaScript heap. Default: Node's. */
  resourceLimits?: ResourceLimits;
}

export function runJob<R, M = never>(entry: URL, job: unknown, options: JobOptions<M>): Promise<R> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const { signal, label } = options;
  const raise = () => Atomics.store(stop, 0, 1);
  if (signal?.aborted) raise();
  signal?.addEventListener('abort', raise, { once: true });
  const data: JobData<unknown> = { job, stop };
  const worker = new Worker(entry, { workerData: { [JOB_DATA]: data }, ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }) });
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
    };
    worker.on('message', (message: JobMessage<M, R>) => {
      if (settled) return;
      if (message.kind === 'result') settle(() => resolve(message.result));
      else if (message.kind === 'error') settle(() => reject(decodeError(message.error)));
      else {
        try {
          options.onMessage?.(message.message);
        } catch (error) {
          settle(() => reject(error));
          void worker.terminate();
        }
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const what = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : `failed: ${error.name}: ${error.message}`;
      settle(() => reject(new WorkerError(`${label} ${what}`, null, { cause: error })));
    });
    worker.on('exit', (code) => settle(() => reject(new WorkerError(`${label} exited (code ${code}) without a result`, code))));
  }).finally(() => signal?.removeEventListener('abort', raise));
}
