/**
 * Regularized Newton directions δ = (H + λI)⁻¹·g (docs/math.md §3), full Hessian or
 * Gauss–Newton, by two exact routes:
 * - dense: form H + λI (P×P), dpotrf, dpotrs — the reference for small P;
 * - kernel: with A = S + λI (block-diagonal, factored block by block) and
 *   Q = J·A⁻¹·Jᵀ, δ = A⁻¹·Jᵀ·(M·I + Q)⁻¹·r, streamed over neuron chunks in
 *   O(M² + M·chunk·q) memory; for Gauss–Newton A = λI and Q = J·Jᵀ/λ.
 */
import { MemoryLimitError, NotPositiveDefiniteError } from '../errors.js';
import { gemm, syrk } from '../linalg/blas.js';
import { potrf, potrs } from '../linalg/cholesky.js';
import { Matrix } from '../linalg/matrix.js';
import { Workspace } from '../linalg/workspace.js';
import { checkKernelStatus } from '../linalg/call.js';
import { native } from '../linalg/native.js';
import { checkData } from '../model/data.js';
import type { NeuronFeatures, TwoLayerNetwork } from '../model/network.js';
import { curvature, type Curvature } from './curvature.js';
import { jacobianGram, jacobianTimes, jacobianTransposeTimes } from './jacobian.js';
import { kernelPathBytes, requireMemory } from './memory.js';

export type Hessian = 'full' | 'gauss-newton';
export type NewtonPath = 'dense' | 'kernel';

/** The dense path refuses beyond this: H + λI alone takes 8·P² bytes. */
export const DENSE_LIMIT_BYTES = 2 * 2 ** 30;

export interface NewtonDirection {
  /** δ = (H + λI)⁻¹·g, flat neuron-major (docs/math.md §1). */
  direction: Float64Array;
  lambda: number;
  path: NewtonPath;
  /** gᵀδ. */
  gradientDot: number;
  /** |δ|². */
  normSquared: number;
}

/**
 * The Newton system at one θ: residual, loss, and (computed once, on demand)
 * the gradient, the blocks of S and J·Jᵀ, from which directions for any λ follow.
 */
export class NewtonSystem {
  readonly net: TwoLayerNetwork;
  readonly xt: Matrix;
  /** r = f(X) − y. */
  readonly residual: Float64Array;
  /** L = |r|²/(2M). */
  readonly loss: number;
  /** Scratch arrays for the passes over the neurons; systems that run one after another may share one. */
  readonly workspace: Workspace;
  private cachedCurvature: Curvature | null = null;
  private cachedGram: Matrix | null = null;

  /**
   * `gram`: whether this system's directions will need J·Jᵀ (Gauss–Newton on
   * the kernel path): the pass that evaluates f then also forms its scaled σ′
   * (TwoLayerNetwork.predictAt). Default false: the Gram forms it when asked.
   * `agreeResidual` may replace r in place before L is formed from it (a
   * distributed run makes it the same on every rank).
   */
  constructor(net: TwoLayerNetwork, X: Matrix, y: Float64Array, workspace = new Workspace(), gram = false, agreeResidual?: (residual: Float64Array) => void) {
    checkData('newton', X, y, net.config.dim, 'X', net.outputs);
    this.net = net;
    this.workspace = workspace;
    this.xt = net.augment(X);
    const f = net.predictAt(this.xt, workspace, { scaledSlope: gram });
    this.residual = f.map((v, j) => v - y[j]!);
    agreeResidual?.(this.residual);
    this.loss = dot(this.residual, this.residual) / (2 * X.rows);
  }

  get m(): number {
    return this.xt.rows;
  }

  /** S's blocks and their smallest eigenvalues (full Hessian only). */
  get curvature(): Curvature {
    this.cachedCurvature ??= curvature(this.net, this.xt, this.residual, this.workspace);
    return this.cachedCurvature;
  }

