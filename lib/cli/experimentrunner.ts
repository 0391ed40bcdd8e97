/**
 * The main-thread side of the experiment worker: starts it, relays its
 * progress, and turns the first SIGINT into a request to stop at the next
 * boundary (the result is then partial); a second SIGINT has the default
 * effect and quits at once, without writing.
 */
import { Worker } from 'node:worker_threads';
import { EXPERIMENT_KEY, type ExperimentJob, type ExperimentMessage } from './experimentworker.js';
import { Failure } from './failures.js';

type JobWithoutStop = ExperimentJob extends infer J ? (J extends ExperimentJob ? Omit<J, 'stop'> : never) : never;

/**
 * Runs the experiment and resolves to its result. `onMessage` gets the
 * progress messages; `onInterrupt` is called once, at the first SIGINT.
 */
export function runExperiment<R>(job: JobWithoutStop, onMessage: (message: ExperimentMessage) => void, onInterrupt: () => void): Promise<R> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const interrupt = () => {
    Atomics.store(stop, 0, 1);
    onInterrupt();
  };
  process.once('SIGINT', interrupt);
  const worker = new Worker(new URL('./experimentworker.js', import.meta.url), { workerData: { [EXPERIMENT_KEY]: { ...job, stop } } });
  return new Promise<R>((resolve, reject) => {
    worker.on('message', (message: ExperimentMessage) => {
      if (message.kind === 'done') resolve(message.result as R);
      else if (message.kind === 'error') reject(new Failure(message.message));
      else onMessage(message);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Failure(`the experiment worker exited (code ${code}) without a result`)));
  }).finally(() => process.off('SIGINT', interrupt));
}
