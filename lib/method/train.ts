/**
 * Training loops: regularized Newton with adaptive damping (docs/math.md §3) and
 * gradient descent. Both stop at a relative residual |r|/|y| ≤ tol, or at a
 * step or time budget, or on abort (or, with a validation set and patience,
 * when its loss stops falling), and return the last accepted parameters (with
 * patience, those of the lowest validation loss) with the whole history.
 */
import { syevr } from '../linalg/eigen.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { NntkError } from '../errors.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { jacobianGram, jacobianTransposeTimes } from './jacobian.js';
import { autoLambda, checkLambdaPolicy, chooseLambda, Damping, startingLambda, type LambdaPolicy } from './lambda.js';
import { NewtonSystem, type Hessian, type NewtonDirection, type NewtonPath } from './newton.js';
import { ValidationWatch, type ValidationSet } from './validation.js';

export interface HistoryEntry {
  /** 0 for the initial state, then one entry per attempted step (accepted or rejected). */
  step: number;
  /** How many steps have been accepted so far, this one included: what `maxSteps` counts. */
  acceptedSteps: number;
  /** L at the parameters in force after this step (a rejected step leaves them unchanged). */
  loss: number;
  /** |r|/|y| at the parameters in force after this step; |r| itself when y ≡ 0 (no relative residual exists). */
  residual: number;
  /** λ used for this step (null for gradient descent and the initial entry). */
  lambda: number | null;
  /** The curvature this Newton step used (null for gradient descent and the initial entry). */
  hessian: Hessian | null;
  /** Whether the step was kept (rejected Newton steps leave θ unchanged). */
  accepted: boolean;
  /** Wall-clock seconds this step took. */
  seconds: number;
  /** With a validation set: its loss (1/(2Mv))·Σ(f − y)² at the parameters in force after this step. */
  validationLoss?: number;
  /** With a validation set of ±1 targets (C = 1) or one-hot rows (C > 1): the fraction of its points where sign f = y, or argmax f = argmax y. */
  validationAccuracy?: number;
}

interface CommonOptions {
  /** Stop when |r|/|y| ≤ tol. Default 1e-6. */
  tol?: number;
  /** Budget of accepted steps. Default 100 (Newton), 10 000 (gradient descent). */
  maxSteps?: number;
  /** Time budget in seconds. Default: none. */
  maxSeconds?: number;
  /**
   * Called after every step with the new history entry and the parameters in
   * force after it (the last accepted ones), e.g. to save a checkpoint.
   * Default: none.
   */
  onProgress?: (entry: HistoryEntry, net: TwoLayerNetwork) => void;
  /** Stops training at the next step boundary when aborted (reason 'aborted'). Default: none. */
  signal?: AbortSignal;
  /**
   * Held-out points { x, y }: every history entry records their loss (and
   * accuracy for ±1 targets) and the result names the best entry. Default: none.
   */
  validation?: ValidationSet;
  /**
   * With `validation`: stop (reason 'patience') after this many accepted steps
   * without a lower validation loss, and return the parameters of the lowest
   * one, whatever the reason training stopped. Default: none (the last accepted parameters).
   */
  patience?: number;
}

export interface NewtonTrainOptions extends CommonOptions {
  /** Regularized Newton, the library's default strategy: `method` may be left out. */
  method?: 'newton';
  /**
   * 'full': δ = (H + λI)⁻¹g with λ never below the certified `auto` λ, the
   * method of the paper; 'gauss-newton': H → G (Levenberg–Marquardt);
   * 'auto' (default): Gauss–Newton, switching to the full Hessian for the
   * rest of the run when Gauss–Newton stalls (the residual falls by less
   * than 2× over 15 accepted steps). One direction is computed per attempt.
   */
  hessian?: Hessian | 'auto';
  /** Budget of attempted steps, rejected ones included. Default 10 × maxSteps. */
  maxAttempts?: number;
  /** The starting λ (or the λ of every step without damping). Default 'auto'. */
  lambda?: LambdaPolicy;
  /** 'adaptive': Levenberg–Marquardt control of λ by the gain ratio (`Damping`); 'none': the policy's λ every step. Default 'adaptive'. */
  damping?: 'adaptive' | 'none';
  /** Step size α: θ ← θ − α·δ. Default 1. */
  alpha?: number;
  /** Default: 'dense' when P ≤ M·C, else 'kernel'. */
  path?: NewtonPath;
}

export interface GradientTrainOptions extends CommonOptions {
  method: 'gd';
  /** Step η; default 1/μ_max(𝒦_GD) at the initial parameters. */
  lr?: number;
}

