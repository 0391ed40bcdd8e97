/**
 * The kernels of SPEC §4, M×M (or M*×M for test points as rows):
 *   𝒦_GD = J·Jᵀ/M                      (empirical NTK, structured: no Jacobian)
 *   𝒦_N  = J·(H + λI)⁻¹·Jᵀ/M = Q·(M·I + Q)⁻¹   (empirical Newton NTK)
 * and the cross-kernels 𝒦_GD(X*, X) = J*·Jᵀ/M, 𝒦_N(X*, X) = Q*·(M·I + Q)⁻¹
 * with Q* = J*·A⁻¹·Jᵀ.
 */
import { gemm } from '../linalg/blas.js';
import { potrs } from '../linalg/cholesky.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { checkData } from '../model/data.js';
import type { TwoLayerNetwork } from '../model/network.js';
import { checkLambdaPolicy, chooseLambda, type LambdaPolicy } from './lambda.js';
import { jacobianCrossGram, jacobianGram } from './jacobian.js';
import { NewtonSystem, whitenedJacobian, type Hessian } from './newton.js';

/** 𝒦_GD = J·Jᵀ/M at the rows of X. */
export function ntk(net: TwoLayerNetwork, X: Matrix): Matrix {
  checkData('ntk', X, null, net.config.dim);
  const gram = jacobianGram(net, net.augment(X));
  return scaled(gram, 1 / X.rows);
}

/** 𝒦_GD(X*, X) = J(X*)·J(X)ᵀ/M, one row per test point. */
export function ntkCross(net: TwoLayerNetwork, Xstar: Matrix, X: Matrix): Matrix {
  checkData('ntk', X, null, net.config.dim);
  checkData('ntk', Xstar, null, net.config.dim, 'Xstar');
  return scaled(jacobianCrossGram(net, net.augment(Xstar), net.augment(X)), 1 / X.rows);
}

export interface NewtonKernelOptions {
  /** Default 'auto' (SPEC §3). */
  lambda?: LambdaPolicy;
  /** Default 'full'. */
  hessian?: Hessian;
  /** The targets: the full Hessian's S depends on the residual f(X) − y. */
  y?: Float64Array;
}

export interface NewtonKernel {
  kernel: Matrix;
  lambda: number;
  /** minᵢ λ_min(Sᵢ + λI) for the full Hessian; λ for Gauss–Newton. */
  certificate: number;
}

/** 𝒦_N = Q·(M·I + Q)⁻¹ at the rows of X. */
export function nntk(net: TwoLayerNetwork, X: Matrix, options: NewtonKernelOptions = {}): NewtonKernel {
  const { system, hessian, lambda, certificate } = setUp(net, X, options);
  const { Q, factor } = system.kernelSystem(lambda, hessian);
  // Q and (M·I + Q)⁻¹ commute, so the product is symmetric: average away the round-off.
  const kernel = potrs(factor, Q.clone());
  const m = X.rows;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (kernel.data[i * m + j]! + kernel.data[j * m + i]!);
      kernel.data[i * m + j] = v;
      kernel.data[j * m + i] = v;
    }
  }
  return { kernel, lambda, certificate };
}

/** 𝒦_N(X*, X) = Q*·(M·I + Q)⁻¹, one row per test point. */
export function nntkCross(net: TwoLayerNetwork, Xstar: Matrix, X: Matrix, options: NewtonKernelOptions = {}): NewtonKernel {
  const { system, hessian, lambda, certificate } = setUp(net, X, options);
  checkData('nntk', Xstar, null, net.config.dim, 'Xstar');
  const { factor, blockFactors } = system.kernelSystem(lambda, hessian);
  const xtStar = net.augment(Xstar);
  let qStar: Matrix;
  if (blockFactors === null) {
    qStar = scaled(jacobianCrossGram(net, xtStar, system.xt), 1 / lambda);
  } else {
    qStar = new Matrix(Xstar.rows, X.rows);
    const starWorkspace = new Workspace();
    for (const [from, to] of net.chunks(X.rows + Xstar.rows, 2 + net.blockSize)) {
      const z = whitenedJacobian(net, system.xt, from, to, blockFactors, system.workspace);
      const zStar = whitenedJacobian(net, xtStar, from, to, blockFactors, starWorkspace);
      gemm(zStar, z, { transB: true, out: qStar, beta: 1 });
    }
  }
  return { kernel: potrs(factor, qStar), lambda, certificate };
}

function setUp(net: TwoLayerNetwork, X: Matrix, options: NewtonKernelOptions) {
  const hessian = options.hessian ?? 'full';
  if (hessian !== 'full' && hessian !== 'gauss-newton') throw new RangeError(`nntk: hessian must be 'full' or 'gauss-newton', got ${String(hessian)}`);
  const policy = checkLambdaPolicy('nntk', options.lambda ?? 'auto');
  if (hessian === 'full' && options.y === undefined) {
    throw new TypeError('nntk: the full-Hessian Newton kernel needs the targets y (S depends on the residual f(X) − y)');
  }
  // Gauss–Newton does not look at the residual: any y of the right length will do.
  const system = new NewtonSystem(net, X, options.y ?? new Float64Array(X.rows));
  const { lambda, certificate } = chooseLambda(policy, system, hessian);
  return { system, hessian, lambda, certificate };
}

function scaled(a: Matrix, factor: number): Matrix {
  for (let i = 0; i < a.data.length; i++) a.data[i] = a.data[i]! * factor;
  return a;
}