  /** J·Jᵀ ((M·C)×(M·C), computed once): the Gauss–Newton kernel path's Q is this over λ. */
  get gram(): Matrix {
    this.cachedGram ??= jacobianGram(this.net, this.xt, this.workspace);
    return this.cachedGram;
  }

  /**
   * (H + λI)·u, H = JᵀJ/M + S (full) or JᵀJ/M (Gauss–Newton), for u ∈ R^P
   * neuron-major: two passes over the neurons (J·u, then Jᵀ) and the blocks of S.
   */
  hessianTimes(u: Float64Array, hessian: Hessian, lambda = 0): Float64Array {
    const ju = jacobianTimes(this.net, this.xt, u, this.workspace);
    const out = jacobianTransposeTimes(this.net, this.xt, ju, this.workspace);
    const m = this.m;
    for (let p = 0; p < out.length; p++) out[p] = out[p]! / m + lambda * u[p]!;
    if (hessian === 'full') {
      const { blocks, q } = this.curvature;
      for (let i = 0; i < this.net.width; i++) {
        for (let a = 0; a < q; a++) {
          let v = 0;
          for (let b = 0; b < q; b++) v += blocks[i * q * q + a * q + b]! * u[i * q + b]!;
          out[i * q + a] = out[i * q + a]! + v;
        }
      }
    }
    return out;
  }

  /** g = Jᵀr/M (P, neuron-major). */
  gradient(): Float64Array {
    const g = jacobianTransposeTimes(this.net, this.xt, this.residual, this.workspace);
    for (let p = 0; p < g.length; p++) g[p] = g[p]! / this.m;
    return g;
  }

  /** minᵢ λ_min(Sᵢ + λI) > 0 certifies that the kernel path can factor A (always λ for Gauss–Newton). */
  certificate(lambda: number, hessian: Hessian): number {
    return hessian === 'gauss-newton' ? lambda : this.curvature.minEigenvalue + lambda;
  }

