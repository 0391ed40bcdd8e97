/**
 * Kernel regression by a frozen kernel (docs/math.md §9): what the linearised
 * model predicts at test points after training for a time t, after s discrete
 * steps, or in the limit t → ∞. With 𝒦 the M×M kernel of the training set,
 * 𝒦* = 𝒦(X*, X) its cross-kernel and r₀ = f₀(X) − y,
 *
 *     f(X*) = f₀(X*) − 𝒦*·w,   w = φ(𝒦 + ρI)·r₀,
 *     φ(μ) = (1 − e^(−tμ))/μ          (flow for a time t)
 *     φ(μ) = (1 − (1 − aμ)^s)/μ       (s steps of size a)
 *     φ(μ) = 1/μ                       (t → ∞)
 *
 * which for 𝒦 = 𝒦_GD is neural-tangents' predict.gradient_descent_mse and for
 * 𝒦 = 𝒦_N the Newton flow (docs/math.md §9). One eigen-decomposition (spectrum's
 * dsyevd) serves every finite t and s; t → ∞ uses one Cholesky factorisation.
 */
import { NotPositiveDefiniteError } from '../errors.js';
import { gemm } from '../linalg/blas.js';
import { choFactor, choSolve, type ChoFactor } from '../linalg/decompositions.js';
import type { Eigen } from '../linalg/eigen.js';
import { checkMatrix, Matrix, type MatrixLike } from '../linalg/matrix.js';
import { checkFiniteArray } from '../model/data.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { spectrum } from './spectrum.js';

/**
 * When to predict: after the flow dθ/dt = −(preconditioned) gradient has run
 * for a time `time` (Infinity: its limit), or after `steps` discrete steps of
 * size `stepSize` (η for gradient descent, α for Newton).
 */
export type PredictionTime = { time: number } | { steps: number; stepSize: number };

export interface KernelPredictorOptions {
  /** ρ ≥ 0 added to the diagonal of the training kernel (kernel ridge regression at t → ∞). Default 0. */
  ridge?: number;
}

const PREDICTOR_OPTIONS = keysOf<KernelPredictorOptions>({ ridge: true });

/**
 * The linearised predictor of a frozen kernel (docs/math.md §9). Targets of one
 * output are a Float64Array (M), of C outputs an M×C Matrix; predictions come
 * back in the same form. With C outputs the kernel is either
 * - the M×M output-traced kernel: each column is regressed on it (as in
 *   neural-tangents), or
 * - the full (M·C)×(M·C) kernel (docs/math.md §8), sample-major: the M×C
 *   residual is its vector of M·C entries (row-major data, index j·C + k), and
 *   the cross-kernels are (M*·C)×(M·C).
 * Which one is told by the kernel's order: M (the residual's rows) or M·C.
 *
 * @example
 * const K = kernel(net, X).kernel, Ks = kernel(net, Xtest, X).kernel;
 * const r0 = net.predict(X).map((f, j) => f - y[j]!);
 * const predictor = new KernelPredictor(K, r0);
 * const fInf = predictor.predict(Ks, { time: Infinity }, net.predict(Xtest));
 * const f100 = predictor.predict(Ks, { steps: 100, stepSize: eta }, net.predict(Xtest));
 */
export class KernelPredictor {
  /** M, the number of training points. */
  readonly m: number;
  /** C, the number of outputs (the residual's columns). */
  readonly outputs: number;
  /** Whether the kernel is the full (M·C)×(M·C) one (C > 1), not the M×M traced one. */
  readonly full: boolean;
  /** ρ. */
  readonly ridge: number;
  private readonly kernel: Matrix;
  /** The residual as the kernel sees it: M×C column by column, or the full kernel's M·C×1. */
  private readonly residual: Matrix;
  private readonly vector: boolean;
  private decomposition: Eigen | null = null;
  private factor: ChoFactor | null = null;

