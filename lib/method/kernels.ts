/**
 * The finite-width kernels of docs/math.md §4 (§8 for several outputs) through one entry point,
 * `kernel(net, X1, X2?, options)`, X1.rows × X2.rows with the training set
 * (the M of 1/M, and the set over which the Newton kernel's inverse is taken)
 * X2 when it is given and X1 otherwise:
 *   𝒦_GD(X1, X2) = J₁·J₂ᵀ/M                       (empirical NTK, structured: no Jacobian)
 *   𝒦_N(X1, X2)  = Q₁₂·(M·I + Q₂₂)⁻¹,  Q_ab = J_a·A⁻¹·J_bᵀ   (empirical Newton NTK)
 * so that 𝒦_N(X, X) = J·(H + λI)⁻¹·Jᵀ/M = Q·(M·I + Q)⁻¹.
 */
import { gemm } from '../linalg/blas.js';
import { potrs } from '../linalg/cholesky.js';
import { Matrix, type MatrixLike } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { jacobianCrossGram, jacobianGram } from './jacobian.js';
import { splitKernelArguments, symmetrize, type KernelKind, type KernelResult } from './kernel-result.js';
import { checkLambdaPolicy, chooseLambda, type LambdaPolicy } from './lambda.js';
import { NewtonSystem, whitenedJacobian, type Hessian } from './newton.js';
import { checkOutputKernel, outputTrace, type OutputKernel } from './output-blocks.js';

export interface KernelOptions {
  /** 'ntk': 𝒦_GD = J·Jᵀ/M; 'nntk': the Newton kernel 𝒦_N = J·(H + λI)⁻¹·Jᵀ/M. Default 'ntk'. */
  kind?: KernelKind;
  /** 'nntk' only: λ, fixed, width-scaled { lambda0, gamma } or 'auto' (docs/math.md §3). Default 'auto'. */
  lambda?: LambdaPolicy;
  /** 'nntk' only: 'full' (H = G + S, the paper's method) or 'gauss-newton' (H → G). Default 'full'. */
  hessian?: Hessian;
  /**
   * 'nntk' only: the targets at the training set (X2 when given, else X1),
   * M·C of them for C outputs, sample-major.
   * Required with the full Hessian, whose S depends on the residual f − y;
   * Gauss–Newton does not read them. Default: none.
   */
  y?: Float64Array;
  /**
   * For a network of C outputs (docs/math.md §8): 'trace', the M×M mean of
   * the C diagonal output blocks (neural-tangents' default), or 'full', the
   * (M·C)×(M·C) kernel, sample-major (index j·C + k is output k at point j).
   * Both are the one-output kernel when C = 1. Default 'trace'.
   */
  outputs?: OutputKernel;
}

const KERNEL_OPTIONS = keysOf<KernelOptions>({ kind: true, lambda: true, hessian: true, y: true, outputs: true });

/**
 * The empirical NTK or Newton NTK of `net` (docs/math.md §4), X1.rows ×
 * X2.rows (X1.rows × X1.rows without X2), row i for the point X1[i], the
 * convention of neural-tangents' kernel_fn(x1, x2). The training set is X2
 * when given, X1 otherwise: 𝒦 is divided by its number of points M, and the
 * Newton kernel's (M·I + Q)⁻¹ is taken over it. kernel(net, X, X) equals
 * kernel(net, X) to round-off; square results are exactly symmetric.
 *
 * @example
 * const { kernel: K } = kernel(net, X);                                  // 𝒦_GD, M × M
 * const { kernel: Kn, lambda } = kernel(net, X, { kind: 'nntk', y });    // 𝒦_N, full Hessian, λ 'auto'
 * const cross = kernel(net, Xtest, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3 });
 * const full = kernel(net3, X, { outputs: 'full' });                     // C = 3 outputs: 3M × 3M, sample-major
 */
export function kernel(net: TwoLayerNetwork, X1: Matrix, X2?: Matrix, options?: KernelOptions): KernelResult;
export function kernel(net: TwoLayerNetwork, X1: Matrix, options?: KernelOptions): KernelResult;
export function kernel(net: TwoLayerNetwork, X1: Matrix, second?: Matrix | KernelOptions, third?: KernelOptions): KernelResult {
  const { X2, options = {} } = splitKernelArguments<KernelOptions>('kernel', second, third);
  checkOptionKeys('kernel', options, KERNEL_OPTIONS);
  const kind = options.kind ?? 'ntk';
  const outputs = checkOutputKernel('kernel', options.outputs);
  const dim = net.config.dim;
  checkData('kernel', X1, null, dim, 'X1');
  if (X2 !== undefined) checkData('kernel', X2, null, dim, 'X2');
  if (kind === 'ntk') {
    for (const key of ['lambda', 'hessian', 'y'] as const) {
      if (options[key] !== undefined) throw new RangeError(`kernel: ${key} applies to kind 'nntk' only`);
    }
    return { kernel: gradientKernel(net, X1, X2, outputs), kind };
  }
  if (kind === 'nntk') {
    const result = newtonKernel(net, X1, X2, options);
    // The traced Newton kernel is the mean of the full one's diagonal blocks, not the Newton kernel of the traced NTK.
    if (outputs === 'trace' && net.outputs > 1) result.kernel = outputTrace(result.kernel, net.outputs);
    return { ...result, kind };
  }
  throw new RangeError(`kernel: kind must be 'ntk' or 'nntk', got ${String(kind)}`);
}

