/**
 * The infinite-width kernels of docs/math.md §5 (β = 1/2, at initialisation):
 *
 *   K∞(x, x′) = E[σ(u)σ(u′)] + E[c²]·E[σ′(u)σ′(u′)]·x̃·x̃′,   E[c²] = 1,
 *   (u, u′) ~ N(0, Σ),  Σ = [[|v|², v·v′], [v·v′, |v′|²]],  v = [σ_w x; σ_b] (σ_w x without bias),
 *
 * so that 𝒦_GD → K∞/M, and the limit Newton kernel (K∞/M)(λI + K∞/M)⁻¹.
 *
 * Σ is the Gram matrix of v and v′. Everything is computed from a = |v|,
 * b = |v′| and the angle θ between them, taken from Kahan's formula
 * θ = 2·atan2(|v̂ − v̂′|, |v̂ + v̂′|) (v̂ = v/|v|), which is accurate for all θ:
 * no arccos of a round-off-polluted cosine, no clamping, θ = 0 exactly for
 * x = x′. With p = |v̂ − v̂′|, q = |v̂ + v̂′|, r = p² + q² (= 4 up to round-off):
 *   sin θ = 2pq/r,  cos θ = (q² − p²)/r,  π − θ = 2·atan2(q, p),
 *   |v − v′|² = (a − b)² + 4ab·p²/r,  |v + v′|² = (a − b)² + 4ab·q²/r,
 * all free of cancellation. A zero v (x = 0 without bias, or σ_w = σ_b = 0)
 * gives u = 0 almost surely; θ is then taken as π/2 (cos θ = 0), which the
 * formulas below are continuous in, except relu's, which is special-cased.
 *
 * Closed forms (derived from the Gaussian integrals, checked against
 * adaptive quadrature and Monte Carlo):
 *   relu:  E[σ(u)σ(u′)]   = ab·(sin θ + (π − θ) cos θ)/(2π)   (arc-cosine kernel of degree 1)
 *          E[σ′(u)σ′(u′)] = (π − θ)/(2π)                       (degree 0; 0 when a or b is 0: σ′(0) = 0)
 *   erf:   E[σ(u)σ(u′)]   = (2/π)·atan2(2Σ₁₂, √D)  (= (2/π) arcsin(2Σ₁₂/√((1+2Σ₁₁)(1+2Σ₂₂))))
 *          E[σ′(u)σ′(u′)] = (4/π)/√D,  D = det(I + 2Σ) = 1 + 2(a² + b²) + 4a²b² sin²θ
 *   sin:   E[sin u sin u′] = e^(−(Σ₁₁+Σ₂₂)/2) sinh Σ₁₂ = (e^(−|v−v′|²/2) − e^(−|v+v′|²/2))/2
 *          E[cos u cos u′] = e^(−(Σ₁₁+Σ₂₂)/2) cosh Σ₁₂ = (e^(−|v−v′|²/2) + e^(−|v+v′|²/2))/2
 *          (the sinh form for |Σ₁₂| < 1/2, where the difference would cancel;
 *          the exponentials otherwise, where sinh could overflow)
 *
 * Any other activation (and any, with method 'quadrature'): by default the
 * adaptive Hermite-series rule of lib/method/hermite-series.ts, to
 * `tolerance` relative to max|K∞| with an error estimate
 * (the result's errorEstimate); relu (not smooth) and an explicit
 * `quadratureNodes` use the fixed rule below.
 *
 * The fixed rule: the tensor-product Gauss–Hermite rule on z ~ N(0, I₂) with
 * u = a·z₁, u′ = b·(cos θ·z₁ + sin θ·z₂) — that is u = L·z with L the
 * Cholesky factor [[a, 0], [b cos θ, b sin θ]] of Σ, which stays defined in
 * the rank-one case (sin θ = 0: x ∥ x′) and for a = 0. Node pairs whose
 * weight product is below 1e-24 are skipped (their total weight is < 1e-21
 * for n ≤ 1024). The rule's nodes and weights come from the Golub–Welsch
 * eigenvalue problem (dsyevd of the Jacobi matrix), each node polished by
 * Newton's method on the orthonormal Hermite recurrence, weights from the
 * derivative formula. Measured accuracy: see DEFAULT_QUADRATURE_NODES.
 */
import { NonFiniteError, QuadratureError } from '../errors.js';
import { coefficients, conditional, type Coefficients } from './hermite-series.js';
import { syevd } from '../linalg/eigen.js';
import { checkMatrix, Matrix } from '../linalg/matrix.js';
import { ACTIVATIONS, evaluate, type Activation } from '../model/activations.js';
import { checkFiniteArray } from '../model/data.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { splitKernelArguments, type KernelResult } from './kernel-result.js';
import { limitNewtonKernel } from './limit-newton.js';
import { checkOutputKernel, withIdentityOutputs, type OutputKernel } from './output-blocks.js';

