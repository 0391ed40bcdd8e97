/**
 * The main-thread side of the experiment worker (lib/worker's runJob):
 * relays its progress, and turns the first SIGINT into a request to stop at
 * the next boundary (the result is then partial); a second SIGINT has the
 * default effect and quits at once, without writing.
 */
import { runJob } from '../worker/run-job.js';
import type { ExperimentJob, ExperimentMessage } from './experimentworker.js';

/**
 * Runs the experiment and resolves to its result. `onMessage` gets the
 * progress messages; `onInterrupt` is called once, at the first SIGINT.
 */
export async function runExperiment<R>(job: ExperimentJob, onMessage: (message: ExperimentMessage) => void, onInterrupt: () => void): Promise<R> {
  const controller = new AbortController();
  const interrupt = () => {
    controller.abort();
    onInterrupt();
  };
  process.once('SIGINT', interrupt);
  try {
    return await runJob<R, ExperimentMessage>(new URL('./experimentworker.js', import.meta.url), job, { label: 'the experiment worker', onMessage, signal: controller.signal });
  } finally {
    process.off('SIGINT', interrupt);
  }
}