/** 𝒦_GD(X1, X2) = J(X1)·J(X2)ᵀ/M, M = X2.rows (X2 = X1 when absent, by the structured Gram), traced or full. */
function gradientKernel(net: TwoLayerNetwork, X1: MatrixLike, X2: MatrixLike | undefined, outputs: OutputKernel): Matrix {
  const x1 = net.augment(X1 as Matrix);
  if (X2 === undefined) return scaled(jacobianGram(net, x1, undefined, outputs), 1 / X1.rows);
  return scaled(jacobianCrossGram(net, x1, net.augment(X2 as Matrix), outputs), 1 / X2.rows);
}

/** 𝒦_N(X1, X2) = Q₁₂·(M·I + Q₂₂)⁻¹ over the training set X2 (X1 when absent), with λ and its certificate. */
function newtonKernel(net: TwoLayerNetwork, X1: Matrix, X2: Matrix | undefined, options: KernelOptions): { kernel: Matrix; lambda: number; certificate: number } {
  const training = X2 ?? X1;
  const hessian = options.hessian ?? 'full';
  if (hessian !== 'full' && hessian !== 'gauss-newton') throw new RangeError(`kernel: hessian must be 'full' or 'gauss-newton', got ${String(hessian)}`);
  const policy = checkLambdaPolicy('kernel', options.lambda ?? 'auto');
  if (hessian === 'full' && options.y === undefined) {
    throw new TypeError(`kernel: the full-Hessian Newton kernel needs the targets y at the training set ${X2 === undefined ? 'X1' : 'X2'} (S depends on the residual f − y)`);
  }
  if (options.y !== undefined) checkData('kernel', training, options.y, net.config.dim, X2 === undefined ? 'X1' : 'X2', net.outputs);
  // Gauss–Newton does not look at the residual: any y of the right length will do.
  const system = new NewtonSystem(net, training, options.y ?? new Float64Array(training.rows * net.outputs));
  const { lambda, certificate } = chooseLambda(policy, system, hessian);
  const K = X2 === undefined ? squareNewtonKernel(system, lambda, hessian) : crossNewtonKernel(system, X1, lambda, hessian);
  return { kernel: K, lambda, certificate };
}

/** Q·(M·I + Q)⁻¹ at the system's points ((M·C)×(M·C) for C outputs), symmetrised. */
function squareNewtonKernel(system: NewtonSystem, lambda: number, hessian: Hessian): Matrix {
  const { Q, factor } = system.kernelSystem(lambda, hessian);
  // Q and (M·I + Q)⁻¹ commute, so the product is symmetric: average away the round-off.
  return symmetrize(potrs(factor, Q.clone()));
}

/** Q*·(M·I + Q)⁻¹ with Q* = J(X*)·A⁻¹·Jᵀ, one row per point of X* (and output, sample-major). */
function crossNewtonKernel(system: NewtonSystem, Xstar: Matrix, lambda: number, hessian: Hessian): Matrix {
  const { net } = system;
  const m = system.m;
  const C = net.outputs;
  const { factor, blockFactors } = system.kernelSystem(lambda, hessian);
  const xtStar = net.augment(Xstar);
  let qStar: Matrix;
  if (blockFactors === null) {
    qStar = scaled(jacobianCrossGram(net, xtStar, system.xt), 1 / lambda);
  } else {
    qStar = new Matrix(Xstar.rows * C, m * C);
    const starWorkspace = new Workspace();
    // Each point's rows of Z are C rows of q numbers a neuron: the chunk is sized for (M + M*)·C rows.
    for (const [from, to] of net.chunks((m + Xstar.rows) * C, 2 + net.blockSize)) {
      const z = whitenedJacobian(net, system.xt, from, to, blockFactors, system.workspace);
      const zStar = whitenedJacobian(net, xtStar, from, to, blockFactors, starWorkspace);
      gemm(zStar, z, { transB: true, out: qStar, beta: 1 });
    }
  }
  // (M·I + Q) is symmetric: Q*·(M·I + Q)⁻¹ is the transpose of (M·I + Q)⁻¹·Q*ᵀ, which potrs solves row-wise.
  return potrs(factor, qStar);
}

function scaled(a: Matrix, factor: number): Matrix {
  for (let i = 0; i < a.data.length; i++) a.data[i] = a.data[i]! * factor;
  return a;
}