export type TrainOptions = NewtonTrainOptions | GradientTrainOptions;

const COMMON_OPTIONS = { tol: true, maxSteps: true, maxSeconds: true, onProgress: true, signal: true, validation: true, patience: true } as const;
/** The option keys train reads, per method: trainAsync accepts the same. */
export const NEWTON_OPTIONS = keysOf<NewtonTrainOptions>({ ...COMMON_OPTIONS, method: true, hessian: true, maxAttempts: true, lambda: true, damping: true, alpha: true, path: true });
export const GRADIENT_OPTIONS = keysOf<GradientTrainOptions>({ ...COMMON_OPTIONS, method: true, lr: true });

export type StopReason = 'converged' | 'max-steps' | 'max-attempts' | 'max-seconds' | 'aborted' | 'stalled' | 'diverged' | 'patience';

export interface TrainResult {
  /** The last accepted parameters; with `patience`, those of the lowest validation loss (`best`). */
  net: TwoLayerNetwork;
  history: HistoryEntry[];
  reason: StopReason;
  /** The relative residual of `net`. */
  residual: number;
  /** With a validation set: the entry of the lowest validation loss (its step, accepted steps, loss). */
  best?: { step: number; acceptedSteps: number; validationLoss: number };
  /** Accepted steps. */
  steps: number;
  /** Attempted steps, rejected ones included (history.length − 1). */
  attempts: number;
  /** The gradient-descent step actually used. */
  lr?: number;
}

/**
 * Trains `net` on (X, y) and returns the last accepted parameters with the
 * history. Without options (or without `method`) it runs regularized Newton
 * with its defaults (NewtonTrainOptions); `{ method: 'gd' }` runs gradient descent.
 */
export function train(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: TrainOptions = {}): TrainResult {
  return trainWith(net, X, y, options, SINGLE_PROCESS);
}

/**
 * What the Newton loop computes with: the single process's own systems and
 * directions, or those of the ranks of a distributed run
 * (lib/distributed/train.ts), which make every decision the loop takes from
 * quantities that are the same on every rank.
 */
export interface NewtonEngine {
  /**
   * The Newton system at `net` (a distributed engine makes its residual the same on every rank);
   * `gram`: its directions will need J·Jᵀ (NewtonSystem's constructor).
   */
  system(net: TwoLayerNetwork, X: Matrix, y: Float64Array, workspace: Workspace, gram: boolean): NewtonSystem;
  /** δ at `system` for λ; its `lambda` is the λ the loop then goes by. */
  direction(system: NewtonSystem, lambda: number, hessian: Hessian, path: NewtonPath): NewtonDirection;
  /** The textbook LM's starting λ at `system` (lambda.ts startingLambda). */
  startingLambda(system: NewtonSystem): number;
  /** The reason to stop that every process goes by, from this one's (null: go on). */
  agreeStop(reason: StopReason | null): StopReason | null;
}

const SINGLE_PROCESS: NewtonEngine = {
  system: (net, X, y, workspace, gram) => new NewtonSystem(net, X, y, workspace, gram),
  direction: (system, lambda, hessian, path) => system.direction(lambda, hessian, path),
  startingLambda,
  agreeStop: (reason) => reason,
};

/** train() with the systems and directions of `engine` (Newton only, unless it is the single process's). */
export function trainWith(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: TrainOptions, engine: NewtonEngine): TrainResult {
  checkData('train', X, y, net.config.dim, 'X', net.outputs);
  if (typeof options !== 'object' || options === null) throw new TypeError('train: options must be an object');
  // Newton unless told otherwise: its key list is the one a method-less options object is checked against.
  if (options.method !== 'gd' && 'lr' in options) {
    throw new TypeError("train (Newton): unknown option 'lr'; did you mean 'alpha'? (Newton's step size; lr is the step of gradient descent, method: 'gd')");
  }
  checkOptionKeys(options.method === 'gd' ? 'train (gradient descent)' : 'train (Newton)', options, options.method === 'gd' ? GRADIENT_OPTIONS : NEWTON_OPTIONS);
  const tol = positive('tol', options.tol ?? 1e-6);
  const maxSeconds = options.maxSeconds === undefined ? Infinity : positive('maxSeconds', options.maxSeconds);
  // y ≡ 0 has no relative residual: the residual, and tol, are then absolute (|r|/1).
  const yNorm = Math.sqrt(y.reduce((s, v) => s + v * v, 0)) || 1;
  const validation = ValidationWatch.fromOptions('train', options.validation, options.patience, net.config.dim, net.outputs);
  if (options.method === undefined || options.method === 'newton') {
    const maxSteps = steps('maxSteps', options.maxSteps ?? 100);
    const maxAttempts = steps('maxAttempts', options.maxAttempts ?? 10 * maxSteps);
    return trainNewton(net, X, y, options, new Loop(tol, maxSeconds, yNorm, maxSteps, maxAttempts, options, validation, engine), engine);
  }
  if (options.method === 'gd') {
    // Every gradient step is kept (or training stops): attempts and steps are one.
    if (engine !== SINGLE_PROCESS) throw new RangeError("train: method 'gd' runs in a single process only");
    const maxSteps = steps('maxSteps', options.maxSteps ?? 10_000);
    return trainGradient(net, X, y, options, new Loop(tol, maxSeconds, yNorm, maxSteps, maxSteps, options, validation));
  }
  throw new RangeError(`train: method must be 'newton' or 'gd', got ${String((options as { method: unknown }).method)}`);
}

