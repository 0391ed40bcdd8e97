/**
 * The kernel-regression predictors of docs/math.md §9:
 * - KernelPredictor against the independent scipy reference
 *   (test/reference/kernel_regression.py: Van Loan's block expm for a time t,
 *   the step-by-step sum for s steps, a Cholesky solve for t → ∞), for 𝒦_GD
 *   and 𝒦_N of a network, with and without a ridge, one and two outputs;
 * - at the training points the predictor is the linearised model's own
 *   training dynamics, run here in parameter space with the explicit Jacobian
 *   (gradient descent, s steps) and as one Newton step δ = (H + λI)⁻¹g;
 * - the limit predictors use the limit kernels with f₀ ≡ 0;
 * - bad arguments are typed errors naming them.
 * The error bounds: the eigen-decomposition is exact for 𝒦 + E, ‖E‖ ≤ 30·M·ε‖𝒦‖
 * (LAPACK), and φ(𝒦) moves by at most max|φ′|·‖E‖_F ≤ (T²/2)·‖E‖_F for a
 * symmetric matrix (Daleckii–Krein: the divided differences of φ bound its
 * Fréchet derivative), T = t or s·a, |φ| ≤ T; t → ∞ by Cholesky has relative
 * error ≤ κ·γ. Each implementation contributes its share.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  defaultLearningRate,
  kernel,
  KernelPredictor,
  limitKernel,
  limitPrediction,
  Matrix,
  networkPrediction,
  NewtonSystem,
  NotPositiveDefiniteError,
  potrf,
  potrs,
  gemm,
  spectrum,
  TwoLayerNetwork,
  type PredictionTime,
} from '../lib/index.js';
import { randomMatrix } from './random.js';
import { U } from './tolerance.js';

const REFERENCE = fileURLToPath(new URL('./reference/kernel_regression.py', import.meta.url));

const net = TwoLayerNetwork.initialize({ width: 40, dim: 3, activation: 'tanh', beta: 0.5, bias: true }, { seed: 3 });
const X = randomMatrix(10, 3, 11);
const Xtest = randomMatrix(6, 3, 12);
const y = Float64Array.from({ length: 10 }, (_, j) => Math.sin(3 * X.data[3 * j]!) + X.data[3 * j + 1]!);
const f0 = net.predict(X);
const r0 = f0.map((f, j) => f - y[j]!);
const eta = defaultLearningRate(net, X);

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface ReferenceCase {
  K: Matrix;
  cross: Matrix;
  r0: Matrix;
  f0: Matrix;
  ridge: number;
  when: PredictionTime;
}

function reference(cases: ReferenceCase[]): { test: number[]; trainChange: number[] }[] {
  const request = cases.map((c) => ({
    m: c.K.rows,
    c: c.r0.cols,
    ms: c.cross.rows,
    K: [...c.K.data],
    cross: [...c.cross.data],
    r0: [...c.r0.data],
    f0: [...c.f0.data],
    ridge: c.ridge,
    when: 'time' in c.when && c.when.time === Infinity ? { time: 'inf' } : c.when,
  }));
  return JSON.parse(execFileSync('python3', [REFERENCE], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as { test: number[]; trainChange: number[] }[];
}

/** The horizon T of docs/math.md §9's φ: t, or s·a; Infinity for the limit. */
function horizon(when: PredictionTime): number {
  return 'time' in when ? when.time : when.steps * when.stepSize;
}

/**
 * The bound on |Δf| entrywise of the two implementations together (see the header): finite
 * T: 2·30·M·u·(T²/2·‖𝒦‖_F + 2T)·‖𝒦*‖_F·‖r₀‖_F; t → ∞: 2·30·M·u·κ·‖𝒦*‖_F·‖w‖_F.
 */
function bound(c: ReferenceCase, predictor: KernelPredictor): number {
  const m = c.K.rows;
  const T = horizon(c.when);
  if (Number.isFinite(T)) return 60 * m * U * ((T * T) / 2 * frobenius(c.K.data) + 2 * T) * frobenius(c.cross.data) * frobenius(c.r0.data);
  const shifted = new Matrix(m, m, c.K.data.slice());
  for (let j = 0; j < m; j++) shifted.data[j * m + j] = shifted.data[j * m + j]! + c.ridge;
  const values = spectrum(shifted, { vectors: false }).values;
  const kappa = values[m - 1]! / values[0]!;
  const w = predictor.coefficients(c.when);
  return 60 * m * U * kappa * frobenius(c.cross.data) * frobenius(w instanceof Matrix ? w.data : w);
}

