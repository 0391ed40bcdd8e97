/**
 * The worker entry (lib/worker's serveJob) that runs the experiments of
 * `nntk demo`, `nntk converge` and `nntk uniformity`. They are synchronous, so the main thread
 * stays free to take SIGINT; its abort reaches the experiment's signal in
 * the next progress callback, where the experiment checks it. Progress is
 * posted at most every PROGRESS_INTERVAL_MS, and the last entry of each run.
 */
import { runConverge, type ConvergeOptions, type ConvergeResult } from '../experiments/converge.js';
import { runDemo, type DemoOptions, type DemoResult, type Method } from '../experiments/demo.js';
import { runUniformity, type UniformityOptions, type UniformityResult } from '../experiments/uniformity.js';
import type { HistoryEntry } from '../index.js';
import { serveJob, type JobContext } from '../worker/serve-job.js';

type Plain<T> = Omit<T, 'signal' | 'onProgress'>;

export type ExperimentJob =
  | { experiment: 'demo'; options: Plain<DemoOptions> }
  | { experiment: 'converge'; options: Plain<ConvergeOptions> }
  | { experiment: 'uniformity'; options: Plain<UniformityOptions> };

export type ExperimentMessage =
  | { kind: 'demo-progress'; k: number; method: Method; entry: HistoryEntry }
  | { kind: 'converge-progress'; message: string }
  | { kind: 'uniformity-progress'; message: string };

const PROGRESS_INTERVAL_MS = 100;

function run(job: ExperimentJob, context: JobContext<ExperimentMessage>): DemoResult | ConvergeResult | UniformityResult {
  if (job.experiment === 'converge') {
    const onProgress = (message: string) => {
      context.checkStop();
      context.post({ kind: 'converge-progress', message });
    };
    return runConverge({ ...job.options, onProgress, signal: context.signal });
  }
  if (job.experiment === 'uniformity') {
    const onProgress = (message: string) => {
      context.checkStop();
      context.post({ kind: 'uniformity-progress', message });
    };
    return runUniformity({ ...job.options, onProgress, signal: context.signal });
  }
  let lastPost = -Infinity;
  // The last entry not posted, so that each run's final state is shown before the next run's first.
  let unposted: Extract<ExperimentMessage, { kind: 'demo-progress' }> | null = null;
  const onProgress = (k: number, method: Method, entry: HistoryEntry) => {
    context.checkStop();
    const message = { kind: 'demo-progress' as const, k, method, entry };
    const now = performance.now();
    const newRun = unposted !== null && (unposted.k !== k || unposted.method !== method);
    if (newRun) context.post(unposted!);
    if (newRun || entry.step === 0 || now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      unposted = null;
      context.post(message);
    } else {
      unposted = message;
    }
  };
  const result = runDemo({ ...job.options, onProgress, signal: context.signal });
  if (unposted !== null) context.post(unposted);
  return result;
}

serveJob(run);