function trainNewton(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: NewtonTrainOptions, loop: Loop, engine: NewtonEngine): TrainResult {
  const hessian = options.hessian ?? 'auto';
  if (!['auto', 'full', 'gauss-newton'].includes(hessian)) {
    throw new RangeError(`train: hessian must be 'auto', 'full' or 'gauss-newton', got ${String(hessian)}`);
  }
  const policy = checkLambdaPolicy('train', options.lambda ?? 'auto');
  const adaptive = (options.damping ?? 'adaptive') === 'adaptive';
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 2)) throw new RangeError(`train: alpha must be in (0, 2], got ${alpha}`);
  // The dense system is P×P, the kernel path's (M·C)×(M·C).
  const path = options.path ?? (net.parameterCount <= X.rows * net.outputs ? 'dense' : 'kernel');
  if (path !== 'dense' && path !== 'kernel') throw new RangeError(`train: path must be 'dense' or 'kernel', got ${String(path)}`);
  let curvature: Hessian = hessian === 'full' ? 'full' : 'gauss-newton';

  // At the sizes where σ, σ′, σ″ of every neuron are kept in a workspace (TwoLayerNetwork.features),
  // a trial that shares the current system's workspace evicts the current point's features, and the
  // direction after a rejected attempt evaluates the activations again (39 % of the time on
  // circle_k8/tanh/N1024). So from the first rejection on the trial gets a workspace of its own and
  // each θ is evaluated once; runs without rejections (most W8 cases) never allocate the second one.
  const workspaces: Workspace[] = [new Workspace()];
  let system = engine.system(net, X, y, workspaces[0]!, path === 'kernel' && curvature === 'gauss-newton');
  loop.start(system.net, system.loss, system.residual);
  // 'auto' watches the Gauss–Newton steps for a stall; the other two never change curvature.
  const stall = hessian === 'auto' ? new StallWatch(loop.relative(system.residual)) : null;
  // The damping starts where the policy puts Gauss–Newton: λ_floor for `auto`, the linearised
  // model's own step, which wins where the model is near-linear (4–5 steps on the smooth circle).
  const damping = new Damping(chooseLambda(policy, system, 'gauss-newton').lambda);
  let rescaled = false;
  while (loop.shouldContinue()) {
    const started = performance.now();
    // The full-Hessian kernel step needs A = S + λI positive definite: never below the certified λ.
    const wanted = adaptive ? (curvature === 'full' ? Math.max(damping.lambda, autoLambda(system, 'full')) : damping.lambda) : chooseLambda(policy, system, curvature).lambda;
    // A rejected step leaves `system` as it was, so the next attempt reuses its λ-independent
    // work (the Gauss–Newton Gram J·Jᵀ, the blocks of S): only the solve for the new λ is redone.
    const step = engine.direction(system, wanted, curvature, path);
    const lambda = step.lambda;
    const spare = workspaces.find((w) => w !== system.workspace) ?? system.workspace;
    // A Gauss–Newton trial that is accepted forms its Gram next: its f pass forms the Gram's |c|σ′ too.
    const trial = engine.system(system.net.moved(step.direction, alpha), X, y, spare, path === 'kernel' && curvature === 'gauss-newton');
    // The decrease the quadratic model promises: α·gᵀδ − ½α²·δᵀHδ, where δᵀHδ = gᵀδ − λ|δ|².
    const predicted = alpha * step.gradientDot - 0.5 * alpha * alpha * (step.gradientDot - lambda * step.normSquared);
    const gain = (system.loss - trial.loss) / predicted;
    const finite = Number.isFinite(trial.loss);
    const accepted = finite && (!adaptive || gain > MIN_GAIN);
    const used = curvature;
    if (accepted) {
      system = trial;
      if (adaptive) damping.accepted(gain);
      if (stall?.stalled(loop.relative(system.residual))) curvature = 'full';
    } else if (adaptive) {
      if (workspaces.length === 1) workspaces.push(new Workspace());
      damping.rejected(lambda);
      // The first rejected Gauss–Newton attempt under `auto` shows λ_floor's scale is wrong here:
      // λ jumps to the textbook scale τ·max diag(𝒦_GD) instead of doubling up from 1e-12
      // (~30 rejections), from the Gram this system has already formed on the kernel path.
      if (!rescaled && policy === 'auto' && curvature === 'gauss-newton') {
        damping.atLeast(engine.startingLambda(system));
        rescaled = true;
      }
    }
    loop.record(system.net, system.loss, system.residual, { lambda, hessian: used }, accepted, started);
    if (!finite && !adaptive) loop.diverged(system.net, trial.loss, `Newton with λ = ${lambda}`);
    if (damping.lambda > LAMBDA_CEILING) loop.stop('stalled');
  }
  return loop.result(system.net);
}

