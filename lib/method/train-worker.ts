/**
 * The worker entry of trainAsync: runs train() on the job and posts progress
 * and checkpoints. The caller's abort arrives as a flag that onProgress,
 * which train calls after every step, turns into an abort of train's signal,
 * so training stops at the next step boundary.
 */
import { Matrix } from '../linalg/matrix.js';
import { serveJob, type JobContext } from '../worker/serve-job.js';
import { defaultLearningRate, train, type HistoryEntry, type TrainOptions, type TrainResult } from './train.js';
import { networkFromState, networkState, type TrainJob, type TrainMessage, type TrainOutcome } from './train-async.js';
import type { TwoLayerNetwork } from '../model/network.js';

function run(job: TrainJob, context: JobContext<TrainMessage>): TrainOutcome {
  const X = new Matrix(job.X.rows, job.X.cols, job.X.data);
  const start = networkFromState(job.net);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const options = { ...job.options } as TrainOptions;
  // The validation points crossed the thread boundary as plain data: a Matrix again (train checks them).
  const validation = options.validation as { x: { rows: number; cols: number; data: Float64Array }; y: Float64Array } | undefined;
  if (validation?.x !== undefined && !(validation.x instanceof Matrix)) options.validation = { ...validation, x: new Matrix(validation.x.rows, validation.x.cols, validation.x.data) };
  // A checkpoint records the η a resumed run must continue with: fix it before the first step (the same η train would choose).
  if (job.checkpoint !== null && options.method === 'gd' && options.lr === undefined) options.lr = defaultLearningRate(start, X);
  const lr = options.method === 'gd' ? options.lr : undefined;
  const history: HistoryEntry[] = [];
  let lastPost = -Infinity;
  let unposted: HistoryEntry | null = null;
  let saved = { step: 0, seconds: 0 };
  const onProgress = (entry: HistoryEntry, net: TwoLayerNetwork) => {
    context.checkStop();
    const now = performance.now();
    if (entry.step === 0 || now - lastPost >= job.progressInterval) {
      lastPost = now;
      unposted = null;
      context.post({ kind: 'progress', entry });
    } else {
      unposted = entry;
    }
    if (job.checkpoint === null) return;
    history.push(entry);
    if (entry.step > 0 && (entry.step - saved.step >= job.checkpoint.steps || elapsed() - saved.seconds >= job.checkpoint.seconds)) {
      saved = { step: entry.step, seconds: elapsed() };
      context.post({ kind: 'checkpoint', net: networkState(net), history: [...history], seconds: saved.seconds, lr });
    }
  };
  try {
    const result: TrainResult = train(start, X, job.y, { ...options, signal: context.signal, onProgress });
    return { ...result, net: networkState(result.net) };
  } finally {
    // The last entry reaches the caller before the result (or the error).
    if (unposted !== null) context.post({ kind: 'progress', entry: unposted });
  }
}

// The trained parameters are moved, not copied: the worker is done with them.
serveJob(run, (outcome: TrainOutcome) => [outcome.net.c.buffer as ArrayBuffer, outcome.net.inner.buffer as ArrayBuffer]);