/** The activations with closed-form limit kernels. */
export const CLOSED_FORM_ACTIVATIONS: readonly Activation[] = ['relu', 'erf', 'sin'];

/**
 * Gauss–Hermite nodes per axis of the fixed rule (relu with method
 * 'quadrature', or an explicit quadratureNodes): 512. The rule must resolve σ(a·z),
 * whose features have width ≈ 1/a in z (a² = σ_w²|x|² + σ_b²), with node
 * spacing ≈ π/√(2n) near 0: the n needed for a given accuracy grows like a².
 * Measured (max error relative to the kernel's largest entry, σ_w = σ_b = 1,
 * with bias; erf and sin against their closed forms, the others n vs 2n):
 *   |x| = 3 (a² = 10):  erf   n = 256: 5e-6, 384: 1e-8, 448: 5e-10, 512: 2e-11, 640: 4e-14
 *                       sin   n ≥ 48: ≤ 1e-14 (entire, slowly growing: fast)
 *                       tanh  512 vs 1024: 6e-7 (poles at z = ±iπ/(2a), 0.5 from the real axis)
 *                       sigmoid, softplus 512 vs 1024: ≤ 2e-14
 *   |x| = 1 (a² = 2):   erf n = 128: 4e-13; tanh 256 vs 512: 7e-12, 512 vs 1024: 1e-14
 * so 512 gives ≤ 1e-10 for erf and sin on inputs with |x| ≤ 3, as the
 * tests check. The rule keeps ≈ 31·n of the n² node pairs (weight
 * product ≥ 1e-24; the rest carry < 1e-21 of the mass): ≈ 16 000
 * evaluations of σ and σ′ per kernel entry at n = 512 (M = 256: ≈ 4 s).
 * relu is not smooth (σ has a kink, σ′ a jump): its quadrature error decays
 * only like n^(−1/2) (≈ 5e-3 at n = 512), so relu always uses its closed form
 * unless quadrature is forced.
 */
export const DEFAULT_QUADRATURE_NODES = 512;

/** The largest number of Gauss–Hermite nodes per axis accepted (at 1024 the outer weights are already below 1e-300). */
export const MAX_QUADRATURE_NODES = 1024;

/** The adaptive rule's default relative tolerance (see {@link LimitKernelOptions.tolerance}). */
export const DEFAULT_TOLERANCE = 1e-10;

export type LimitKind = 'ntk' | 'nntk';
export type LimitMethod = 'auto' | 'closed-form' | 'quadrature';

export interface LimitKernelOptions {
  activation: Activation;
  /** Standard deviation of the inner weights at initialisation. Default 1. */
  sigmaW?: number;
  /** Standard deviation of the biases. Default 1. */
  sigmaB?: number;
  /** Default true. */
  bias?: boolean;
  /** 'ntk' (default): K∞/M; 'nntk': (K∞/M)(λI + K∞/M)⁻¹. */
  kind?: LimitKind;
  /** λ > 0, required for 'nntk' (and refused for 'ntk'). */
  lambda?: number;
  /**
   * Gauss–Hermite nodes per axis, 1 … 1024: selects the fixed tensor-product
   * rule instead of the adaptive one. Default: unset (the adaptive rule),
   * except for relu with method 'quadrature', which always uses the fixed
   * rule with {@link DEFAULT_QUADRATURE_NODES}.
   */
  quadratureNodes?: number;
  /**
   * The adaptive rule's target: the estimated absolute error of every entry
   * of K∞ at most `tolerance`·max|K∞| (max|K∞| = the largest K∞(x, x) of the
   * points involved, which is max|K∞| for the square kernel). A
   * {@link QuadratureError} when it cannot be met. In [1e-14, 1). Default 1e-10.
   */
  tolerance?: number;
  /**
   * 'auto' (default): the closed form for relu, erf and sin, quadrature
   * otherwise. 'closed-form' refuses other activations; 'quadrature' uses the
   * rule for every activation (for cross-checking; slow to converge for relu).
   */
  method?: LimitMethod;
  /**
   * For a network of `outputCount` = C outputs (docs/math.md §8): 'trace'
   * (default), the mean of the C diagonal output blocks, which in the limit is
   * the one-output kernel for every C; 'full', the (M·C)×(M·C) sample-major
   * kernel, the one-output kernel ⊗ I_C (the off-diagonal output blocks
   * vanish in the limit).
   */
  outputs?: OutputKernel;
  /** C, the number of outputs (an integer ≥ 1). Default 1. */
  outputCount?: number;
}

const LIMIT_KERNEL_OPTIONS = keysOf<LimitKernelOptions>({
  activation: true,
  sigmaW: true,
  sigmaB: true,
  bias: true,
  kind: true,
  lambda: true,
  quadratureNodes: true,
  tolerance: true,
  method: true,
  outputs: true,
  outputCount: true,
});