describe('KernelPredictor against the scipy reference (expm, step sums, Cholesky)', () => {
  const ntk = kernel(net, X).kernel;
  const ntkCross = kernel(net, Xtest, X).kernel;
  const nntkOptions = { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3 } as const;
  const nntk = kernel(net, X, nntkOptions).kernel;
  const nntkCross = kernel(net, Xtest, X, nntkOptions).kernel;
  const full = kernel(net, X, { kind: 'nntk', y }).kernel;
  const fullCross = kernel(net, Xtest, X, { kind: 'nntk', y }).kernel;
  const column = (v: Float64Array) => new Matrix(v.length, 1, v);
  const two = new Matrix(10, 2, Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? r0[i / 2]! : Math.cos(i))));
  const f0test = net.predict(Xtest);
  const cases: (ReferenceCase & { name: string })[] = [
    { name: 'NTK, gradient flow for t = 50/μ_max', K: ntk, cross: ntkCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { time: 50 * eta } },
    { name: 'NTK, 200 gradient steps of η = 1/μ_max', K: ntk, cross: ntkCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { steps: 200, stepSize: eta } },
    { name: 'NTK, t → ∞ with ridge 1e-4', K: ntk, cross: ntkCross, r0: column(r0), f0: column(f0test), ridge: 1e-4, when: { time: Infinity } },
    { name: 'NTK, two outputs, 30 steps, ridge 1e-3', K: ntk, cross: ntkCross, r0: two, f0: new Matrix(6, 2), ridge: 1e-3, when: { steps: 30, stepSize: eta } },
    { name: 'Gauss–Newton NNTK, Newton flow for t = 3', K: nntk, cross: nntkCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { time: 3 } },
    { name: 'Gauss–Newton NNTK, 4 Newton steps of α = 0.5', K: nntk, cross: nntkCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { steps: 4, stepSize: 0.5 } },
    { name: 'full-Hessian NNTK, t → ∞', K: full, cross: fullCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { time: Infinity } },
    { name: 'full-Hessian NNTK, one Newton step', K: full, cross: fullCross, r0: column(r0), f0: column(f0test), ridge: 0, when: { steps: 1, stepSize: 1 } },
  ];
  const answers = reference(cases);
  cases.forEach((c, i) => {
    it(`${c.name}: test and training predictions within the round-off bound`, () => {
      const vector = c.r0.cols === 1;
      const predictor = new KernelPredictor(c.K, vector ? c.r0.data : c.r0, { ridge: c.ridge });
      const test = predictor.predict(c.cross, c.when, vector ? c.f0.data : c.f0);
      const train = predictor.predict(c.K, c.when);
      expect(test instanceof Float64Array).toBe(vector);
      const tol = bound(c, predictor);
      const flat = (a: Float64Array | Matrix) => (a instanceof Matrix ? a.data : a);
      expect(maxDifference(flat(test), answers[i]!.test)).toBeLessThanOrEqual(tol);
      // The training points' cross-kernel is 𝒦 itself: ‖𝒦‖ in place of ‖𝒦*‖.
      const trainTol = (tol * frobenius(c.K.data)) / frobenius(c.cross.data);
      expect(maxDifference(flat(train), answers[i]!.trainChange)).toBeLessThanOrEqual(trainTol);
      // The prediction moved: a bound as large as the change itself would test nothing.
      expect(tol).toBeLessThan(1e-6 * maxDifference(flat(test), c.f0.data));
    });
  });
});

