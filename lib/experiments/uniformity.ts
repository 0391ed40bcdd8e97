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
import { NewtonSystem } from '../method/newton.js';
import { project, spectrum } from '../method/spectrum.js';
import { train, type TrainResult } from '../method/train.js';
import { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys } from '../options.js';
import { circleData } from './circle.js';
import { linearisedSteps, predictedSteps } from './linearised-steps.js';
import { logLogFit, type LogLogFit } from './log-log-fit.js';

export type UniformityMethod = 'newton-default' | 'newton-paper' | 'gd';

export const UNIFORMITY_METHODS: readonly UniformityMethod[] = ['newton-default', 'newton-paper', 'gd'];

export interface UniformityOptions {
  /** log₂ N from … to, default [10, 16]. */
  exponents?: [number, number];
  /** Frequencies k of the targets sin(k t), default [1, 2, 4, 8, 16]; each must be < M/2 (sin(k tⱼ) aliases beyond, and vanishes at k = M/2). */
  ks?: number[];
  /** Seeds per width, default 3. */
  seeds?: number;
  /** M points on the circle, default 64. */
  points?: number;
  /** Target relative residual, default 1e-6. */
  tol?: number;
  /** λ_N = λ₀·N^(−γ) of the paper's method: default λ₀ = 1, γ = 1/4 (S + λ_N·I stays positive definite: S shrinks like N^(−1/2)). */
  lambda0?: number;
  gamma?: number;
  /** Accepted-step budget of both Newton methods, default 100. */
  newtonSteps?: number;
  /** Step budget of gradient descent, default 10 000. */
  gdSteps?: number;
  onProgress?: (message: string) => void;
  /**
   * Aborting stops the experiment at the next training run (checked after
   * each onProgress call, made before each run, and by the run itself); the
   * result holds the runs done (`partial: true`).
   */
  signal?: AbortSignal;
}

const OPTION_KEYS = ['exponents', 'ks', 'seeds', 'points', 'tol', 'lambda0', 'gamma', 'newtonSteps', 'gdSteps', 'onProgress', 'signal'];

/**
 * 'converged': reached tol; 'budget': ran out of steps; 'predicted-budget':
 * not run, because the linearised prediction exceeds the budget;
 * 'failed': the step could not be computed (S + λ_N·I not positive definite, divergence).
 */
export type RunStatus = 'converged' | 'budget' | 'predicted-budget' | 'failed';

export interface UniformityRun {
  width: number;
  seed: number;
  k: number;
  method: UniformityMethod;
  /** Accepted steps; null when not run. */
  steps: number | null;
  seconds: number;
  /** |r|/|y| reached; null when not run. */
  residual: number | null;
  status: RunStatus;
  /** Linearised steps from the kernel at θ₀ (Infinity: never); null for the default Newton, whose λ adapts (no fixed kernel). */
  predicted: number | null;
  /** The same prediction from r₀ = −y (f₀ left out), the finite-width counterpart of the infinite-width prediction; null for the default Newton. */
  predictedTarget: number | null;
  /** What went wrong, for 'failed'. */
  failure?: string;
}