export interface GaussHermiteRule {
  /** Ascending nodes, symmetric about 0. */
  nodes: Float64Array;
  /** Positive weights summing to 1: Σ wᵢ f(zᵢ) ≈ E[f(z)], z ~ N(0, 1). */
  weights: Float64Array;
}

/**
 * The n-point Gauss–Hermite rule for the standard normal (probabilists'
 * Hermite polynomials): exact for polynomials of degree ≤ 2n − 1.
 */
export function gaussHermite(n: number): GaussHermiteRule {
  checkNodes('gaussHermite', n);
  const rule = hermiteRule(n);
  return { nodes: rule.nodes.slice(), weights: rule.weights.slice() };
}

/**
 * The limit kernel of docs/math.md §5 with the convention of `kernel()`:
 * X1.rows × X2.rows (X1.rows × X1.rows without X2), row i for the point
 * X1[i]; the training set is X2 when given, else X1, and K∞ is divided by
 * its number of rows M. 'ntk': K∞(X1, X2)/M; 'nntk':
 * (K∞(X1, X2)/M)(λI + K∞(X2, X2)/M)⁻¹, computed by {@link limitNewtonKernel}
 * from the limit NTKs, bitwise as that function returns it. Square results
 * are exactly symmetric. For C = `outputCount` outputs, `outputs: 'full'`
 * returns that kernel ⊗ I_C ((X1.rows·C)×(X2.rows·C), sample-major, docs/math.md §8:
 * the limit's off-diagonal output blocks are 0, each diagonal block the
 * one-output kernel); the default 'trace', their mean, is the one-output
 * kernel itself.
 *
 * errorEstimate: the estimated largest error of an entry of K∞, relative to
 * max|K∞| (the largest K∞(x, x) of the points involved). The adaptive rule's
 * own estimate (≤ tolerance, else a {@link QuadratureError}); for the closed
 * forms a rounding-level bound, (k + 32)·ε with k = d + 1 entries of [σ_w x; σ_b]
 * (d without bias): the dot products' γ_k and the few dozen correctly rounded
 * operations of the formulas; NaN for the fixed Gauss–Hermite rule, which has
 * no estimate. For 'nntk' that of K∞ before the solve.
 *
 * @example
 * const { kernel: K } = limitKernel(X, { activation: 'relu' });                           // K∞(X, X)/M, M × M
 * const { kernel: Kx } = limitKernel(Xtest, X, { activation: 'tanh' });                   // K∞(Xtest, X)/M, M2 × M
 * const N = limitKernel(X, { activation: 'erf', kind: 'nntk', lambda: 1e-3 });            // (K∞/M)(λI + K∞/M)⁻¹
 * const F = limitKernel(X, { activation: 'relu', outputs: 'full', outputCount: 3 });      // K∞/M ⊗ I₃, 3M × 3M
 */
export function limitKernel(X1: Matrix, X2?: Matrix, options?: LimitKernelOptions): KernelResult;
export function limitKernel(X1: Matrix, options: LimitKernelOptions): KernelResult;
export function limitKernel(X1: Matrix, second?: Matrix | LimitKernelOptions, third?: LimitKernelOptions): KernelResult {
  const { X2, options } = splitKernelArguments<LimitKernelOptions>('limitKernel', second, third);
  const o = checkLimitOptions(X1, X2, options);
  const result = oneOutputLimit(X1, X2, o);
  // Exactly, not to round-off: (K ⊗ I)(λI + K ⊗ I)⁻¹ = K(λI + K)⁻¹ ⊗ I, so the Newton kernel is expanded after the solve.
  if (o.outputs === 'full') result.kernel = withIdentityOutputs(result.kernel, o.outputCount);
  return result;
}

function oneOutputLimit(X1: Matrix, X2: Matrix | undefined, o: Checked): KernelResult {
  if (o.kind === 'nntk') {
    // The NTKs as limitKernel(X2) and limitKernel(X1, X2) compute them, each with its own error target.
    const ntkOptions: Checked = { ...o, kind: 'ntk', lambda: undefined };
    const ntk = limitNtk(X2 ?? X1, undefined, ntkOptions);
    const cross = X2 === undefined ? undefined : limitNtk(X1, X2, ntkOptions);
    return limitNewtonKernel(ntk, o.lambda!, cross);
  }
  return limitNtk(X1, X2, o);
}

/** K∞(X1, X2)/M (K∞(X1, X1)/M without X2), M = rows of the training set, with its error estimate. */
function limitNtk(X1: Matrix, X2: Matrix | undefined, o: Checked): KernelResult {
  const train = points(X2 ?? X1, o);
  const m = train.m;
  const rows = X2 === undefined ? null : points(X1, o);
  if (o.series) {
    const series = new SeriesKernel(o, train, rows);
    const r = rows === null ? series.matrix(train, null) : series.matrix(rows, train);
    return { kernel: scale(r.kernel, 1 / m), kind: 'ntk', errorEstimate: series.relative(r.error) };
  }
  const kernel = scale(rows === null ? kernelMatrix(train, null, o) : kernelMatrix(rows, train, o), 1 / m);
  return { kernel, kind: 'ntk', errorEstimate: o.quadrature ? NaN : (train.k + 32) * Number.EPSILON };
}

