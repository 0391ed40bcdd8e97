/**
 * The paper's claim as a measured curve (docs/math.md §3, §5, §6): regularized
 * Newton converges at a rate uniform across frequencies as the width N grows,
 * gradient descent's rate collapses at high frequencies. For each width,
 * seed and target y = sin(k t) on the circle: the steps to |r|/|y| ≤ tol of
 * the library's default Newton, of the paper's method (full Hessian,
 * λ_N = λ₀·N^(−γ), α = 1, no damping) and of gradient descent (η = 1/μ_max);
 * beside them the steps the linearised dynamics predict from the kernels at
 * initialisation, and the same prediction at infinite width.
 */
import { NntkError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { limitKernel } from '../method/limits.js';
import { kernel } from '../method/kernels.js';
import { LAMBDA_FLOOR } from '../method/lambda.js';
import { NewtonSystem } from '../method/newton.js';
import { project, spectrum } from '../method/spectrum.js';
import { train, type HistoryEntry, type TrainResult } from '../method/train.js';
import { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys } from '../options.js';
import { circleData } from './circle.js';
import { linearisedNewtonCurve, linearisedResidual, linearisedSteps } from './linearised-steps.js';
import { logLogFit, type LogLogFit } from './log-log-fit.js';

export type UniformityMethod = 'newton-default' | 'newton-paper' | 'newton-paper-small' | 'newton-auto' | 'gd';

export const UNIFORMITY_METHODS: readonly UniformityMethod[] = ['newton-default', 'newton-paper', 'newton-paper-small', 'newton-auto', 'gd'];

/** The methods with a fixed rule for their step, hence a linearised prediction from the kernel at θ₀. */
export type PredictedMethod = Exclude<UniformityMethod, 'newton-default'>;

export const PREDICTED_METHODS: readonly PredictedMethod[] = ['newton-paper', 'newton-paper-small', 'newton-auto', 'gd'];

export interface UniformityOptions {
  /** log₂ N from … to, default [10, 16]. */
  exponents?: [number, number];
  /**
   * Largest log₂ N at which the full-Hessian methods and gradient descent are
   * trained, default 14; above it they are predicted only (status 'not-run'):
   * their steps cost O(N) each and they run to their whole budget.
   */
  trainTo?: number;
  /** Frequencies k of the targets sin(k t), default [1, 2, 4, 8, 16, 32]; each must be < M/2 (sin(k tⱼ) aliases beyond, and vanishes at k = M/2). */
  ks?: number[];
  /** Seeds per width, default 3. */
  seeds?: number;
  /** M points on the circle, default 128: the smallest power of two above 2·32, so that k = 32 is a target of its own. */
  points?: number;
  /** Target relative residual, default 1e-6. */
  tol?: number;
  /** λ_N = λ₀·N^(−γ) of the paper's method: default λ₀ = 1, γ = 1/4 (S + λ_N·I stays positive definite: S shrinks like N^(−1/2)). */
  lambda0?: number;
  gamma?: number;
  /** λ₀ of 'newton-paper-small' (same γ), default 0.3: about the certified λ·N^γ at θ₀, so positive definite at some widths and seeds and not at others. */
  smallLambda0?: number;
  /** Accepted-step budget of the default Newton, default 100. */
  newtonSteps?: number;
  /** Step budget of the three full-Hessian methods with a fixed λ rule, default 50. */
  fullSteps?: number;
  /** Step budget of gradient descent, default 1000. */
  gdSteps?: number;
  onProgress?: (message: string) => void;
  /**
   * Aborting stops the experiment at the next training run (checked after
   * each onProgress call, made before each run, and by the run itself); the
   * result holds the runs done (`partial: true`).
   */
  signal?: AbortSignal;
}

const OPTION_KEYS = [
  'exponents', 'trainTo', 'ks', 'seeds', 'points', 'tol', 'lambda0', 'gamma', 'smallLambda0', 'newtonSteps', 'fullSteps', 'gdSteps', 'onProgress', 'signal',
];

/**
 * 'converged': reached tol; 'budget': ran out of steps (or the default
 * Newton's damping stalled); 'not-run': the width is above `trainTo`;
 * 'failed': the step could not be computed (S + λ_N·I not positive definite, divergence).
 */
export type RunStatus = 'converged' | 'budget' | 'not-run' | 'failed';

/** |r|/|y| after the steps listed, measured by the run and predicted by the linearised dynamics from θ₀. */
export interface ResidualCurve {
  step: number[];
  measured: number[];
  predicted: number[];
}

export interface UniformityRun {
  width: number;
  seed: number;
  k: number;
  method: UniformityMethod;
  /** Accepted steps; null when not run or failed. */
  steps: number | null;
  seconds: number;
  /** |r|/|y| reached; null when not run or failed. */
  residual: number | null;
  status: RunStatus;
  /** The λ of the kernel the prediction uses (λ at θ₀); null for gradient descent and the default Newton. */
  lambda: number | null;
  /** Linearised steps to tol from the kernel at θ₀ and r₀ = f₀ − y (Infinity: never); null for the default Newton, whose λ adapts (no fixed kernel), and where the kernel does not exist (S + λI indefinite at θ₀). */
  predicted: number | null;
  /** The linearised |r|/|y| after as many steps as the run took (after the budget for a run not done); null with `predicted`. */
  predictedResidual: number | null;
  /** The steps predicted from r₀ = −y (f₀ left out), the finite-width counterpart of the infinite-width prediction; null with `predicted`. */
  predictedTarget: number | null;
  /** Measured against linearised |r|/|y| at log-spaced steps, for a run done with a prediction. */
  curve?: ResidualCurve;
  /**
   * newton-auto only, for a run done: the linearised dynamics that follow the
   * λₜ the run took, step by step (`linearisedNewtonCurve`: the Newton kernel
   * of the linearised model at θ₀, 𝒦_GD(𝒦_GD + λₜI)⁻¹). `followedResidual`:
   * its |r|/|y| after the run's steps; `followedSteps`: the first step at which
   * it meets tol, null when it does not within the run's steps (no λ is known
   * beyond them); `followedCurve`: measured against it at log-spaced steps.
   */
  followedResidual?: number;
  followedSteps?: number | null;
  followedCurve?: ResidualCurve;
  /** What went wrong, for 'failed'. */
  failure?: string;
}

export interface UniformityLimit {
  width: number;
  k: number;
  method: PredictedMethod;
  /** The λ of 𝒦_N∞ (λ_N of the rule; λ_floor for 'auto', since S → 0 at infinite width); null for gradient descent. */
  lambda: number | null;
  /** Linearised steps under the infinite-width kernel from r₀ = −y (the mean of f₀ is 0). */
  predicted: number;
  /** The linearised |r|/|y| after the method's budget. */
  residualAtBudget: number;
}

export interface UniformityRatio {
  width: number;
  method: UniformityMethod;
  /** steps(k_max)/steps(k_min) per seed where both converged. */
  measured: number[];
  mean: number | null;
  min: number | null;
  max: number | null;
  /** The same ratio of the predictions (seed mean), null without a finite prediction. */
  predicted: number | null;
  /** At infinite width. */
  limit: number | null;
}

export interface UniformityResult {
  config: Required<Omit<UniformityOptions, 'onProgress' | 'signal'>>;
  partial: boolean;
  runs: UniformityRun[];
  limits: UniformityLimit[];
  ratios: UniformityRatio[];
  /** Least-squares fit of log ratio against log N over every (width, seed) ratio measured, per method. */
  fits: Partial<Record<UniformityMethod, LogLogFit>>;
}

/** A kernel's linearised model from one residual: its eigenvalues and the residual's coordinates on the eigenvectors. */
interface Linearised {
  values: Float64Array;
  coordinates: Float64Array;
  step: number;
}

export function runUniformity(options: UniformityOptions = {}): UniformityResult {
  checkOptionKeys('runUniformity', options, OPTION_KEYS);
  const config = {
    exponents: options.exponents ?? ([10, 16] as [number, number]),
    trainTo: options.trainTo ?? 14,
    ks: options.ks ?? [1, 2, 4, 8, 16, 32],
    seeds: options.seeds ?? 3,
    points: options.points ?? 128,
    tol: options.tol ?? 1e-6,
    lambda0: options.lambda0 ?? 1,
    gamma: options.gamma ?? 0.25,
    smallLambda0: options.smallLambda0 ?? 0.3,
    newtonSteps: options.newtonSteps ?? 100,
    fullSteps: options.fullSteps ?? 50,
    gdSteps: options.gdSteps ?? 1000,
  };
  checkConfig(config);
  const { X } = circleData(config.points, 1);
  const targets = new Map(config.ks.map((k) => [k, circleData(config.points, k).y]));
  const limitGram = limitNtk(X);
  const runs: UniformityRun[] = [];
  const limits: UniformityLimit[] = [];
  const signal = options.signal;
  let partial = false;
  widths: for (let e = config.exponents[0]; e <= config.exponents[1]; e++) {
    const width = 2 ** e;
    for (const k of config.ks) limits.push(...limitPredictions(limitGram, targets.get(k)!, width, k, config));
    for (let seed = 0; seed < config.seeds; seed++) {
      const net = TwoLayerNetwork.initialize({ width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed });
      const K = kernel(net, X).kernel;
      const gram = spectrum(K);
      const lr = 1 / gram.values[gram.values.length - 1]!;
      for (const k of config.ks) {
        const y = targets.get(k)!;
        const yNorm = Math.hypot(...y);
        const r0 = new NewtonSystem(net, X, y).residual;
        const minusY = y.map((v) => -v);
        for (const method of UNIFORMITY_METHODS) {
          options.onProgress?.(`N = 2^${e}, seed ${seed + 1}/${config.seeds}, k = ${k}, ${method}`);
          if (signal?.aborted) {
            partial = true;
            break widths;
          }
          const { lambda, model } = method === 'newton-default' ? { lambda: null, model: null } : linearise(net, X, y, method, gram, lr, config);
          const fromR0 = model === null ? null : { ...model, coordinates: project(model.vectors, r0) };
          const fromTarget = model === null ? null : { ...model, coordinates: project(model.vectors, minusY) };
          const run = e > config.trainTo && method !== 'newton-default' ? notRun(method) : measure(net, X, y, method, lr, config, signal);
          if (run === null) {
            partial = true;
            break widths;
          }
          const budget = methodBudget(method, config);
          const predictedAt = run.record.steps ?? budget;
          runs.push({
            width,
            seed,
            k,
            ...run.record,
            lambda,
            predicted: fromR0 === null ? null : linearisedSteps(fromR0.values, fromR0.coordinates, fromR0.step, config.tol * yNorm),
            predictedResidual: fromR0 === null ? null : linearisedResidual(fromR0.values, fromR0.coordinates, fromR0.step, predictedAt) / yNorm,
            predictedTarget: fromTarget === null ? null : linearisedSteps(fromTarget.values, fromTarget.coordinates, fromTarget.step, config.tol * yNorm),
            ...(fromR0 !== null && run.history !== null ? { curve: residualCurve(run.history, (n) => linearisedResidual(fromR0.values, fromR0.coordinates, fromR0.step, n), yNorm) } : {}),
            ...(method === 'newton-auto' && run.history !== null ? followLambda(run.history, gram, r0, yNorm, config.tol) : {}),
          });
        }
      }
    }
  }
  return { config, partial, runs, limits, ...summarise(runs, limits, config) };
}

/** The ratios per width and method and their fits against N, from the runs and limits (of one run or of merged ones). */
export function summarise(runs: UniformityRun[], limits: UniformityLimit[], config: Config): Pick<UniformityResult, 'ratios' | 'fits'> {
  const ratios = ratioTable(runs, limits, config);
  const fits: UniformityResult['fits'] = {};
  for (const method of UNIFORMITY_METHODS) {
    const points = ratios.filter((r) => r.method === method).flatMap((r) => r.measured.map((v) => [r.width, v] as const));
    if (new Set(points.map((p) => p[0])).size >= 2) fits[method] = logLogFit(points.map((p) => p[0]), points.map((p) => p[1]));
  }
  return { ratios, fits };
}

type Config = UniformityResult['config'];

function checkConfig(c: Config): void {
  const [from, to] = c.exponents;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from || to > 24) {
    throw new RangeError(`runUniformity: exponents must be integers 1 ≤ from ≤ to ≤ 24, got [${from}, ${to}]`);
  }
  if (!Number.isInteger(c.trainTo) || c.trainTo < 0) throw new RangeError(`runUniformity: trainTo must be an integer ≥ 0, got ${c.trainTo}`);
  if (!Number.isInteger(c.points) || c.points < 4) throw new RangeError(`runUniformity: points must be an integer ≥ 4, got ${c.points}`);
  if (c.ks.length < 1 || c.ks.some((k) => !Number.isInteger(k) || k < 1 || 2 * k >= c.points)) {
    // On tⱼ = 2πj/M, sin(k tⱼ) = −sin((M − k) tⱼ) and sin((M/2) tⱼ) = sin(πj) = 0: only k < M/2 are distinct targets.
    throw new RangeError(`runUniformity: ks must be integers 1 ≤ k < points/2 = ${c.points / 2} (sin(k t) aliases on ${c.points} equispaced points beyond), got [${c.ks.join(', ')}]`);
  }
  if (!Number.isInteger(c.seeds) || c.seeds < 1) throw new RangeError(`runUniformity: seeds must be an integer ≥ 1, got ${c.seeds}`);
  for (const [name, v] of [['tol', c.tol], ['lambda0', c.lambda0], ['smallLambda0', c.smallLambda0]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`runUniformity: ${name} must be a finite number > 0, got ${v}`);
  }
  if (!(c.gamma >= 0) || !Number.isFinite(c.gamma)) throw new RangeError(`runUniformity: gamma must be a finite number ≥ 0, got ${c.gamma}`);
  for (const [name, v] of [['newtonSteps', c.newtonSteps], ['fullSteps', c.fullSteps], ['gdSteps', c.gdSteps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`runUniformity: ${name} must be an integer ≥ 1, got ${v}`);
  }
}

/** The step budget of `method` under `config`. */
export function methodBudget(method: UniformityMethod, config: UniformityResult['config']): number {
  return method === 'gd' ? config.gdSteps : method === 'newton-default' ? config.newtonSteps : config.fullSteps;
}

/** The λ rule of each full-Hessian method: what both its training and its kernel use. */
function lambdaRule(method: Exclude<PredictedMethod, 'gd'>, config: Config): 'auto' | { lambda0: number; gamma: number } {
  if (method === 'newton-auto') return 'auto';
  return { lambda0: method === 'newton-paper' ? config.lambda0 : config.smallLambda0, gamma: config.gamma };
}

/**
 * The kernel one step of `method` applies at θ₀, eigen-decomposed: 𝒦_GD with
 * η (its spectrum is `gram`), or 𝒦_N at the method's λ with α = 1. Its model
 * is null where S + λI is not positive definite at θ₀ (no step, no kernel).
 */
function linearise(
  net: TwoLayerNetwork,
  X: Matrix,
  y: Float64Array,
  method: PredictedMethod,
  gram: { values: Float64Array; vectors?: Matrix },
  lr: number,
  config: Config,
): { lambda: number | null; model: (Omit<Linearised, 'coordinates'> & { vectors: Matrix }) | null } {
  if (method === 'gd') return { lambda: null, model: { values: gram.values, vectors: gram.vectors!, step: lr } };
  const rule = lambdaRule(method, config);
  try {
    const { kernel: K, lambda } = kernel(net, X, { kind: 'nntk', lambda: rule, y });
    const { values, vectors } = spectrum(K);
    return { lambda: lambda ?? null, model: { values, vectors: vectors!, step: 1 } };
  } catch (error) {
    if (!(error instanceof NntkError)) throw error;
    return { lambda: rule === 'auto' ? null : rule.lambda0 * net.width ** -rule.gamma, model: null };
  }
}

/** K∞(X, X)/M for the tanh networks of this experiment (σ_w = σ_b = 1, with bias): the one call of the limit kernel. */
function limitNtk(X: Matrix): Matrix {
  return limitKernel(X, { activation: 'tanh' }).kernel;
}

/**
 * The infinite-width predictions from r₀ = −y: gradient descent with
 * η = 1/μ_max(K∞/M), and Newton with 𝒦_N∞ = (K∞/M)(λI + K∞/M)⁻¹, whose
 * eigenvalues are μ/(μ + λ) on the eigenvectors of K∞/M (docs/math.md §5),
 * λ the method's λ_N at this width, or λ_floor for 'auto' (S → 0 as N → ∞).
 */
function limitPredictions(gram: Matrix, y: Float64Array, width: number, k: number, config: Config): UniformityLimit[] {
  const { values, vectors } = spectrum(gram);
  const coordinates = project(vectors!, y.map((v) => -v));
  const yNorm = Math.hypot(...y);
  const target = config.tol * yNorm;
  const muMax = values[values.length - 1]!;
  return PREDICTED_METHODS.map((method) => {
    const budget = methodBudget(method, config);
    if (method === 'gd') {
      return {
        width, k, method, lambda: null,
        predicted: linearisedSteps(values, coordinates, 1 / muMax, target),
        residualAtBudget: linearisedResidual(values, coordinates, 1 / muMax, budget) / yNorm,
      };
    }
    const rule = lambdaRule(method, config);
    const lambda = rule === 'auto' ? LAMBDA_FLOOR : rule.lambda0 * width ** -rule.gamma;
    const newtonValues = values.map((mu) => Math.max(mu, 0) / (Math.max(mu, 0) + lambda));
    return {
      width, k, method, lambda,
      predicted: linearisedSteps(newtonValues, coordinates, 1, target),
      residualAtBudget: linearisedResidual(newtonValues, coordinates, 1, budget) / yNorm,
    };
  });
}

interface Measured {
  record: Pick<UniformityRun, 'method' | 'steps' | 'seconds' | 'residual' | 'status' | 'failure'>;
  /** The run's history; null when not run or failed. */
  history: HistoryEntry[] | null;
}

function notRun(method: UniformityMethod): Measured {
  return { record: { method, steps: null, seconds: 0, residual: null, status: 'not-run' }, history: null };
}

/** One training run to tol or the method's budget, or null when aborted. */
function measure(net: TwoLayerNetwork, X: Matrix, y: Float64Array, method: UniformityMethod, lr: number, config: Config, signal: AbortSignal | undefined): Measured | null {
  const common = { tol: config.tol, maxSteps: methodBudget(method, config), ...(signal === undefined ? {} : { signal }) };
  const started = performance.now();
  let result: TrainResult;
  try {
    if (method === 'gd') result = train(net, X, y, { method: 'gd', lr, ...common });
    else if (method === 'newton-default') result = train(net, X, y, { method: 'newton', ...common });
    else result = train(net, X, y, { method: 'newton', hessian: 'full', lambda: lambdaRule(method, config), damping: 'none', alpha: 1, ...common });
  } catch (error) {
    if (!(error instanceof NntkError)) throw error;
    const seconds = (performance.now() - started) / 1000;
    return { record: { method, steps: null, seconds, residual: null, status: 'failed', failure: error.message }, history: null };
  }
  if (result.reason === 'aborted') return null;
  const seconds = (performance.now() - started) / 1000;
  const status = result.reason === 'converged' ? 'converged' : 'budget';
  return { record: { method, steps: result.steps, seconds, residual: result.residual, status }, history: result.history };
}

/** The steps 0, 1, 2, 3, 5 × 10ʲ, 10ʲ⁺¹, 2 × 10ʲ⁺¹, … up to `last`, and `last`. */
function checkpoints(last: number): number[] {
  const out = new Set<number>([0, 1, 2, 3]);
  for (let decade = 1; decade <= last; decade *= 10) for (const m of [1, 2, 3, 5]) out.add(m * decade);
  out.add(last);
  return [...out].filter((s) => s <= last).sort((a, b) => a - b);
}

/** Measured |r|/|y| after each checkpoint's accepted step beside the linearised |r| after as many steps, `predicted(s)`. */
function residualCurve(history: HistoryEntry[], predicted: (steps: number) => number, yNorm: number): ResidualCurve {
  const after = new Map<number, number>();
  for (const entry of history) if (entry.step === 0 || entry.accepted) after.set(entry.acceptedSteps, entry.residual);
  const last = Math.max(...after.keys());
  const step = checkpoints(last).filter((s) => after.has(s));
  return {
    step,
    measured: step.map((s) => after.get(s)!),
    predicted: step.map((s) => predicted(s) / yNorm),
  };
}

/**
 * The linearised prediction of a run whose λ changed every step (newton-auto,
 * α = 1): the λₜ of its accepted steps applied to the eigenmodes of 𝒦_GD at θ₀.
 * Not the full-Hessian kernel at θ₀ with λₜ: λₜ was certified against S at θₜ,
 * which falls with the residual, and S at θ₀ + λₜI is indefinite once λₜ
 * drops below the certificate at θ₀ (after a few steps), so that kernel does
 * not exist; in the linearised model S = 0 and the step's kernel is the
 * Gauss–Newton one at every λ.
 */
function followLambda(
  history: HistoryEntry[],
  gram: { values: Float64Array; vectors?: Matrix },
  r0: Float64Array,
  yNorm: number,
  tol: number,
): Pick<UniformityRun, 'followedResidual' | 'followedSteps' | 'followedCurve'> {
  const lambdas = history.filter((e) => e.step > 0 && e.accepted).map((e) => e.lambda!);
  const curve = linearisedNewtonCurve(gram.values, project(gram.vectors!, r0), 1, lambdas);
  const reached = curve.findIndex((r) => r <= tol * yNorm);
  return {
    followedResidual: curve[lambdas.length]! / yNorm,
    followedSteps: reached < 0 ? null : reached,
    followedCurve: residualCurve(history, (n) => curve[n]!, yNorm),
  };
}

function ratioTable(runs: UniformityRun[], limits: UniformityLimit[], config: Config): UniformityRatio[] {
  const kLow = Math.min(...config.ks);
  const kHigh = Math.max(...config.ks);
  const widths = [...new Set(runs.map((r) => r.width))];
  const out: UniformityRatio[] = [];
  for (const width of widths) {
    for (const method of UNIFORMITY_METHODS) {
      const at = (seed: number, k: number) => runs.find((r) => r.width === width && r.method === method && r.seed === seed && r.k === k);
      const measured: number[] = [];
      const predicted: number[] = [];
      for (let seed = 0; seed < config.seeds; seed++) {
        const [low, high] = [at(seed, kLow), at(seed, kHigh)];
        if (low === undefined || high === undefined) continue;
        if (low.status === 'converged' && high.status === 'converged' && low.steps! > 0) measured.push(high.steps! / low.steps!);
        if (low.predicted !== null && high.predicted !== null && Number.isFinite(low.predicted) && Number.isFinite(high.predicted) && low.predicted > 0) {
          predicted.push(high.predicted / low.predicted);
        }
      }
      const limitOf = (k: number) => limits.find((l) => l.width === width && l.k === k && l.method === method)?.predicted;
      const [limitLow, limitHigh] = [limitOf(kLow), limitOf(kHigh)];
      out.push({
        width,
        method,
        measured,
        mean: measured.length === 0 ? null : measured.reduce((s, v) => s + v, 0) / measured.length,
        min: measured.length === 0 ? null : Math.min(...measured),
        max: measured.length === 0 ? null : Math.max(...measured),
        predicted: predicted.length === 0 ? null : predicted.reduce((s, v) => s + v, 0) / predicted.length,
        limit: limitLow !== undefined && limitHigh !== undefined && Number.isFinite(limitLow) && Number.isFinite(limitHigh) && limitLow > 0 ? limitHigh / limitLow : null,
      });
    }
  }
  return out;
}
