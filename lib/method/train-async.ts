/**
 * trainAsync: `train` in a worker thread, so that the caller's event loop
 * stays free (timers, I/O, a progress display, Ctrl-C) while it runs. The
 * worker runs the same train() on a copy of the inputs, so the result is
 * bitwise the one train() returns from the same start (docs/train-async.md).
 */
import { checkOptionKeys } from '../options.js';
import type { Matrix } from '../linalg/matrix.js';
import { TwoLayerNetwork, type NetworkConfig } from '../model/network.js';
import { runJob } from '../worker/run-job.js';
import { DivergenceError, GRADIENT_OPTIONS, NEWTON_OPTIONS, type GradientTrainOptions, type HistoryEntry, type NewtonTrainOptions, type TrainResult } from './train.js';

/** The parameters in force at a step, with the history so far. */
export interface TrainCheckpoint {
  /** The last accepted parameters. */
  net: TwoLayerNetwork;
  /** Every entry up to and including this step. */
  history: HistoryEntry[];
  /** Wall-clock seconds since the worker started training. */
  seconds: number;
  /** Gradient descent: the step η in use (fixed before the first step). Undefined for Newton. */
  lr: number | undefined;
}

/** What trainAsync takes beside train's own options (its onProgress runs on the caller's thread). */
export interface TrainAsyncExtras {
  /**
   * Called on the caller's thread with history entries, in step order: the
   * initial entry (step 0), then at most one entry every `progressInterval`
   * ms (the newest), and always the last one, before the promise settles.
   * The whole history is in the result.
   */
  onProgress?: (entry: HistoryEntry) => void;
  /** Milliseconds between two progress entries; 0 delivers every entry. Default 100. */
  progressInterval?: number;
  /**
   * Snapshots of the parameters while training runs: `onCheckpoint` is called
   * after the first step that ends `steps` steps (attempts) or `seconds`
   * seconds after the previous snapshot, whichever comes first. Default: none.
   */
  checkpoint?: { steps?: number; seconds?: number; onCheckpoint: (checkpoint: TrainCheckpoint) => void };
}

export type NewtonTrainAsyncOptions = Omit<NewtonTrainOptions, 'onProgress'> & TrainAsyncExtras;
export type GradientTrainAsyncOptions = Omit<GradientTrainOptions, 'onProgress'> & TrainAsyncExtras;
export type TrainAsyncOptions = NewtonTrainAsyncOptions | GradientTrainAsyncOptions;

const ASYNC_KEYS = ['progressInterval', 'checkpoint'];
const NEWTON_KEYS = [...NEWTON_OPTIONS, ...ASYNC_KEYS];
const GRADIENT_KEYS = [...GRADIENT_OPTIONS, ...ASYNC_KEYS];

/** The network's parameters as arrays: what crosses the thread boundary (copied, bit for bit). */
export interface NetworkState {
  config: NetworkConfig;
  c: Float64Array;
  inner: Float64Array;
}

/** What the worker gets. */
export interface TrainJob {
  net: NetworkState;
  X: { rows: number; cols: number; data: Float64Array };
  y: Float64Array;
  options: Omit<TrainAsyncOptions, 'signal' | 'onProgress' | 'checkpoint'>;
  progressInterval: number;
  checkpoint: { steps: number; seconds: number } | null;
}

/** What the worker posts while training. */
export type TrainMessage =
  | { kind: 'progress'; entry: HistoryEntry }
  | { kind: 'checkpoint'; net: NetworkState; history: HistoryEntry[]; seconds: number; lr: number | undefined };

/** The worker's result: a TrainResult whose network is plain arrays. */
export type TrainOutcome = Omit<TrainResult, 'net'> & { net: NetworkState };

export function networkState(net: TwoLayerNetwork): NetworkState {
  return { config: { ...net.config }, c: net.c, inner: net.inner };
}

export function networkFromState(state: NetworkState): TwoLayerNetwork {
  return new TwoLayerNetwork(state.config, state.c, state.inner);
}

/**
 * `train(net, X, y, options)` in a worker thread; resolves to the same
 * TrainResult, bit for bit (its `net` a new network, `net` itself untouched,
 * as with train). Default options: `{ method: 'newton' }`.
 *
 * - `signal`: aborting it stops training at the next step boundary; the
 *   promise then resolves with reason 'aborted' and the last accepted
 *   parameters, as train does.
 * - Errors thrown in the worker reject the promise as the same classes
 *   (RangeError, NonFiniteError, DivergenceError with its `result`, …), with
 *   message, name and fields intact. A worker that dies (exits, runs out of
 *   memory) rejects with a WorkerError.
 * - A throw from `onProgress` or `onCheckpoint` ends the worker and rejects
 *   with that error.
 */
export function trainAsync(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: TrainAsyncOptions = { method: 'newton' }): Promise<TrainResult> {
  checkOptionKeys('trainAsync', options, options?.method === 'gd' ? GRADIENT_KEYS : NEWTON_KEYS);
  if (!(net instanceof TwoLayerNetwork)) throw new TypeError('trainAsync: net must be a TwoLayerNetwork');
  const { signal, onProgress, checkpoint, progressInterval = 100, ...rest } = options;
  if (typeof progressInterval !== 'number' || !(progressInterval >= 0)) throw new RangeError(`trainAsync: progressInterval must be a number ≥ 0 (ms), got ${progressInterval}`);
  if (checkpoint !== undefined) {
    checkOptionKeys('trainAsync: checkpoint', checkpoint, ['steps', 'seconds', 'onCheckpoint']);
    if (typeof checkpoint.onCheckpoint !== 'function') throw new TypeError('trainAsync: checkpoint.onCheckpoint must be a function');
    if (checkpoint.steps !== undefined && !(Number.isInteger(checkpoint.steps) && checkpoint.steps >= 1)) throw new RangeError(`trainAsync: checkpoint.steps must be an integer ≥ 1, got ${checkpoint.steps}`);
    if (checkpoint.seconds !== undefined && !(checkpoint.seconds > 0)) throw new RangeError(`trainAsync: checkpoint.seconds must be > 0, got ${checkpoint.seconds}`);
  }
  const job: TrainJob = {
    net: networkState(net),
    X: { rows: X.rows, cols: X.cols, data: X.data },
    y,
    options: rest,
    progressInterval,
    checkpoint: checkpoint === undefined ? null : { steps: checkpoint.steps ?? Infinity, seconds: checkpoint.seconds ?? Infinity },
  };
  const onMessage = (message: TrainMessage) => {
    if (message.kind === 'progress') onProgress?.(message.entry);
    else checkpoint?.onCheckpoint({ net: networkFromState(message.net), history: message.history, seconds: message.seconds, lr: message.lr });
  };
  return runJob<TrainOutcome, TrainMessage>(new URL('./train-worker.js', import.meta.url), job, {
    label: 'the training worker',
    onMessage,
    ...(signal === undefined ? {} : { signal }),
  }).then(
    (outcome) => ({ ...outcome, net: networkFromState(outcome.net) }),
    (error: unknown) => {
      // The result a DivergenceError carries crossed as plain data: its network is rebuilt.
      if (error instanceof DivergenceError) {
        const result = error.result as unknown as TrainOutcome;
        Object.defineProperty(error, 'result', { value: { ...result, net: networkFromState(result.net) }, enumerable: true });
      }
      throw error;
    },
  );
}
