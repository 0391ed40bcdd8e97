/**
 * The kernel-regression predictors of docs/math.md §9 at test points, from a
 * network's empirical kernels (𝒦_GD or 𝒦_N and their cross-kernels, at its
 * current parameters θ₀) or from the infinite-width limit kernels.
 */
import { Matrix } from '../linalg/matrix.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys, keysOf } from '../options.js';
import type { KernelKind } from './kernel-result.js';
import { KernelPredictor, type PredictionTime } from './kernel-predictor.js';
import { kernel } from './kernels.js';
import type { LambdaPolicy } from './lambda.js';
import { limitKernel, type LimitKernelOptions } from './limits.js';
import type { Hessian } from './newton.js';
import { checkOutputKernel, type OutputKernel } from './output-blocks.js';

/** What the predictors return. */
export interface Prediction {
  /** f at the test points, one entry per row of Xtest and output (M*·C, sample-major as net.predict). */
  test: Float64Array;
  /** f at the training points (M·C): the linearised training dynamics at the same time. */
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
  /**
   * A network of C > 1 outputs: 'full' (default), the (M·C)×(M·C) kernel,
   * which is the linearised network's own dynamics (its output blocks couple
   * the outputs); 'trace', each output regressed on the M×M traced kernel,
   * neural-tangents' convention, exact only in the infinite-width limit.
   * Either is the one-output predictor when C = 1.
   */
  outputs?: OutputKernel;
}

export interface LimitPredictorOptions extends PredictorOptions, Omit<LimitKernelOptions, 'kind' | 'outputs'> {
  /**
   * C, the number of outputs: y holds M·C targets, sample-major, and the
   * prediction M*·C. In the limit the kernel is K∞ ⊗ I_C, so each output is
   * regressed on K∞ alone. Default 1.
   */
  outputCount?: number;
}

const NETWORK_OPTIONS = keysOf<NetworkPredictorOptions>({ kind: true, when: true, ridge: true, lambda: true, hessian: true, outputs: true });
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
  outputCount: true,
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
  const C = net.outputs;
  checkData(where, X, y, net.config.dim, 'X', C);
  checkData(where, Xtest, null, net.config.dim, 'Xtest');
  const { kind = 'ntk', when = { time: Infinity }, ridge, lambda, hessian } = options;
  const outputs = options.outputs === undefined ? 'full' : checkOutputKernel(where, options.outputs);
  // kernel() refuses lambda and hessian for 'ntk', naming them; the targets are the Newton kernel's (its S).
  const kernelOptions = {
    kind,
    ...(kind === 'nntk' ? { y } : {}),
    ...(lambda === undefined ? {} : { lambda }),
    ...(hessian === undefined ? {} : { hessian }),
    ...(C > 1 ? { outputs } : {}),
  };
  const square = kernel(net, X, kernelOptions);
  const cross = kernel(net, Xtest, X, kernelOptions);
  const f0 = net.predict(X);
  const r0 = f0.map((f, j) => f - y[j]!);
  // C outputs: M×C matrices, whose row-major data are the sample-major vectors (the full kernel reads them so).
  const asOutputs = (v: Float64Array) => (C === 1 ? v : new Matrix(v.length / C, C, v));
  const predictor = new KernelPredictor(square.kernel, asOutputs(r0), ridge === undefined ? {} : { ridge });
  const flat = (f: Float64Array | Matrix) => (f instanceof Float64Array ? f : f.data);
  const result: Prediction = {
    test: flat(predictor.predict(cross.kernel, when, asOutputs(net.predict(Xtest)))),
    train: flat(predictor.predict(square.kernel, when, asOutputs(f0))),
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
  const { when = { time: Infinity }, ridge, outputCount: C = 1, ...limitOptions } = options;
  if (!Number.isSafeInteger(C) || C < 1) throw new RangeError(`${where}: outputCount must be an integer ≥ 1, got ${String(C)}`);
  checkData(where, X, y, X.cols, 'X', C);
  checkData(where, Xtest, null, X.cols, 'Xtest');
  const square = limitKernel(X, limitOptions);
  const cross = limitKernel(Xtest, X, limitOptions);
  const r0 = y.map((v) => -v);
  // K∞ ⊗ I_C acts on each output alone: the M×C residual column by column on K∞ is the full kernel's prediction.
  const predictor = new KernelPredictor(square.kernel, C === 1 ? r0 : new Matrix(X.rows, C, r0), ridge === undefined ? {} : { ridge });
  const flat = (f: Float64Array | Matrix) => (f instanceof Float64Array ? f : f.data);
  const result: Prediction = {
    test: flat(predictor.predict(cross.kernel, when)),
    train: flat(predictor.predict(square.kernel, when)),
  };
  if (square.lambda !== undefined) result.lambda = square.lambda;
  return result;
}
