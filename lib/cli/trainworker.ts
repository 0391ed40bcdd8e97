/**
 * The worker thread that runs `train` for `nntk train`. train() is
 * synchronous, so the main thread stays free to take SIGINT and draw
 * progress: it raises a flag in shared memory, and this worker turns the flag
 * into an abort of train's AbortSignal at the next step (checked in
 * onProgress, which train calls after every step). Progress entries are
 * posted at most every PROGRESS_INTERVAL_MS; the full history comes with the
 * result. When the job asks for checkpoints, the parameters in force and the
 * history so far are posted every `checkpoint.steps` steps or
 * `checkpoint.seconds` seconds, whichever comes first; the main thread
 * writes them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  defaultLearningRate,
  DivergenceError,
  Matrix,
  NntkError,
  train,
  TwoLayerNetwork,
  type GradientTrainOptions,
  type HistoryEntry,
  type NetworkConfig,
  type NewtonTrainOptions,
  type TrainResult,
} from '../index.js';

type Plain<T> = Omit<T, 'signal' | 'onProgress'>;

/** A network as plain arrays, to cross the thread boundary. */
export interface NetworkArrays {
  config: NetworkConfig;
  c: Float64Array;
  W: Float64Array;
  b: Float64Array | null;
}

export interface TrainJob {
  net: NetworkArrays;
  X: { rows: number; cols: number; data: Float64Array };
  y: Float64Array;
  options: Plain<NewtonTrainOptions> | Plain<GradientTrainOptions>;
  /** Int32Array over a SharedArrayBuffer: [0] ≠ 0 asks to stop. */
  stop: Int32Array;
  /** Post a checkpoint after this many steps or seconds since the last one (either may be absent). */
  checkpoint: { steps?: number; seconds?: number };
}

/** The state of a run at a step: what a checkpoint writes. */
export interface TrainCheckpoint {
  net: NetworkArrays;
  history: HistoryEntry[];
  /** Wall-clock seconds since the worker started training. */
  seconds: number;
  /** The gradient-descent step (undefined for newton). */
  lr: number | undefined;
}

export interface TrainOutcome {
  net: NetworkArrays;
  history: HistoryEntry[];
  reason: TrainResult['reason'];
  residual: number;
  steps: number;
  attempts: number;
  lr: number | undefined;
  /** DivergenceError's message when the loss became non-finite (the rest is its `result`). */
  diverged: string | null;
  /** Wall-clock seconds of the training. */
  seconds: number;
}

export type WorkerMessage =
  | { kind: 'progress'; entry: HistoryEntry }
  | { kind: 'checkpoint'; checkpoint: TrainCheckpoint }
  | { kind: 'done'; outcome: TrainOutcome }
  | { kind: 'error'; message: string };

const PROGRESS_INTERVAL_MS = 100;

export function toArrays(net: TwoLayerNetwork): NetworkArrays {
  return { config: { ...net.config }, c: net.c, W: net.W.data, b: net.b };
}

export function fromArrays({ config, c, W, b }: NetworkArrays): TwoLayerNetwork {
  return TwoLayerNetwork.fromArrays(config, b === null ? { c, W } : { c, W, b });
}

function run(job: TrainJob, post: (message: WorkerMessage) => void): void {
  const controller = new AbortController();
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let lastPost = -Infinity;
  const history: HistoryEntry[] = [];
  let saved = { step: 0, seconds: 0 };
  let lr = job.options.method === 'gd' ? job.options.lr : undefined;
  const { steps: everySteps = Infinity, seconds: everySeconds = Infinity } = job.checkpoint;
  const checkpointing = Number.isFinite(everySteps) || Number.isFinite(everySeconds);
  const onProgress = (entry: HistoryEntry, net: TwoLayerNetwork) => {
    if (Atomics.load(job.stop, 0) !== 0) controller.abort();
    // The library keeps its own history; this copy is only needed for checkpoints.
    if (checkpointing) history.push(entry);
    const now = performance.now();
    if (entry.step === 0 || now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      post({ kind: 'progress', entry });
    }
    if (entry.step > 0 && (entry.step - saved.step >= everySteps || elapsed() - saved.seconds >= everySeconds)) {
      saved = { step: entry.step, seconds: elapsed() };
      post({ kind: 'checkpoint', checkpoint: { net: toArrays(net), history: [...history], seconds: saved.seconds, lr } });
    }
  };
  const outcome = (result: TrainResult, diverged: string | null): TrainOutcome => ({
    net: toArrays(result.net),
    history: result.history,
    reason: result.reason,
    residual: result.residual,
    steps: result.steps,
    attempts: result.attempts,
    lr: result.lr,
    diverged,
    seconds: elapsed(),
  });
  try {
    const X = new Matrix(job.X.rows, job.X.cols, job.X.data);
    const start = fromArrays(job.net);
    // η fixed before the first step, so that a checkpoint records the step a resumed run must continue with.
    if (job.options.method === 'gd' && job.options.lr === undefined) lr = defaultLearningRate(start, X);
    const result = train(start, X, job.y, { ...job.options, ...(lr === undefined ? {} : { lr }), signal: controller.signal, onProgress });
    post({ kind: 'done', outcome: outcome(result, null) });
  } catch (error) {
    if (error instanceof DivergenceError) post({ kind: 'done', outcome: outcome(error.result, error.message) });
    else if (error instanceof NntkError) post({ kind: 'error', message: error.message });
    else post({ kind: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

/** The key of the job in `workerData`, so that importing this module elsewhere runs nothing. */
export const JOB_KEY = 'nntkTrainJob';

const job = (workerData as Record<string, TrainJob> | null)?.[JOB_KEY];
if (parentPort !== null && job !== undefined) {
  const port = parentPort;
  run(job, (message) => port.postMessage(message));
}