  /**
   * @param kernel the symmetric training kernel 𝒦 (not modified; copied): M×M, or (M·C)×(M·C) sample-major.
   * @param residual r₀ = f₀(X) − y: M entries, or an M×C matrix.
   */
  constructor(kernel: MatrixLike, residual: Float64Array | MatrixLike, options: KernelPredictorOptions = {}) {
    const where = 'KernelPredictor';
    checkOptionKeys(where, options, PREDICTOR_OPTIONS);
    checkMatrix(where, 'kernel', kernel);
    if (kernel.rows !== kernel.cols || kernel.rows < 1) throw new RangeError(`${where}: kernel must be square with at least one row, got ${kernel.rows}×${kernel.cols}`);
    checkFiniteArray(where, 'kernel', kernel.data, kernel.cols);
    const n = kernel.rows;
    this.vector = residual instanceof Float64Array;
    const r = asColumns(where, 'residual', residual);
    this.full = r.cols > 1 && r.rows * r.cols === n;
    if (r.rows !== n && !this.full) {
      const full = r.cols > 1 ? `, or ${n} entries (${n / r.cols} rows) as the full kernel of ${r.cols} outputs` : '';
      throw new RangeError(`${where}: residual has ${r.rows} rows, the kernel ${n} training points${full}`);
    }
    const ridge = options.ridge ?? 0;
    if (typeof ridge !== 'number' || !(ridge >= 0) || !Number.isFinite(ridge)) throw new RangeError(`${where}: ridge must be a finite number ≥ 0, got ${ridge}`);
    this.m = r.rows;
    this.outputs = r.cols;
    this.ridge = ridge;
    this.kernel = new Matrix(n, n, kernel.data.slice());
    for (let j = 0; j < n; j++) this.kernel.data[j * n + j] = this.kernel.data[j * n + j]! + ridge;
    this.residual = this.full ? new Matrix(n, 1, r.data) : r;
  }

  /**
   * The dual coefficients w = φ(𝒦 + ρI)·r₀ (M, or M×C) of `when`: the
   * prediction at any points X* is f₀(X*) − 𝒦(X*, X)·w. t → ∞ needs 𝒦 + ρI
   * positive definite (a NotPositiveDefiniteError otherwise: give a ridge).
   */
  coefficients(when: PredictionTime): Float64Array | Matrix {
    const w = this.dual(when);
    if (this.vector) return w.data;
    return this.full ? new Matrix(this.m, this.outputs, w.data) : w;
  }

  /**
   * f(X*) = f₀(X*) − cross·w at the points of `cross` = 𝒦(X*, X) (M*×M, the
   * training points as columns, as kernel(net, Xtest, X) returns it; with
   * the full kernel (M*·C)×(M·C)), with `initial` = f₀(X*) (M*, or M*×C;
   * zeros when absent, the infinite-width mean). At the training points
   * (cross = 𝒦) this is the linearised training dynamics itself: f₀(X) − 𝒦·w.
   */
  predict(cross: MatrixLike, when: PredictionTime, initial?: Float64Array | MatrixLike): Float64Array | Matrix {
    const where = 'KernelPredictor.predict';
    checkMatrix(where, 'cross', cross);
    const c = this.outputs;
    const columns = this.kernel.rows;
    if (cross.cols !== columns || (this.full && cross.rows % c !== 0)) {
      const expected = this.full ? `the ${this.m}·${c} training points and outputs as columns (and M*·${c} rows)` : `the ${this.m} training points as columns`;
      throw new RangeError(`${where}: cross must have ${expected}, got ${cross.rows}×${cross.cols}`);
    }
    checkFiniteArray(where, 'cross', cross.data, cross.cols);
    const points = this.full ? cross.rows / c : cross.rows;
    let out: Matrix;
    if (initial === undefined) {
      out = new Matrix(points, c);
    } else {
      const f0 = asColumns(where, 'initial', initial);
      if (f0.rows !== points || f0.cols !== c) throw new RangeError(`${where}: initial must be ${points}×${c} (f₀ at the points of cross), got ${f0.rows}×${f0.cols}`);
      out = new Matrix(f0.rows, c, f0.data.slice());
    }
    // The full kernel acts on the sample-major vector: the row-major data of the M*×C result.
    gemm(cross, this.dual(when), { alpha: -1, beta: 1, out: this.full ? new Matrix(cross.rows, 1, out.data) : out });
    return this.vector ? out.data : out;
  }

