/**
 * The worker thread that runs the experiments of `nntk demo`,
 * `nntk converge` and `nntk uniformity`. They are synchronous, so the main thread stays free to
 * take SIGINT (the first asks to stop, the second quits at once): it raises
 * a flag in shared memory, and this worker turns the flag into an abort of
 * the experiment's AbortSignal in the next progress callback, where the
 * experiment checks it. Progress is posted at most every
 * PROGRESS_INTERVAL_MS, and the last entry of each run; the result comes last.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runConverge, type ConvergeOptions, type ConvergeResult } from '../experiments/converge.js';
import { runDemo, type DemoOptions, type DemoResult, type Method } from '../experiments/demo.js';
import { runUniformity, type UniformityOptions, type UniformityResult } from '../experiments/uniformity.js';
import type { HistoryEntry } from '../index.js';

type Plain<T> = Omit<T, 'signal' | 'onProgress'>;

export type ExperimentJob =
  | { experiment: 'demo'; options: Plain<DemoOptions>; stop: Int32Array }
  | { experiment: 'converge'; options: Plain<ConvergeOptions>; stop: Int32Array }
  | { experiment: 'uniformity'; options: Plain<UniformityOptions>; stop: Int32Array };

export type ExperimentMessage =
  | { kind: 'demo-progress'; k: number; method: Method; entry: HistoryEntry }
  | { kind: 'converge-progress'; message: string }
  | { kind: 'uniformity-progress'; message: string }
  | { kind: 'done'; result: DemoResult | ConvergeResult | UniformityResult }
  | { kind: 'error'; message: string };

const PROGRESS_INTERVAL_MS = 100;

/** The key of the job in `workerData`, so that importing this module elsewhere runs nothing. */
export const EXPERIMENT_KEY = 'nntkExperimentJob';

function run(job: ExperimentJob, post: (message: ExperimentMessage) => void): void {
  const controller = new AbortController();
  const checkStop = () => {
    if (Atomics.load(job.stop, 0) !== 0) controller.abort();
  };
  try {
    if (job.experiment === 'demo') {
      let lastPost = -Infinity;
      // The last entry not posted, so that each run's final state is shown before the next run's first.
      let unposted: Extract<ExperimentMessage, { kind: 'demo-progress' }> | null = null;
      const onProgress = (k: number, method: Method, entry: HistoryEntry) => {
        checkStop();
        const message = { kind: 'demo-progress' as const, k, method, entry };
        const now = performance.now();
        const newRun = unposted !== null && (unposted.k !== k || unposted.method !== method);
        if (newRun) post(unposted!);
        if (newRun || entry.step === 0 || now - lastPost >= PROGRESS_INTERVAL_MS) {
          lastPost = now;
          unposted = null;
          post(message);
        } else {
          unposted = message;
        }
      };
      const result = runDemo({ ...job.options, onProgress, signal: controller.signal });
      if (unposted !== null) post(unposted);
      post({ kind: 'done', result });
    } else if (job.experiment === 'converge') {
      const onProgress = (message: string) => {
        checkStop();
        post({ kind: 'converge-progress', message });
      };
      post({ kind: 'done', result: runConverge({ ...job.options, onProgress, signal: controller.signal }) });
    } else {
      const onProgress = (message: string) => {
        checkStop();
        post({ kind: 'uniformity-progress', message });
      };
      post({ kind: 'done', result: runUniformity({ ...job.options, onProgress, signal: controller.signal }) });
    }
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

const job = (workerData as Record<string, ExperimentJob> | null)?.[EXPERIMENT_KEY];
if (parentPort !== null && job !== undefined) {
  const port = parentPort;
  run(job, (message) => port.postMessage(message));
}