export interface UniformityLimit {
  width: number;
  k: number;
  method: 'newton-paper' | 'gd';
  /** Linearised steps under the infinite-width kernel from r₀ = −y (the mean of f₀ is 0). */
  predicted: number;
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

export function runUniformity(options: UniformityOptions = {}): UniformityResult {
  checkOptionKeys('runUniformity', options, OPTION_KEYS);
  const config = {
    exponents: options.exponents ?? ([10, 16] as [number, number]),
    ks: options.ks ?? [1, 2, 4, 8, 16],
    seeds: options.seeds ?? 3,
    points: options.points ?? 64,
    tol: options.tol ?? 1e-6,
    lambda0: options.lambda0 ?? 1,
    gamma: options.gamma ?? 0.25,
    newtonSteps: options.newtonSteps ?? 100,
    gdSteps: options.gdSteps ?? 10_000,
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
    const lambda = config.lambda0 * width ** -config.gamma;
    for (const k of config.ks) limits.push(...limitPredictions(limitGram, targets.get(k)!, lambda, config.tol, width, k));
    for (let seed = 0; seed < config.seeds; seed++) {
      const net = TwoLayerNetwork.initialize({ width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed });
      const K = kernel(net, X).kernel;
      const lr = 1 / spectrum(K, { vectors: false, largest: 1 }).values[0]!;
      for (const k of config.ks) {
        const y = targets.get(k)!;
        const target = config.tol * Math.hypot(...y);
        const r0 = new NewtonSystem(net, X, y).residual;
        const paperKernel = kernel(net, X, { kind: 'nntk', lambda: { lambda0: config.lambda0, gamma: config.gamma }, y }).kernel;
        const predicted: Record<UniformityMethod, number | null> = {
          'newton-default': null,
          'newton-paper': predictedSteps(paperKernel, r0, 1, target),
          gd: predictedSteps(K, r0, lr, target),
        };
        const minusY = y.map((v) => -v);
        const predictedTarget: Record<UniformityMethod, number | null> = {
          'newton-default': null,
          'newton-paper': predictedSteps(paperKernel, minusY, 1, target),
          gd: predictedSteps(K, minusY, lr, target),
        };
        for (const method of UNIFORMITY_METHODS) {
          options.onProgress?.(`N = 2^${e}, seed ${seed + 1}/${config.seeds}, k = ${k}, ${method}`);
          if (signal?.aborted) {
            partial = true;
            break widths;
          }
          const run = measure(net, X, y, method, predicted[method], lr, config, signal);
          if (run === null) {
            partial = true;
            break widths;
          }
          runs.push({ width, seed, k, ...run, predictedTarget: predictedTarget[method] });
        }
      }
    }
  }
  const ratios = ratioTable(runs, limits, config);
  const fits: UniformityResult['fits'] = {};
  for (const method of UNIFORMITY_METHODS) {
    const points = ratios.filter((r) => r.method === method).flatMap((r) => r.measured.map((v) => [r.width, v] as const));
    if (new Set(points.map((p) => p[0])).size >= 2) fits[method] = logLogFit(points.map((p) => p[0]), points.map((p) => p[1]));
  }
  return { config, partial, runs, limits, ratios, fits };
}

type Config = UniformityResult['config'];

function checkConfig(c: Config): void {
  const [from, to] = c.exponents;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from || to > 24) {
    throw new RangeError(`runUniformity: exponents must be integers 1 ≤ from ≤ to ≤ 24, got [${from}, ${to}]`);
  }
  if (!Number.isInteger(c.points) || c.points < 4) throw new RangeError(`runUniformity: points must be an integer ≥ 4, got ${c.points}`);
  if (c.ks.length < 1 || c.ks.some((k) => !Number.isInteger(k) || k < 1 || 2 * k >= c.points)) {
    // On tⱼ = 2πj/M, sin(k tⱼ) = −sin((M − k) tⱼ) and sin((M/2) tⱼ) = sin(πj) = 0: only k < M/2 are distinct targets.
    throw new RangeError(`runUniformity: ks must be integers 1 ≤ k < points/2 = ${c.points / 2} (sin(k t) aliases on ${c.points} equispaced points beyond), got [${c.ks.join(', ')}]`);
  }
  if (!Number.isInteger(c.seeds) || c.seeds < 1) throw new RangeError(`runUniformity: seeds must be an integer ≥ 1, got ${c.seeds}`);
  for (const [name, v] of [['tol', c.tol], ['lambda0', c.lambda0]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`runUniformity: ${name} must be a finite number > 0, got ${v}`);
  }
  if (!(c.gamma >= 0) || !Number.isFinite(c.gamma)) throw new RangeError(`runUniformity: gamma must be a finite number ≥ 0, got ${c.gamma}`);
  for (const [name, v] of [['newtonSteps', c.newtonSteps], ['gdSteps', c.gdSteps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`runUniformity: ${name} must be an integer ≥ 1, got ${v}`);
  }
}

/** K∞(X, X)/M for the tanh networks of this experiment (σ_w = σ_b = 1, with bias): the one call of the limit kernel. */
function limitNtk(X: Matrix): Matrix {
  return limitKernel(X, { activation: 'tanh' }).kernel;
}

/**
 * The infinite-width predictions from r₀ = −y: gradient descent with
 * η = 1/μ_max(K∞/M), and the paper's Newton with 𝒦_N∞ = (K∞/M)(λ_N I + K∞/M)⁻¹,
 * whose eigenvalues are μ/(μ + λ_N) on the eigenvectors of K∞/M.
 */
function limitPredictions(gram: Matrix, y: Float64Array, lambda: number, tol: number, width: number, k: number): UniformityLimit[] {
  const { values, vectors } = spectrum(gram);
  const r0 = y.map((v) => -v);
  const target = tol * Math.hypot(...y);
  const coordinates = project(vectors!, r0);
  const muMax = values[values.length - 1]!;
  const newtonValues = values.map((mu) => Math.max(mu, 0) / (Math.max(mu, 0) + lambda));
  return [
    { width, k, method: 'gd', predicted: linearisedSteps(values, coordinates, 1 / muMax, target) },
    { width, k, method: 'newton-paper', predicted: linearisedSteps(newtonValues, coordinates, 1, target) },
  ];
}

/** One training run, or null when aborted. Runs predicted beyond their budget are not run. */
function measure(
  net: TwoLayerNetwork,
  X: Matrix,
  y: Float64Array,
  method: UniformityMethod,
  predicted: number | null,
  lr: number,
  config: Config,
  signal: AbortSignal | undefined,
): Omit<UniformityRun, 'width' | 'seed' | 'k' | 'predictedTarget'> | null {
  const budget = method === 'gd' ? config.gdSteps : config.newtonSteps;
  if (predicted !== null && predicted > budget) return { method, steps: null, seconds: 0, residual: null, status: 'predicted-budget', predicted };
  const common = { tol: config.tol, maxSteps: budget, ...(signal === undefined ? {} : { signal }) };
  const started = performance.now();
  let result: TrainResult;
  try {
    if (method === 'gd') result = train(net, X, y, { method: 'gd', lr, ...common });
    else if (method === 'newton-default') result = train(net, X, y, { method: 'newton', ...common });
    else result = train(net, X, y, { method: 'newton', hessian: 'full', lambda: { lambda0: config.lambda0, gamma: config.gamma }, damping: 'none', alpha: 1, ...common });
  } catch (error) {
    if (!(error instanceof NntkError)) throw error;
    return { method, steps: null, seconds: (performance.now() - started) / 1000, residual: null, status: 'failed', predicted, failure: error.message };
  }
  if (result.reason === 'aborted') return null;
  const seconds = (performance.now() - started) / 1000;
  return { method, steps: result.steps, seconds, residual: result.residual, status: result.reason === 'converged' ? 'converged' : 'budget', predicted };
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