  private dual(when: PredictionTime): Matrix {
    const phi = schedule('KernelPredictor', when);
    if (phi === null) return this.limit();
    // φ_{s,a} ≡ s·a for s ≤ 1: one step is w = a·r₀ exactly (f₁(X*) = f₀(X*) − a·𝒦*·r₀), with no decomposition.
    if ('steps' in when && when.steps <= 1) return new Matrix(this.residual.rows, this.residual.cols, this.residual.data.map((v) => v * when.steps * when.stepSize));
    const { values, vectors: v } = this.eigen();
    // w = Vᵀ·diag(φ(μ))·V·r₀, the eigenvectors the rows of V.
    const coordinates = gemm(v!, this.residual);
    const c = coordinates.cols;
    for (let k = 0; k < values.length; k++) {
      const f = phi(values[k]!);
      for (let j = 0; j < c; j++) coordinates.data[k * c + j] = coordinates.data[k * c + j]! * f;
    }
    return gemm(v!, coordinates, { transA: true });
  }

  private limit(): Matrix {
    if (this.factor === null) {
      try {
        this.factor = choFactor(this.kernel);
      } catch (error) {
        if (!(error instanceof NotPositiveDefiniteError)) throw error;
        const kernel = this.ridge > 0 ? `𝒦 + ρI (ρ = ${this.ridge})` : '𝒦';
        throw new NotPositiveDefiniteError('KernelPredictor (t = Infinity)', error.minor, `${kernel}, whose inverse the limit t → ∞ needs,`);
      }
    }
    return choSolve(this.factor, this.residual);
  }

  /** All pairs by dsyevd (dsyevr should it not converge), as spectrum() computes them. */
  private eigen(): Eigen {
    this.decomposition ??= spectrum(this.kernel);
    return this.decomposition;
  }
}

/**
 * φ of docs/math.md §9 for `when`, null for t → ∞. Each form is evaluated
 * without cancellation: −expm1(−tμ)/μ, −expm1(s·log1p(−aμ))/μ, their limits
 * t and s·a at μ = 0.
 */
function schedule(where: string, when: PredictionTime): ((mu: number) => number) | null {
  if (typeof when !== 'object' || when === null) throw new TypeError(`${where}: the prediction time must be { time } or { steps, stepSize }`);
  if ('time' in when) {
    checkOptionKeys(`${where}: time`, when, ['time']);
    const t = when.time;
    if (typeof t !== 'number' || !(t >= 0)) throw new RangeError(`${where}: time must be a number ≥ 0 (Infinity for the limit), got ${t}`);
    if (t === Infinity) return null;
    return (mu) => (mu === 0 ? t : -Math.expm1(-t * mu) / mu);
  }
  checkOptionKeys(`${where}: steps`, when, ['steps', 'stepSize']);
  const { steps: s, stepSize: a } = when as { steps: number; stepSize: number };
  if (!Number.isSafeInteger(s) || s < 0) throw new RangeError(`${where}: steps must be an integer ≥ 0, got ${s}`);
  if (typeof a !== 'number' || !(a > 0) || !Number.isFinite(a)) throw new RangeError(`${where}: stepSize must be a finite number > 0, got ${a}`);
  return (mu) => {
    if (mu === 0) return s * a;
    const g = 1 - a * mu;
    // 1 − g^s: by expm1/log1p while g > 0 (no cancellation for small aμ), directly when the factor changes sign.
    return (g > 0 ? -Math.expm1(s * Math.log1p(-a * mu)) : 1 - g ** s) / mu;
  };
}

/** A Float64Array of M entries as an M×1 matrix (a view), a matrix as itself. */
function asColumns(where: string, name: string, value: Float64Array | MatrixLike): Matrix {
  if (value instanceof Float64Array) {
    checkFiniteArray(where, name, value, 1);
    return new Matrix(value.length, 1, value);
  }
  checkMatrix(where, name, value);
  checkFiniteArray(where, name, value.data, value.cols);
  return new Matrix(value.rows, value.cols, value.data);
}
