/**
 * The kernel-regression predictors of docs/math.md §9 at test points, from a
 * network's empirical kernels (𝒦_GD or 𝒦_N and their cross-kernels, at its
 * current parameters θ₀) or from the infinite-width limit kernels.
 */
import type { Matrix } from '../linalg/matrix.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys, keysOf } from '../options.js';
import type { KernelKind } from './kernel-result.js';
import { KernelPredictor, type PredictionTime } from './kernel-predictor.js';
import { kernel } from './kernels.js';
import type { LambdaPolicy } from './lambda.js';
import { limitKernel, type LimitKernelOptions } from './limits.js';
import type { Hessian } from './newton.js';

/** What the predictors return. */
export interface Prediction {
  /** f at the test points, one entry per row of Xtest. */
  test: Float64Array;
  /** f at the training points: the linearised training dynamics at the same time. */
  train: Float64Array;
  /** The Newton kernel's λ; absent for 'ntk'. */
  lambda?: number;
}

/** The common options: which kernel, when, and a ridge. */
export interface PredictorOptions {
  /** 'ntk': gradient flow (𝒦_GD); 'nntk': Newton flow (𝒦_N). Default 'ntk'. */
  kind?: KernelKind;
  /** When to predict (docs/math.md §9). Default `{ time: Infinity }`. */
  when?: PredictionTime;
  /** ρ ≥ 0 added to the training kernel's diagonal. Default 0. */
  ridge?: number;
}

export interface NetworkPredictorOptions extends PredictorOptions {
  /** 'nntk' only: λ, as for kernel(). Default 'auto'. */
  lambda?: LambdaPolicy;
  /** 'nntk' only: 'full' or 'gauss-newton', as for kernel(). Default 'full'. */
  hessian?: Hessian;
}

export type LimitPredictorOptions = PredictorOptions & Omit<LimitKernelOptions, 'kind' | 'outputs' | 'outputCount'>;

const NETWORK_OPTIONS = keysOf<NetworkPredictorOptions>({ kind: true, when: true, ridge: true, lambda: true, hessian: true });
const LIMIT_OPTIONS = keysOf<LimitPredictorOptions>({
  kind: true,
  when: true,
  ridge: true,
  activation: true,
  sigmaW: true,
  sigmaB: true,
  bias: true,
  lambda: true,
  quadratureNodes: true,
  tolerance: true,
  method: true,
});

/**
 * What the network linearised at its current parameters θ₀ predicts at the
 * rows of Xtest after training on (X, y) by gradient flow (`kind: 'ntk'`) or
 * Newton flow (`kind: 'nntk'`) for `when`: f₀(X*) − 𝒦(X*, X)·φ(𝒦 + ρI)·(f₀(X) − y),
 * docs/math.md §9, from kernel(net, X) and kernel(net, Xtest, X).
 *
 * @example
 * const eta = defaultLearningRate(net, X);
 * const { test } = networkPrediction(net, X, y, Xtest, { when: { steps: 200, stepSize: eta } });
 * const newton = networkPrediction(net, X, y, Xtest, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3, when: { steps: 1, stepSize: 1 } });
 */
export function networkPrediction(net: TwoLayerNetwork, X: Matrix, y: Float64Array, Xtest: Matrix, options: NetworkPredictorOptions = {}): Prediction {
  const where = 'networkPrediction';
  checkOptionKeys(where, options, NETWORK_OPTIONS);
  net.requireSingleOutput(where);
  checkData(where, X, y, net.config.dim);
  checkData(where, Xtest, null, net.config.dim, 'Xtest');
  const { kind = 'ntk', when = { time: Infinity }, ridge, lambda, hessian } = options;
  // kernel() refuses lambda and hessian for 'ntk', naming them; the targets are the Newton kernel's (its S).
  const kernelOptions = { kind, ...(kind === 'nntk' ? { y } : {}), ...(lambda === undefined ? {} : { lambda }), ...(hessian === undefined ? {} : { hessian }) };
  const square = kernel(net, X, kernelOptions);
  const cross = kernel(net, Xtest, X, kernelOptions);
  const f0 = net.predict(X);
  const r0 = f0.map((f, j) => f - y[j]!);
  const predictor = new KernelPredictor(square.kernel, r0, ridge === undefined ? {} : { ridge });
  const result: Prediction = {
    test: predictor.predict(cross.kernel, when, net.predict(Xtest)) as Float64Array,
    train: predictor.predict(square.kernel, when, f0) as Float64Array,
  };
  if (square.lambda !== undefined) result.lambda = square.lambda;
  return result;
}

/**
 * The same predictor from the infinite-width limit kernels (β = 1/2,
 * limitKernel with these options): f₀ ≡ 0, the mean of the network at
 * initialisation, so f(X*) = K*·φ(K + ρI)·y with K = K∞/M (kind 'ntk') or the
 * limit Newton kernel at the fixed `lambda` (kind 'nntk').
 *
 * @example
 * const { test } = limitPrediction(X, y, Xtest, { activation: 'relu', ridge: 1e-6 });   // t → ∞
 */
export function limitPrediction(X: Matrix, y: Float64Array, Xtest: Matrix, options: LimitPredictorOptions): Prediction {
  const where = 'limitPrediction';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options with an activation are required`);
  checkOptionKeys(where, options, LIMIT_OPTIONS);
  checkData(where, X, y, X.cols);
  checkData(where, Xtest, null, X.cols, 'Xtest');
  const { when = { time: Infinity }, ridge, ...limitOptions } = options;
  const square = limitKernel(X, limitOptions);
  const cross = limitKernel(Xtest, X, limitOptions);
  const r0 = y.map((v) => -v);
  const predictor = new KernelPredictor(square.kernel, r0, ridge === undefined ? {} : { ridge });
  const result: Prediction = {
    test: predictor.predict(cross.kernel, when) as Float64Array,
    train: predictor.predict(square.kernel, when) as Float64Array,
  };
  if (square.lambda !== undefined) result.lambda = square.lambda;
  return result;
}