describe('at the training points the predictor is the linearised training dynamics', () => {
  const all = (points: Matrix) => {
    const xt = net.augment(points);
    return net.jacobianBlock(xt, net.features(xt, 0, net.width, { value: true, slope: true })).clone();
  };
  const J = all(X);
  const Jtest = all(Xtest);
  const P = net.parameterCount;
  const M = X.rows;
  const times = (A: Matrix, v: Float64Array) => Float64Array.from({ length: A.rows }, (_, i) => {
    let s = 0;
    for (let p = 0; p < A.cols; p++) s += A.data[i * A.cols + p]! * v[p]!;
    return s;
  });

  it('s gradient steps of the linearised model θ ← θ − (η/M)·Jᵀ(f₀ + J(θ − θ₀) − y) give f₀ − 𝒦_GD·φ(𝒦_GD)·r₀ at X and X*', () => {
    const steps = 60;
    const moved = new Float64Array(P);
    for (let n = 0; n < steps; n++) {
      const r = times(J, moved).map((v, j) => f0[j]! + v - y[j]!);
      for (let p = 0; p < P; p++) {
        let g = 0;
        for (let j = 0; j < M; j++) g += J.data[j * P + p]! * r[j]!;
        moved[p] = moved[p]! - (eta / M) * g;
      }
    }
    const linearTrain = times(J, moved).map((v, j) => f0[j]! + v);
    const f0test = net.predict(Xtest);
    const linearTest = times(Jtest, moved).map((v, j) => f0test[j]! + v);
    const predictor = new KernelPredictor(kernel(net, X).kernel, r0);
    const when = { steps, stepSize: eta };
    const train = predictor.predict(kernel(net, X).kernel, when, f0) as Float64Array;
    const test = predictor.predict(kernel(net, Xtest, X).kernel, when, f0test) as Float64Array;
    // Both sides are s·P-term sums of the same products: γ bounds of s·(P + M) roundings on |J|·|θ − θ₀| scales.
    const scale = (A: Matrix) => frobenius(A.data) * (steps * eta) * frobenius(J.data) * frobenius(r0) / M;
    const tol = (A: Matrix) => 60 * steps * (P + M) * U * scale(A) + bound({ K: kernel(net, X).kernel, cross: kernel(net, X).kernel, r0: new Matrix(M, 1, r0), f0: new Matrix(M, 1), ridge: 0, when }, predictor);
    expect(maxDifference(train, linearTrain)).toBeLessThanOrEqual(tol(J));
    expect(maxDifference(test, linearTest)).toBeLessThanOrEqual(tol(Jtest));
    expect(maxDifference(test, f0test)).toBeGreaterThan(1e3 * tol(Jtest));
  });

  for (const hessian of ['gauss-newton', 'full'] as const) {
    it(`one ${hessian} Newton step of size α: f₀ − α·J·δ, δ = (H + λI)⁻¹g, is f₀ − α·𝒦_N·r₀ at X and X*`, () => {
      const lambda = hessian === 'full' ? undefined : 1e-3;
      const options = { kind: 'nntk' as const, hessian, y, ...(lambda === undefined ? {} : { lambda }) };
      const square = kernel(net, X, options);
      const cross = kernel(net, Xtest, X, options);
      const system = new NewtonSystem(net, X, y);
      // δ = (H + λI)⁻¹g formed here, densely, from the explicit J and the blocks of S.
      const H = gemm(J, J, { transA: true, alpha: 1 / M });
      const q = net.blockSize;
      if (hessian === 'full') {
        const { blocks } = system.curvature;
        for (let i = 0; i < net.width; i++) {
          for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) H.data[(i * q + a) * P + i * q + b]! += blocks[i * q * q + a * q + b]!;
        }
      }
      for (let p = 0; p < P; p++) H.data[p * P + p]! += square.lambda!;
      const g = Float64Array.from({ length: P }, (_, p) => {
        let s = 0;
        for (let j = 0; j < M; j++) s += J.data[j * P + p]! * r0[j]!;
        return s / M;
      });
      const direction = potrs(potrf(H.clone()), new Matrix(1, P, g)).data;
      const alpha = 0.7;
      const f0test = net.predict(Xtest);
      const linearTrain = times(J, direction).map((v, j) => f0[j]! - alpha * v);
      const linearTest = times(Jtest, direction).map((v, j) => f0test[j]! - alpha * v);
      const predictor = new KernelPredictor(square.kernel, r0);
      const when = { steps: 1, stepSize: alpha };
      const train = predictor.predict(square.kernel, when, f0) as Float64Array;
      const test = predictor.predict(cross.kernel, when, f0test) as Float64Array;
      // Two solves of the same system (P×P here, M×M on the kernel path): each a relative forward error
      // ≤ κ₂(H + λI)·(c·P + M)·u (Higham, Thm 10.4), on |J|·|δ|; 16 covers the constants, 2 the two routes.
      const values = spectrum(H, { vectors: false }).values;
      const kappa = values[P - 1]! / values[0]!;
      const tol = (A: Matrix) => 2 * 16 * (P + M) * U * kappa * frobenius(A.data) * frobenius(direction) * alpha;
      expect(tol(J)).toBeLessThan(1e-6 * frobenius(r0));
      expect(maxDifference(train, linearTrain)).toBeLessThanOrEqual(tol(J));
      expect(maxDifference(test, linearTest)).toBeLessThanOrEqual(tol(Jtest));
    });
  }
});