// ---------------------------------------------------------------------------
// Validation

interface Checked {
  activation: Activation;
  sigmaW: number;
  sigmaB: number;
  bias: boolean;
  kind: LimitKind;
  lambda: number | undefined;
  nodes: number;
  quadrature: boolean;
  /** The adaptive Hermite-series rule (else the fixed Gauss–Hermite one when quadrature). */
  series: boolean;
  tolerance: number;
  outputs: OutputKernel;
  outputCount: number;
}

function checkLimitOptions(X1: Matrix, X2: Matrix | undefined, options: LimitKernelOptions | undefined): Checked {
  const where = 'limitKernel';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object with at least an activation`);
  checkOptionKeys(where, options, LIMIT_KERNEL_OPTIONS);
  checkMatrix(where, 'X1', X1);
  checkFiniteArray(where, 'X1', X1.data, X1.cols);
  if (X2 !== undefined) {
    checkMatrix(where, 'X2', X2);
    if (X2.cols !== X1.cols) throw new RangeError(`${where}: X2 must have d = ${X1.cols} columns like X1, got ${X2.rows}×${X2.cols}`);
    checkFiniteArray(where, 'X2', X2.data, X2.cols);
  }
  const { activation } = options;
  if (!(ACTIVATIONS as readonly unknown[]).includes(activation)) {
    throw new RangeError(`${where}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${String(activation)}`);
  }
  const sigmaW = sigma(where, 'sigmaW', options.sigmaW);
  const sigmaB = sigma(where, 'sigmaB', options.sigmaB);
  const bias = options.bias ?? true;
  if (typeof bias !== 'boolean') throw new TypeError(`${where}: bias must be a boolean, got ${typeof bias}`);
  const kind = options.kind ?? 'ntk';
  if (kind !== 'ntk' && kind !== 'nntk') throw new RangeError(`${where}: kind must be 'ntk' or 'nntk', got ${String(kind)}`);
  const { lambda } = options;
  if (kind === 'nntk') {
    if (lambda === undefined) throw new TypeError(`${where}: the limit Newton kernel needs a fixed lambda > 0`);
    if (typeof lambda !== 'number') throw new TypeError(`${where}: lambda must be a number, got ${typeof lambda}`);
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`${where}: lambda must be a finite number > 0, got ${lambda}`);
  } else if (lambda !== undefined) {
    throw new RangeError(`${where}: lambda applies to kind 'nntk' only`);
  }
  const nodes = options.quadratureNodes ?? DEFAULT_QUADRATURE_NODES;
  checkNodes(where, nodes);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (typeof tolerance !== 'number') throw new TypeError(`${where}: tolerance must be a number, got ${typeof tolerance}`);
  if (!(tolerance >= 1e-14 && tolerance < 1)) throw new RangeError(`${where}: tolerance must be in [1e-14, 1), got ${tolerance}`);
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'closed-form' && method !== 'quadrature') {
    throw new RangeError(`${where}: method must be 'auto', 'closed-form' or 'quadrature', got ${String(method)}`);
  }
  const closed = CLOSED_FORM_ACTIVATIONS.includes(activation);
  if (method === 'closed-form' && !closed) {
    throw new RangeError(`${where}: ${activation} has no closed-form limit kernel (closed forms: ${CLOSED_FORM_ACTIVATIONS.join(', ')}); use quadrature`);
  }
  const quadrature = method === 'quadrature' || !closed;
  const series = quadrature && options.quadratureNodes === undefined && activation !== 'relu';
  const outputs = checkOutputKernel(where, options.outputs);
  const outputCount = options.outputCount ?? 1;
  if (typeof outputCount !== 'number') throw new TypeError(`${where}: outputCount must be a number, got ${typeof outputCount}`);
  if (!Number.isSafeInteger(outputCount) || outputCount < 1) throw new RangeError(`${where}: outputCount must be an integer ≥ 1, got ${outputCount}`);
  return { activation, sigmaW, sigmaB, bias, kind, lambda, nodes, quadrature, series, tolerance, outputs, outputCount };
}

function sigma(where: string, name: string, value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

function checkNodes(where: string, n: unknown): asserts n is number {
  if (typeof n !== 'number') throw new TypeError(`${where}: quadratureNodes must be a number, got ${typeof n}`);
  if (!Number.isInteger(n) || n < 1 || n > MAX_QUADRATURE_NODES) {
    throw new RangeError(`${where}: quadratureNodes must be an integer in [1, ${MAX_QUADRATURE_NODES}], got ${n}`);
  }
}

// ---------------------------------------------------------------------------
// Points and pair geometry

/** Per point: x̃ (for x̃·x̃′), a = |v| and v̂ = v/|v| (zeros when v = 0). */
interface Points {
  m: number;
  /** Entries of x̃ and of v: d + 1 with bias, d without. */
  k: number;
  augmented: Float64Array;
  norm: Float64Array;
  unit: Float64Array;
}

function points(X: Matrix, o: Checked): Points {
  const { rows: m, cols: d } = X;
  const k = d + (o.bias ? 1 : 0);
  const augmented = new Float64Array(m * k);
  const norm = new Float64Array(m);
  const unit = new Float64Array(m * k);
  const v = new Float64Array(k);
  for (let j = 0; j < m; j++) {
    for (let p = 0; p < d; p++) {
      augmented[j * k + p] = X.data[j * d + p]!;
      v[p] = o.sigmaW * X.data[j * d + p]!;
    }
    if (o.bias) {
      augmented[j * k + d] = 1;
      v[d] = o.sigmaB;
    }
    // |v| without overflow or underflow of the squares.
    let big = 0;
    for (let p = 0; p < k; p++) big = Math.max(big, Math.abs(v[p]!));
    if (big === 0) continue;
    let s = 0;
    for (let p = 0; p < k; p++) s += (v[p]! / big) ** 2;
    const r = Math.sqrt(s);
    norm[j] = big * r;
    for (let p = 0; p < k; p++) unit[j * k + p] = v[p]! / big / r;
  }
  return { m, k, augmented, norm, unit };
}

/** The geometry of a pair (v, v′). */
interface Pair {
  a: number;
  b: number;
  cos: number;
  sin: number;
  /** θ and π − θ, each accurate (Kahan). */
  theta: number;
  supplement: number;
  /** |v − v′|² and |v + v′|². */
  minus2: number;
  plus2: number;
  /** x̃·x̃′. */
  inputs: number;
}

function pair(s: Points, i: number, t: Points, j: number, out: Pair): Pair {
  const k = s.k;
  const a = s.norm[i]!;
  const b = t.norm[j]!;
  let p2 = 0;
  let q2 = 0;
  let inputs = 0;
  for (let c = 0; c < k; c++) {
    const x = s.unit[i * k + c]!;
    const y = t.unit[j * k + c]!;
    p2 += (x - y) ** 2;
    q2 += (x + y) ** 2;
    inputs += s.augmented[i * k + c]! * t.augmented[j * k + c]!;
  }
  out.a = a;
  out.b = b;
  out.inputs = inputs;
  if (a === 0 || b === 0) {
    // u or u′ is 0 almost surely; any θ gives the same law, take θ = π/2.
    out.cos = 0;
    out.sin = 1;
    out.theta = out.supplement = Math.PI / 2;
    out.minus2 = out.plus2 = a * a + b * b;
    return out;
  }
  const p = Math.sqrt(p2);
  const q = Math.sqrt(q2);
  const r = p2 + q2;
  out.cos = (q2 - p2) / r;
  out.sin = (2 * p * q) / r;
  out.theta = 2 * Math.atan2(p, q);
  out.supplement = 2 * Math.atan2(q, p);
  const ab4 = (4 * a * b) / r;
  out.minus2 = (a - b) ** 2 + ab4 * p2;
  out.plus2 = (a - b) ** 2 + ab4 * q2;
  return out;
}

function newPair(): Pair {
  return { a: 0, b: 0, cos: 0, sin: 0, theta: 0, supplement: 0, minus2: 0, plus2: 0, inputs: 0 };
}

// ---------------------------------------------------------------------------
// The kernel matrix

/**
 * K∞ between the rows of `rowsPoints` and `cols` (M2 × M), or of the training
 * points with themselves (cols = null: the lower triangle computed, then mirrored).
 */
function kernelMatrix(rowPoints: Points, cols: Points | null, o: Checked): Matrix {
  const symmetric = cols === null;
  const colPoints = cols ?? rowPoints;
  const mr = rowPoints.m;
  const mc = colPoints.m;
  const out = new Matrix(mr, mc);
  const g = newPair();
  const moments: [number, number] = [0, 0];
  const quad = o.quadrature ? new Quadrature(o.activation, o.nodes) : null;
  for (let i = 0; i < mr; i++) {
    quad?.setRow(rowPoints.norm[i]!);
    const end = symmetric ? i + 1 : mc;
    for (let j = 0; j < end; j++) {
      pair(rowPoints, i, colPoints, j, g);
      if (quad !== null) quad.moments(g, moments);
      else closedForm(o.activation, g, moments);
      const v = moments[0] + moments[1] * g.inputs;
      if (!Number.isFinite(v)) throw new NonFiniteError('limitKernel', 'K∞', [i, j], v);
      out.data[i * mc + j] = v;
      if (symmetric) out.data[j * mc + i] = v;
    }
  }
  return out;
}

/** [E σ(u)σ(u′), E σ′(u)σ′(u′)] in closed form. */
function closedForm(activation: Activation, g: Pair, out: [number, number]): void {
  const { a, b } = g;
  switch (activation) {
    case 'relu':
      if (a === 0 || b === 0) {
        out[0] = 0;
        out[1] = 0;
        return;
      }
      out[0] = (a * b * (g.sin + g.supplement * g.cos)) / (2 * Math.PI);
      out[1] = g.supplement / (2 * Math.PI);
      return;
    case 'erf': {
      const det = 1 + 2 * (a * a + b * b) + 4 * (a * b * g.sin) ** 2;
      const root = Math.sqrt(det);
      out[0] = (2 / Math.PI) * Math.atan2(2 * a * b * g.cos, root);
      out[1] = 4 / Math.PI / root;
      return;
    }
    case 'sin': {
      const em = Math.exp(-0.5 * g.minus2);
      const ep = Math.exp(-0.5 * g.plus2);
      const s12 = a * b * g.cos;
      // For small Σ₁₂ the difference of exponentials would cancel: use sinh.
      out[0] = Math.abs(s12) < 0.5 ? Math.exp(-0.5 * (a * a + b * b)) * Math.sinh(s12) : 0.5 * (em - ep);
      out[1] = 0.5 * (em + ep);
      return;
    }
    default:
      throw new RangeError(`limitKernel: no closed form for ${activation}`);
  }
}

/** Pairs (i, j) of the tensor-product rule kept (weight product ≥ 1e-24). */
interface PairRule {
  nodes: Float64Array;
  first: Int32Array;
  second: Int32Array;
  weight: Float64Array;
}

const PRUNE = 1e-24;

/** The series' truncation target as a fraction of its error budget, where reachable within MAX_TERMS. */
const SLACK = 1e-4;

class Quadrature {
  private readonly rule: PairRule;
  private readonly activation: Activation;
  private readonly rowValue: Float64Array;
  private readonly rowSlope: Float64Array;
  private readonly u: Float64Array;
  private readonly value: Float64Array;
  private readonly slope: Float64Array;
  private readonly au: Float64Array;

  constructor(activation: Activation, n: number) {
    this.activation = activation;
    this.rule = pairRule(n);
    this.rowValue = new Float64Array(n);
    this.rowSlope = new Float64Array(n);
    this.au = new Float64Array(n);
    const size = this.rule.weight.length;
    this.u = new Float64Array(size);
    this.value = new Float64Array(size);
    this.slope = new Float64Array(size);
  }

  /** σ(a zᵢ), σ′(a zᵢ) for the row point. */
  setRow(a: number): void {
    const z = this.rule.nodes;
    for (let i = 0; i < z.length; i++) this.au[i] = a * z[i]!;
    evaluate(this.activation, this.au, this.rowValue, this.rowSlope, null);
  }

  moments(g: Pair, out: [number, number]): void {
    const { nodes: z, first, second, weight } = this.rule;
    const bc = g.b * g.cos;
    const bs = g.b * g.sin;
    const size = weight.length;
    for (let t = 0; t < size; t++) this.u[t] = bc * z[first[t]!]! + bs * z[second[t]!]!;
    evaluate(this.activation, this.u, this.value, this.slope, null);
    let vv = 0;
    let dd = 0;
    for (let t = 0; t < size; t++) {
      const w = weight[t]!;
      const i = first[t]!;
      vv += w * this.rowValue[i]! * this.value[t]!;
      dd += w * this.rowSlope[i]! * this.slope[t]!;
    }
    out[0] = vv;
    out[1] = dd;
  }
}

const pairRules = new Map<number, PairRule>();

function pairRule(n: number): PairRule {
  const cached = pairRules.get(n);
  if (cached !== undefined) return cached;
  const { nodes, weights } = hermiteRule(n);
  const first: number[] = [];
  const second: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights[i]! * weights[j]!;
      if (w < PRUNE) continue;
      first.push(i);
      second.push(j);
      weight.push(w);
    }
  }
  const rule = { nodes, first: Int32Array.from(first), second: Int32Array.from(second), weight: Float64Array.from(weight) };
  pairRules.set(n, rule);
  return rule;
}

// ---------------------------------------------------------------------------
// Gauss–Hermite nodes and weights

const hermiteRules = new Map<number, GaussHermiteRule>();

/**
 * Golub–Welsch: the nodes are the eigenvalues of the Jacobi matrix of the
 * orthonormal probabilists' Hermite polynomials (zero diagonal, off-diagonal
 * √k), here from dsyevd. Each node is then polished by Newton's method on
 * qₙ, the orthonormal polynomial from the recurrence
 * q_k = (z q_{k−1} − √(k−1) q_{k−2})/√k, and its weight is 1/(n·q_{n−1}(z)²),
 * which keeps full relative accuracy even for the tiny outer weights (the
 * eigenvector formula would not). Nodes and weights are symmetrised.
 */
function hermiteRule(n: number): GaussHermiteRule {
  const cached = hermiteRules.get(n);
  if (cached !== undefined) return cached;
  const jacobi = new Matrix(n, n);
  for (let k = 1; k < n; k++) {
    const e = Math.sqrt(k);
    jacobi.data[k * n + k - 1] = e;
    jacobi.data[(k - 1) * n + k] = e;
  }
  const guesses = n === 1 ? new Float64Array(1) : syevd(jacobi, { vectors: false }).values;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = guesses[i]!;
    let previous = NaN;
    for (let iteration = 0; iteration < 10; iteration++) {
      const [qn, qn1] = hermite(n, z);
      const step = qn / (Math.sqrt(n) * qn1); // q′ₙ = √n·q_{n−1}
      z -= step;
      if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z)) || Math.abs(step) === Math.abs(previous)) break;
      previous = step;
    }
    nodes[i] = z;
    // 1/(n·q_{n−1}²) with q_{n−1} = m·2^e: underflows to 0 (then pruned) for the outermost nodes of large n.
    const [, m1, e] = hermite(n, z);
    weights[i] = e === 0 ? 1 / (n * m1 * m1) : Math.exp(-Math.log(n) - 2 * (Math.log(Math.abs(m1)) + e * Math.LN2));
  }
  // Exact symmetry about 0 (odd integrands integrate to 0) and weights summing to 1.
  for (let i = 0; i < n >> 1; i++) {
    const j = n - 1 - i;
    const z = 0.5 * (nodes[j]! - nodes[i]!);
    nodes[i] = -z;
    nodes[j] = z;
    const w = 0.5 * (weights[i]! + weights[j]!);
    weights[i] = w;
    weights[j] = w;
  }
  if (n % 2 === 1) nodes[n >> 1] = 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  for (let i = 0; i < n; i++) weights[i] = weights[i]! / total;
  const rule = { nodes, weights };
  hermiteRules.set(n, rule);
  return rule;
}

/**
 * [qₙ(z), q_{n−1}(z), e]: the orthonormal probabilists' Hermite polynomials
 * (E[q_j q_k] = δ_jk) times 2^(−e). qₙ(z) grows like e^(z²/4) and exceeds
 * the double range at the outer nodes beyond n ≈ 700, so the pair is rescaled
 * by powers of 2 (exact) as it grows.
 */
function hermite(n: number, z: number): [number, number, number] {
  let q0 = 0;
  let q1 = 1;
  let e = 0;
  for (let k = 1; k <= n; k++) {
    const q2 = (z * q1 - SQRT[k - 1]! * q0) / SQRT[k]!;
    q0 = q1;
    q1 = q2;
    if (Math.abs(q1) > 2 ** 500) {
      q0 *= 2 ** -500;
      q1 *= 2 ** -500;
      e += 500;
    }
  }
  return [q1, q0, e];
}

const SQRT = Float64Array.from({ length: MAX_QUADRATURE_NODES + 1 }, (_, k) => Math.sqrt(k));

function scale(a: Matrix, factor: number): Matrix {
  for (let i = 0; i < a.data.length; i++) a.data[i] = a.data[i]! * factor;
  return a;
}

// ---------------------------------------------------------------------------
// The adaptive Hermite-series rule

/**
 * K∞ by the Hermite series of lib/method/hermite-series.ts, to the
 * tolerance relative to the largest K∞(x, x) = E[φ(s z)²] + E[φ′(s z)²]|x̃|²
 * of the points: half of the budget for the truncation of the series, half
 * for the coefficients' quadrature. Coefficients are cached per scale s.
 */
class SeriesKernel {
  private readonly o: Checked;
  private readonly target: number;
  private readonly cache = new Map<number, Coefficients>();

  constructor(o: Checked, train: Points, test: Points | null) {
    this.o = o;
    const sets = test === null ? [train] : [train, test];
    const scales = [...new Set(sets.flatMap((p) => Array.from(p.norm)))];
    const table = coefficients(o.activation, scales);
    const index = new Map(scales.map((s, i) => [s, i]));
    let scale = 0;
    let valueMax = 0;
    let slopeMax = 0;
    let inputsMax = 0;
    for (const p of sets) {
      for (let i = 0; i < p.m; i++) {
        const at = index.get(p.norm[i]!)!;
        const ef = table.valueEnergy[at]!;
        const eg = table.slopeEnergy[at]!;
        if (!Number.isFinite(ef + eg)) throw new QuadratureError('limitKernel', [i, i], Infinity, NaN);
        let x2 = 0;
        for (let c = 0; c < p.k; c++) x2 += p.augmented[i * p.k + c]! ** 2;
        scale = Math.max(scale, ef + eg * x2);
        valueMax = Math.max(valueMax, ef);
        slopeMax = Math.max(slopeMax, eg);
        inputsMax = Math.max(inputsMax, x2);
      }
    }
    this.target = o.tolerance * scale;
    // With the other point's tail ≤ its energy, a tail ≤ (t/2)²/E_max bounds the pair's truncation by t/2.
    // The series is run SLACK times further than the tolerance needs where that takes no more than
    // MAX_TERMS terms (the terms are cheap; the coefficients are accurate to ≈ 1e-16).
    const t = (this.target * SLACK) / 4;
    const valueTarget = valueMax > 0 ? (t * t) / valueMax : Infinity;
    const slopeTarget = slopeMax > 0 && inputsMax > 0 ? (t / inputsMax) ** 2 / slopeMax : Infinity;
    table.cut(valueTarget, slopeTarget).forEach((c, i) => this.cache.set(scales[i]!, c));
  }

  /** An absolute error of K∞ relative to max|K∞| of the points (the target's scale). */
  relative(error: number): number {
    return this.target > 0 ? (error / this.target) * this.o.tolerance : 0;
  }

  private coefficientsAt(s: number): Coefficients {
    return this.cache.get(s)!;
  }

  matrix(rowPoints: Points, cols: Points | null): { kernel: Matrix; error: number } {
    const symmetric = cols === null;
    const colPoints = cols ?? rowPoints;
    const mr = rowPoints.m;
    const mc = colPoints.m;
    const out = new Matrix(mr, mc);
    const rowCoefficients = Array.from({ length: mr }, (_, i) => this.coefficientsAt(rowPoints.norm[i]!));
    const colCoefficients = symmetric ? rowCoefficients : Array.from({ length: mc }, (_, j) => this.coefficientsAt(colPoints.norm[j]!));
    const g = newPair();
    let worst = 0;
    let worstAt: [number, number] = [0, 0];
    const half = this.target / 2;
    for (let i = 0; i < mr; i++) {
      const ci = rowCoefficients[i]!;
      const end = symmetric ? i + 1 : mc;
      for (let j = 0; j < end; j++) {
        pair(rowPoints, i, colPoints, j, g);
        const cj = colCoefficients[j]!;
        const inputs = Math.abs(g.inputs);
        let v = NaN;
        let error = Infinity;
        if (g.sin !== 0) {
          // The series, while its tail bound is above half the budget.
          const rho = g.cos;
          const r = Math.abs(rho);
          const n = Math.min(ci.terms, cj.terms);
          const tight = half * SLACK;
          let power = 1;
          let vv = 0;
          let dd = 0;
          for (let k = 0; k < n; k++) {
            vv += ci.value[k]! * cj.value[k]! * power;
            dd += ci.slope[k]! * cj.slope[k]! * power;
            power *= rho;
            const tail = r === 0 ? 0 : Math.abs(power) * (Math.sqrt(ci.valueTail[k]! * cj.valueTail[k]!) + inputs * Math.sqrt(ci.slopeTail[k]! * cj.slopeTail[k]!));
            if (tail <= tight || (k === n - 1 && tail <= half)) {
              v = vv + dd * g.inputs;
              const coefficientError =
                ci.valueError * Math.sqrt(cj.valueEnergy) + cj.valueError * Math.sqrt(ci.valueEnergy) +
                inputs * (ci.slopeError * Math.sqrt(cj.slopeEnergy) + cj.slopeError * Math.sqrt(ci.slopeEnergy));
              error = tail + coefficientError + 8 * Number.EPSILON * (k + 1) * Math.sqrt((ci.valueEnergy + inputs * ci.slopeEnergy) * (cj.valueEnergy + inputs * cj.slopeEnergy));
              break;
            }
          }
        }
        if (g.sin === 0 && g.cos === 1 && g.a === g.b && ci.terms > 0) {
          // x̃ = x̃′ up to round-off (the diagonal): E[φ(s z)²] + E[φ′(s z)²]·x̃·x̃′.
          v = ci.valueEnergy + ci.slopeEnergy * g.inputs;
          error = ci.energyError * Math.max(1, inputs) + 8 * Number.EPSILON * Math.abs(v);
        }
        if (!(error <= half)) {
          // |ρ| = 1, or the series would need more terms: the conditional nested rule.
          const [vv, dd, ev, ed] = conditional(this.o.activation, g.a, g.b, g.cos, g.sin);
          v = vv + dd * g.inputs;
          error = ev + ed * inputs + 8 * Number.EPSILON * (Math.abs(vv) + Math.abs(dd) * inputs);
        }
        if (!(error <= this.target)) throw new QuadratureError('limitKernel', [i, j], error, this.target);
        if (!Number.isFinite(v)) throw new NonFiniteError('limitKernel', 'K∞', [i, j], v);
        if (error > worst) {
          worst = error;
          worstAt = [i, j];
        }
        out.data[i * mc + j] = v;
        if (symmetric) out.data[j * mc + i] = v;
      }
    }
    if (!(worst <= this.target)) throw new QuadratureError('limitKernel', worstAt, worst, this.target);
    return { kernel: out, error: worst };
  }
}