  /** δ for this λ by the chosen path. */
  direction(lambda: number, hessian: Hessian, path: NewtonPath): NewtonDirection {
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`newton: λ must be a finite number > 0, got ${lambda}`);
    return path === 'dense' ? this.denseDirection(lambda, hessian) : this.kernelDirection(lambda, hessian);
  }

  /**
   * The (M·C)×(M·C) matrices of the kernel path for this λ (docs/math.md §8):
   * Q = J·A⁻¹·Jᵀ (full, symmetric) and the Cholesky factor of M·I + Q (lower), with the factors
   * of A's blocks (null for Gauss–Newton, where A = λI), which live in the
   * system's workspace until the next kernelSystem on it.
   */
  kernelSystem(lambda: number, hessian: Hessian): { Q: Matrix; factor: Matrix; blockFactors: BlockFactors | null } {
    const m = this.m;
    const { width, blockSize, outputs } = this.net;
    // Q is formed whole, (M·C)×(M·C): its output blocks are coupled through c_ik c_ik' (docs/math.md §8).
    const rows = m * outputs;
    requireMemory(`the kernel path at M = ${m}${outputs === 1 ? '' : `, C = ${outputs}`}, N = ${width}`, kernelPathBytes(rows, width, blockSize));
    let Q: Matrix;
    let blockFactors: BlockFactors | null = null;
    if (hessian === 'gauss-newton') {
      const gram = this.gram.data;
      Q = new Matrix(rows, rows);
      for (let i = 0; i < gram.length; i++) Q.data[i] = gram[i]! / lambda;
    } else {
      blockFactors = factorBlocks(this.net, this.curvature, lambda, this.workspace);
      Q = new Matrix(rows, rows);
      for (const [from, to] of this.net.featureChunks(m, this.workspace)) {
        const features = this.net.features(this.xt, from, to, { value: true, slope: true }, this.workspace);
        for (const neurons of whitenedBlocks(rows, blockSize, from, to)) {
          syrk(whitenedJacobianOf(this.net, this.xt, features, neurons, blockFactors, this.workspace), { out: Q, beta: 1 });
        }
      }
      fillUpper(Q);
    }
    const factor = Q.clone();
    // M·I: M counts the points (the loss's 1/(2M)), not the M·C rows.
    for (let j = 0; j < rows; j++) factor.data[j * rows + j] = factor.data[j * rows + j]! + m;
    potrf(factor);
    return { Q, factor, blockFactors };
  }

  private kernelDirection(lambda: number, hessian: Hessian): NewtonDirection {
    const { Q, factor, blockFactors } = this.kernelSystem(lambda, hessian);
    const m = this.m;
    const rows = this.residual.length;
    const v = potrs(factor, new Matrix(1, rows, this.residual.slice())).data;
    const direction = jacobianTransposeTimes(this.net, this.xt, v, this.workspace);
    if (blockFactors === null) {
      for (let p = 0; p < direction.length; p++) direction[p] = direction[p]! / lambda;
    } else {
      checkKernelStatus('blocksolve', native.blocksolve(this.net.blockSize, this.net.width, blockFactors.factors, direction), 'nothing (it allocates none)');
    }
    // J·δ = Q·v, so gᵀδ = rᵀ·Q·v/M without another pass over the neurons.
    const qv = gemm(Q, new Matrix(rows, 1, v)).data;
    return { direction, lambda, path: 'kernel', gradientDot: dot(this.residual, qv) / m, normSquared: dot(direction, direction) };
  }

  private denseDirection(lambda: number, hessian: Hessian): NewtonDirection {
    const { net, xt } = this;
    const m = this.m;
    const p = net.parameterCount;
    const bytes = 8 * (p * p + this.residual.length * p);
    if (bytes > DENSE_LIMIT_BYTES) {
      throw new MemoryLimitError(`the dense Newton path at P = ${p}`, bytes, DENSE_LIMIT_BYTES, "use path 'kernel'");
    }
    const J = net.jacobianBlock(xt, net.features(xt, 0, net.width, { value: true, slope: true }));
    const system = syrk(J, { trans: true, alpha: 1 / m });
    const q = net.blockSize;
    if (hessian === 'full') {
      const { blocks } = this.curvature;
      for (let i = 0; i < net.width; i++) {
        for (let a = 0; a < q; a++) {
          for (let b = 0; b <= a; b++) {
            const at = (i * q + a) * p + i * q + b;
            system.data[at] = system.data[at]! + blocks[i * q * q + a * q + b]!;
          }
        }
      }
    }
    for (let i = 0; i < p; i++) system.data[i * p + i] = system.data[i * p + i]! + lambda;
    try {
      potrf(system);
    } catch (error) {
      if (error instanceof NotPositiveDefiniteError) {
        throw new NotPositiveDefiniteError('newton (dense)', error.minor, `H + λI with λ = ${lambda}`);
      }
      throw error;
    }
    const gradient = gemm(new Matrix(1, this.residual.length, this.residual), J, { alpha: 1 / m }).data;
    const direction = potrs(system, new Matrix(1, p, gradient.slice())).data;
    return { direction, lambda, path: 'dense', gradientDot: dot(gradient, direction), normSquared: dot(direction, direction) };
  }
}

/**
 * From this block size on, the whitened Jacobian is one gemm with the panel of
 * the Tᵢ = Lᵢ⁻ᵀ (TwoLayerNetwork.whitenedJacobianBlock); below it, the fused
 * native kernel solves each row segment in registers (unrolled up to q = 10).
 */
export const PANEL_FROM_BLOCK_SIZE = 11;

/** The factors of A = S + λI, block by block. */
export interface BlockFactors {
  /** Lᵢ with Aᵢ = Lᵢ·Lᵢᵀ: N lower-triangular q×q blocks, row-major, block i at offset i·q². */
  factors: Float64Array;
  /** For q ≥ PANEL_FROM_BLOCK_SIZE, the Tᵢ = Lᵢ⁻ᵀ side by side: q × N·q row-major; otherwise null. */
  panel: Float64Array | null;
}