/** A step is kept when the loss fell by more than this fraction of the decrease the model promised. */
const MIN_GAIN = 1e-4;

/** Beyond this damping a step is a vanishing gradient step: nothing more to gain. */
const LAMBDA_CEILING = 1e20;

/**
 * When 'auto' gives up on Gauss–Newton: the relative residual fell by less
 * than a factor STALL_FACTOR over the last STALL_WINDOW accepted steps. At
 * that rate (2× per 15 steps) reaching 1e-6 from 1 would take 300 steps, three
 * default budgets; on the circle at high frequencies (docs/math.md §6) Gauss–Newton
 * stalls this way far from the target while the full Hessian converges. A
 * shorter window (5) switched on transient plateaus of the damped steps
 * (relu and tanh on the circle at k = 4 and 8, W8), after which the full
 * Hessian's certified λ made every step cost more and gain less.
 */
class StallWatch {
  private readonly residuals: number[];

  constructor(initial: number) {
    this.residuals = [initial];
  }

  /** Records the residual after an accepted step; true when the last STALL_WINDOW steps stalled. */
  stalled(residual: number): boolean {
    this.residuals.push(residual);
    const n = this.residuals.length;
    return n > STALL_WINDOW && this.residuals[n - 1 - STALL_WINDOW]! < STALL_FACTOR * residual;
  }
}

const STALL_WINDOW = 15;
const STALL_FACTOR = 2;

function trainGradient(net: TwoLayerNetwork, X: Matrix, y: Float64Array, options: GradientTrainOptions, loop: Loop): TrainResult {
  const m = X.rows;
  const workspace = new Workspace();
  let system = new NewtonSystem(net, X, y, workspace);
  const lr = options.lr === undefined ? 1 / largestEigenvalue(jacobianGram(net, system.xt, workspace), m) : positive('lr', options.lr);
  loop.start(system.net, system.loss, system.residual);
  while (loop.shouldContinue()) {
    const started = performance.now();
    const gradient = jacobianTransposeTimes(system.net, system.xt, system.residual, workspace);
    // θ ← θ − η·g with g = Jᵀr/M.
    const next = new NewtonSystem(system.net.moved(gradient, lr / m), X, y, workspace);
    const finite = Number.isFinite(next.loss);
    if (finite) system = next;
    loop.record(system.net, system.loss, system.residual, null, finite, started);
    if (!finite) loop.diverged(system.net, next.loss, `gradient descent with η = ${lr}`);
  }
  return { ...loop.result(system.net), lr };
}

/**
 * Training met a NaN or infinite loss. `result` holds the last parameters
 * with a finite loss and the history up to the failure.
 */
export class DivergenceError extends NntkError {
  readonly result: TrainResult;

  constructor(message: string, result: TrainResult) {
    super(message);
    this.result = result;
  }
}

/**
 * Gradient descent's default step η = 1/μ_max(𝒦_GD) at `net`: what train
 * uses when `lr` is not given (for a caller that needs η before training,
 * e.g. to record it in a checkpoint).
 */
export function defaultLearningRate(net: TwoLayerNetwork, X: Matrix): number {
  return 1 / largestEigenvalue(jacobianGram(net, net.augment(X)), X.rows);
}

/** μ_max of 𝒦_GD = J·Jᵀ/M, M points (J·Jᵀ has M·C rows for C outputs). */
function largestEigenvalue(gram: Matrix, m: number): number {
  const rows = gram.rows;
  const { values } = syevr(gram, { vectors: false, select: { index: [rows - 1, rows] } });
  return values[0]! / m;
}