describe('networkPrediction and limitPrediction compose the kernels with the predictor', () => {
  it('networkPrediction is KernelPredictor on kernel(net, X) and kernel(net, Xtest, X) from f₀ = net.predict, bitwise', () => {
    const when = { steps: 25, stepSize: eta };
    const p = networkPrediction(net, X, y, Xtest, { when, ridge: 1e-6 });
    const predictor = new KernelPredictor(kernel(net, X).kernel, r0, { ridge: 1e-6 });
    expect(p.test).toEqual(predictor.predict(kernel(net, Xtest, X).kernel, when, net.predict(Xtest)));
    expect(p.train).toEqual(predictor.predict(kernel(net, X).kernel, when, f0));
    expect(p.lambda).toBeUndefined();
    const newton = networkPrediction(net, X, y, Xtest, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3 });
    expect(newton.lambda).toBe(1e-3);
  });

  it('limitPrediction is the limit kernels with f₀ ≡ 0: K*·(K + ρI)⁻¹·y at t → ∞, bitwise', () => {
    const options = { activation: 'relu' as const };
    const p = limitPrediction(X, y, Xtest, { ...options, ridge: 1e-8 });
    const predictor = new KernelPredictor(limitKernel(X, options).kernel, y.map((v) => -v), { ridge: 1e-8 });
    expect(p.test).toEqual(predictor.predict(limitKernel(Xtest, X, options).kernel, { time: Infinity }));
    // Kernel ridge regression with a tiny ridge interpolates the training targets.
    expect(maxDifference(p.train, y)).toBeLessThan(1e-5 * frobenius(y));
    const newton = limitPrediction(X, y, Xtest, { activation: 'erf', kind: 'nntk', lambda: 1e-2, when: { steps: 1, stepSize: 1 } });
    expect(newton.lambda).toBe(1e-2);
  });
});

describe('bad arguments are typed errors naming them', () => {
  const K = kernel(net, X).kernel;
  it('shapes, times, ridge and option keys', () => {
    expect(() => new KernelPredictor(new Matrix(3, 4), new Float64Array(3))).toThrow(/kernel must be square/);
    expect(() => new KernelPredictor(K, new Float64Array(9))).toThrow(/residual has 9 rows, the kernel 10/);
    expect(() => new KernelPredictor(K, r0, { ridge: -1 })).toThrow(RangeError);
    expect(() => new KernelPredictor(K, r0, { rigde: 1 } as never)).toThrow(/unknown option 'rigde'; did you mean 'ridge'/);
    const predictor = new KernelPredictor(K, r0);
    expect(() => predictor.predict(new Matrix(2, 9), { time: 1 })).toThrow(/cross must have the 10 training points as columns, got 2×9/);
    expect(() => predictor.predict(K, { time: -1 })).toThrow(/time must be a number ≥ 0/);
    expect(() => predictor.predict(K, { steps: 1.5, stepSize: 1 })).toThrow(/steps must be an integer/);
    expect(() => predictor.predict(K, { steps: 2, stepSize: 0 })).toThrow(/stepSize must be a finite number > 0/);
    expect(() => predictor.predict(K, { time: 1 }, new Float64Array(3))).toThrow(/initial must be 10×1/);
    expect(() => networkPrediction(net, X, y, randomMatrix(4, 2, 1))).toThrow(/Xtest must have d = 3 columns, got 4×2/);
    expect(() => networkPrediction(net, X, y, Xtest, { lambda: 1 })).toThrow(/lambda applies to kind 'nntk' only/);
  });

  it('t → ∞ on a singular kernel is a NotPositiveDefiniteError that suggests the ridge', () => {
    const singular = new Matrix(2, 2, Float64Array.of(1, 1, 1, 1));
    const predictor = new KernelPredictor(singular, Float64Array.of(1, 2));
    expect(() => predictor.coefficients({ time: Infinity })).toThrow(NotPositiveDefiniteError);
    expect(() => predictor.coefficients({ time: Infinity })).toThrow(/the limit t → ∞ needs/);
    expect(new KernelPredictor(singular, Float64Array.of(1, 2), { ridge: 1e-3 }).coefficients({ time: Infinity })).toBeInstanceOf(Float64Array);
  });
});