/**
 * The Cholesky factors Lᵢ of Aᵢ = Sᵢ + λI, block after block (natively,
 * native/whitening.cc), in arrays of `workspace`: valid until the next
 * factorBlocks on it (fresh arrays of N·q² numbers, their pages faulting in,
 * took as long as the factorization at q = 66). A block that is not positive
 * definite stops with the neuron and the certificate.
 */
export function factorBlocks(net: TwoLayerNetwork, c: Curvature, lambda: number, workspace = new Workspace()): BlockFactors {
  const q = net.blockSize;
  const factors = workspace.array('blockFactors', c.blocks.length);
  const panel = q >= PANEL_FROM_BLOCK_SIZE ? workspace.array('whiteningPanel', c.blocks.length) : null;
  const status = native.blockfactors(q, net.width, lambda, c.blocks, factors, panel);
  if (!(status >= 0)) checkKernelStatus('blockfactors', status, `the scratch of ${q}×${q} block factors`);
  if (status !== 0) {
    const i = Math.floor((status - 1) / q);
    const minor = status - i * q;
    throw new NotPositiveDefiniteError(
      'newton (kernel)',
      minor,
      `A = S + λI (λ = ${lambda}) at neuron ${i}, where λ_min(Sᵢ) = ${c.smallest[i]} (certificate min λ_min(S + λI) = ${c.minEigenvalue + lambda})`,
    );
  }
  return { factors, panel };
}

/** Z = J·L_A⁻ᵀ for neurons [from, to): each row segment of a block solved with Lᵢ. */
export function whitenedJacobian(
  net: TwoLayerNetwork,
  xt: Matrix,
  from: number,
  to: number,
  blocks: BlockFactors,
  workspace = new Workspace(),
): Matrix {
  const features = net.features(xt, from, to, { value: true, slope: true }, workspace);
  return whitenedJacobianOf(net, xt, features, [from, to], blocks, workspace);
}

/** Z = J·L_A⁻ᵀ for `neurons`, a range within `features`. */
function whitenedJacobianOf(
  net: TwoLayerNetwork,
  xt: Matrix,
  features: NeuronFeatures,
  neurons: readonly [number, number],
  blocks: BlockFactors,
  workspace: Workspace,
): Matrix {
  const q = net.blockSize;
  const [from, to] = neurons;
  // The panel's gemm is the single-output kernel's; C > 1 solves each row segment (lib/model/multi-output.ts).
  if (blocks.panel !== null && net.outputs === 1) return net.whitenedJacobianBlock(xt, features, blocks.panel, workspace, neurons);
  return net.jacobianBlock(xt, features, workspace, blocks.factors.subarray(from * q * q, to * q * q), neurons);
}

/** Z of a block of neurons stays near this many bytes (whitenedBlocks). */
export const WHITENED_BLOCK_BYTES = 4 * 2 ** 20;

/**
 * From this many columns on, a dsyrk into Q runs at its rate on this shape:
 * fewer, and each call would mostly read and write the M×M triangle.
 */
const WHITENED_BLOCK_MIN_COLUMNS = 512;

/**
 * Neuron ranges covering [from, to) whose whitened Jacobians (M × range·q)
 * stay near WHITENED_BLOCK_BYTES, in cache from the pass that writes them to
 * the dsyrk that reads them; one Z of a whole 64 MiB feature chunk went to
 * memory and back, and the dsyrk read its rows N·q apart (at M = 512,
 * q = 66 the step took 1.15× as long).
 */
export function* whitenedBlocks(m: number, q: number, from: number, to: number): Generator<[number, number]> {
  const size = Math.max(Math.ceil(WHITENED_BLOCK_MIN_COLUMNS / q), Math.floor(WHITENED_BLOCK_BYTES / (8 * m * q)));
  for (let a = from; a < to; a += size) yield [a, Math.min(to, a + size)];
}

/** Copies the lower triangle of a square matrix onto its upper triangle. */
export function fillUpper(a: Matrix): void {
  const n = a.rows;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[j * n + i] = a.data[i * n + j]!;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