/** Bookkeeping shared by both loops: history, budgets, abort. */
class Loop {
  readonly history: HistoryEntry[] = [];
  private reason: StopReason | null = null;
  private readonly started = performance.now();
  private current = Infinity;
  private accepted = 0;

  constructor(
    private readonly tol: number,
    private readonly maxSeconds: number,
    private readonly yNorm: number,
    private readonly maxSteps: number,
    private readonly maxAttempts: number,
    private readonly options: CommonOptions,
    private readonly validation: ValidationWatch | null,
    private readonly engine: NewtonEngine = SINGLE_PROCESS,
  ) {}

  start(net: TwoLayerNetwork, loss: number, residual: Float64Array): void {
    this.push(net, { step: 0, acceptedSteps: 0, loss, residual: this.relative(residual), lambda: null, hessian: null, accepted: true, seconds: 0 });
  }

  record(
    net: TwoLayerNetwork,
    loss: number,
    residual: Float64Array,
    newton: { lambda: number; hessian: Hessian } | null,
    accepted: boolean,
    started: number,
  ): void {
    const seconds = (performance.now() - started) / 1000;
    if (accepted) this.accepted++;
    this.push(net, {
      step: this.history.length,
      acceptedSteps: this.accepted,
      loss,
      residual: this.relative(residual),
      lambda: newton?.lambda ?? null,
      hessian: newton?.hessian ?? null,
      accepted,
      seconds,
    });
  }

  stop(reason: StopReason): void {
    this.reason = reason;
  }

  /** The loss became NaN or infinite: stop with an error that keeps the last good parameters. */
  diverged(net: TwoLayerNetwork, loss: number, what: string): never {
    this.reason = 'diverged';
    const step = this.history.length - 1;
    throw new DivergenceError(`train: the loss became ${loss} at step ${step} (${what})`, this.result(net));
  }

  shouldContinue(): boolean {
    if (this.reason !== null) return false;
    let reason: StopReason | null = null;
    if (this.current <= this.tol) reason = 'converged';
    else if (this.accepted >= this.maxSteps) reason = 'max-steps';
    else if (this.history.length > this.maxAttempts) reason = 'max-attempts';
    else if ((performance.now() - this.started) / 1000 >= this.maxSeconds) reason = 'max-seconds';
    else if (this.options.signal?.aborted) reason = 'aborted';
    // The clock and the signal are each process's own: a distributed run goes by one process's.
    this.reason = this.engine.agreeStop(reason);
    return this.reason === null;
  }

  result(net: TwoLayerNetwork): TrainResult {
    const result: TrainResult = { net, history: this.history, reason: this.reason ?? 'max-steps', residual: this.current, steps: this.accepted, attempts: this.history.length - 1 };
    const best = this.validation?.best ?? null;
    if (best === null) return result;
    result.best = { step: best.step, acceptedSteps: best.acceptedSteps, validationLoss: best.validationLoss };
    return this.validation!.early ? { ...result, net: best.net, residual: best.residual } : result;
  }

  /** |r|/|y|, over all M·C entries. */
  relative(residual: Float64Array): number {
    let s = 0;
    for (let j = 0; j < residual.length; j++) s += residual[j]! ** 2;
    return Math.sqrt(s) / this.yNorm;
  }

  private push(net: TwoLayerNetwork, entry: HistoryEntry): void {
    if (this.validation !== null) this.score(net, entry);
    this.history.push(entry);
    if (entry.accepted) this.current = entry.residual;
    this.options.onProgress?.(entry, net);
  }

  /** Scores the parameters in force after `entry` (a rejected step's are the previous entry's: its score is reused); stops on patience. */
  private score(net: TwoLayerNetwork, entry: HistoryEntry): void {
    const previous = this.history.at(-1);
    const { loss, accuracy } = entry.accepted || previous === undefined ? this.validation!.score(net) : { loss: previous.validationLoss!, accuracy: previous.validationAccuracy ?? null };
    entry.validationLoss = loss;
    if (accuracy !== null) entry.validationAccuracy = accuracy;
    if (entry.accepted && this.validation!.observe(net, entry.step, entry.acceptedSteps, entry.residual, loss) && this.reason === null) this.reason = 'patience';
  }
}

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`train: ${name} must be a finite number > 0, got ${v}`);
  return v;
}

function steps(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`train: ${name} must be an integer ≥ 0, got ${v}`);
  return v;
}