describe('KernelPredictor on a full (M·C)×(M·C) kernel with M×C targets', () => {
  const m = 6;
  const outputs = 3;
  const mt = 4;
  // A coupled symmetric positive definite "full kernel" and a cross-kernel of matching shape.
  const B = randomMatrix(m * outputs + mt * outputs, m * outputs + 5, 61);
  const all = gemm(B, B, { transB: true, alpha: 1 / B.cols });
  const n = m * outputs;
  const K = new Matrix(n, n);
  const cross = new Matrix(mt * outputs, n);
  for (let r = 0; r < n; r++) K.data.set(all.data.subarray(r * all.cols, r * all.cols + n), r * n);
  for (let r = 0; r < mt * outputs; r++) cross.data.set(all.data.subarray((n + r) * all.cols, (n + r) * all.cols + n), r * n);
  const R = randomMatrix(m, outputs, 62);
  const F0 = randomMatrix(mt, outputs, 63);
  const whens: PredictionTime[] = [{ time: 2 }, { time: Infinity }, { steps: 7, stepSize: 0.5 }];

  it.each(whens)('is the one-output predictor on the sample-major vectors (row-major data of M×C), bitwise: %o', (when) => {
    const full = new KernelPredictor(K, R, { ridge: 1e-6 });
    const flat = new KernelPredictor(K, R.data, { ridge: 1e-6 });
    expect([full.m, full.outputs, full.full]).toEqual([m, outputs, true]);
    const got = full.predict(cross, when, F0) as Matrix;
    expect([got.rows, got.cols]).toEqual([mt, outputs]);
    expect(got.data).toEqual(flat.predict(cross, when, F0.data));
    const w = full.coefficients(when) as Matrix;
    expect([w.rows, w.cols]).toEqual([m, outputs]);
    expect(w.data).toEqual(flat.coefficients(when));
  });

  it('on K ⊗ I_C equals the column-by-column predictor on K within the eigen-decomposition’s backward error', () => {
    const small = kernel(net, X).kernel;
    const M = small.rows;
    const big = new Matrix(M * 2, M * 2);
    for (let j = 0; j < M; j++) for (let l = 0; l < M; l++) for (let k = 0; k < 2; k++) big.data[(j * 2 + k) * M * 2 + l * 2 + k] = small.data[j * M + l]!;
    const Y = randomMatrix(M, 2, 64);
    const when = { time: 3 };
    const columns = new KernelPredictor(small, Y).predict(small, when) as Matrix;
    const full = new KernelPredictor(big, Y).predict(big, when) as Matrix;
    // Each decomposition is exact for 𝒦 + E, ‖E‖ ≤ 30·n·ε‖𝒦‖ (n = 2M), and φ_t moves by ≤ (t²/2)‖E‖, times ‖𝒦‖·|r₀|.
    let norm = 0;
    for (const v of small.data) norm = Math.max(norm, Math.abs(v) * M);
    let r = 0;
    for (const v of Y.data) r += v * v;
    const bound = 2 * (when.time ** 2 / 2) * 30 * 2 * M * Number.EPSILON * norm * norm * Math.sqrt(r) + 64 * M * Number.EPSILON * Math.sqrt(r);
    for (let i = 0; i < full.data.length; i++) expect(Math.abs(full.data[i]! - columns.data[i]!)).toBeLessThanOrEqual(bound);
  });

  it('shape mismatches name what the full kernel expects', () => {
    const predictor = new KernelPredictor(K, R);
    expect(() => new KernelPredictor(K, randomMatrix(5, outputs, 1))).toThrow(/residual has 5 rows, the kernel 18 training points, or 18 entries \(6 rows\) as the full kernel of 3 outputs/);
    expect(() => predictor.predict(new Matrix(4, n - 1), { time: 1 })).toThrow(/cross must have the 6·3 training points and outputs as columns/);
    expect(() => predictor.predict(new Matrix(4, n), { time: 1 })).toThrow(/and M\*·3 rows/);
    expect(() => predictor.predict(cross, { time: 1 }, new Matrix(mt, 2))).toThrow(/initial must be 4×3/);
  });
});
