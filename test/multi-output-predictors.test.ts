/**
 * The kernel-regression predictors (docs/math.md §8–9) for a network of C > 1
 * outputs, targets and predictions M·C sample-major as net.predict has them:
 * - networkPrediction with the full kernel (the default) is the linearised
 *   network's own gradient descent, run here in parameter space with the
 *   explicit (M·C)×P Jacobian: θ ← θ − η·Jᵀr/M, f = f₀ + J·(θ − θ₀);
 * - with outputs 'trace' it is KernelPredictor on the traced kernel, each
 *   output a column, bitwise;
 * - limitPrediction with outputCount C regresses each output on K∞ alone,
 *   which is the prediction of the full limit kernel K∞ ⊗ I_C;
 * - bad outputs options and y of the wrong length are typed errors.
 */
import { describe, expect, it } from 'vitest';
import { gemm, kernel, KernelPredictor, limitKernel, limitPrediction, Matrix, networkPrediction, spectrum, TwoLayerNetwork } from '../lib/index.js';
import { outputJacobian } from './output-jacobian.js';
import { randomMatrix } from './random.js';
import { gamma, U } from './tolerance.js';

const C = 2;
const net = TwoLayerNetwork.initialize({ width: 24, dim: 3, outputs: C }, { seed: 3 });
const X = randomMatrix(8, 3, 4);
const Xtest = randomMatrix(5, 3, 5);
const M = X.rows;
const y = randomMatrix(M, C, 6).data;

const frobenius = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const times = (A: Matrix, v: Float64Array) => gemm(A, new Matrix(v.length, 1, v)).data;

describe('networkPrediction of C outputs', () => {
  const J = outputJacobian(net, X);
  const Jtest = outputJacobian(net, Xtest);
  const P = J.cols;
  const n = M * C;
  const f0 = net.predict(X);
  const f0test = net.predict(Xtest);
  const r0 = f0.map((f, i) => f - y[i]!);
  const full = kernel(net, X, { outputs: 'full' }).kernel;
  const eta = 1 / spectrum(full, { vectors: false, largest: 1 }).values[0]!;

  it('with the full kernel (the default) is s steps of gradient descent on the linearised network, at X and X*', () => {
    const steps = 30;
    const moved = new Float64Array(P);
    for (let s = 0; s < steps; s++) {
      const r = times(J, moved).map((v, i) => v + r0[i]!);
      const g = gemm(new Matrix(1, n, r), J).data;
      for (let p = 0; p < P; p++) moved[p] = moved[p]! - (eta / M) * g[p]!;
    }
    const linearTrain = times(J, moved).map((v, i) => f0[i]! + v);
    const linearTest = times(Jtest, moved).map((v, i) => f0test[i]! + v);
    const when = { steps, stepSize: eta };
    const p = networkPrediction(net, X, y, Xtest, { when });
    expect([p.train.length, p.test.length]).toEqual([n, Xtest.rows * C]);
    // Parameter space: s·(P + n)-term sums of the products; the predictor: the eigen-decomposition is exact
    // for 𝒦 + E, ‖E‖ ≤ 30·n·ε‖𝒦‖ (LAPACK), and φ moves by ≤ (T²/2)‖E‖ (T = s·η, Daleckii–Krein), on ‖𝒦*‖·|r₀|.
    const T = steps * eta;
    const kNorm = frobenius(full.data);
    const tol = (A: Matrix) => {
      const crossNorm = (frobenius(A.data) * frobenius(J.data)) / M;
      return 60 * steps * (P + n) * U * T * crossNorm * frobenius(r0) + crossNorm * (T ** 2 / 2) * 30 * n * Number.EPSILON * kNorm * frobenius(r0);
    };
    expect(maxDifference(p.train, linearTrain)).toBeLessThanOrEqual(tol(J));
    expect(maxDifference(p.test, linearTest)).toBeLessThanOrEqual(tol(Jtest));
    expect(maxDifference(p.test, f0test)).toBeGreaterThan(1e3 * tol(Jtest));
    // The traced kernel drops the output coupling: at finite width it predicts something else.
    const traced = networkPrediction(net, X, y, Xtest, { when, outputs: 'trace' });
    expect(maxDifference(traced.test, linearTest)).toBeGreaterThan(1e3 * tol(Jtest));
  });

  it("with outputs 'trace' is KernelPredictor on the traced kernels with the M×C residual, bitwise", () => {
    const when = { time: 4 };
    const p = networkPrediction(net, X, y, Xtest, { when, outputs: 'trace', ridge: 1e-6 });
    const predictor = new KernelPredictor(kernel(net, X).kernel, new Matrix(M, C, r0), { ridge: 1e-6 });
    expect(p.test).toEqual((predictor.predict(kernel(net, Xtest, X).kernel, when, new Matrix(Xtest.rows, C, f0test)) as Matrix).data);
    expect(p.train).toEqual((predictor.predict(kernel(net, X).kernel, when, new Matrix(M, C, f0)) as Matrix).data);
  });

  it("kind 'nntk' is KernelPredictor on the full Newton kernels (y read by the full Hessian's S), bitwise", () => {
    const when = { steps: 1, stepSize: 0.7 };
    const p = networkPrediction(net, X, y, Xtest, { kind: 'nntk', when });
    const options = { kind: 'nntk', y, outputs: 'full' } as const;
    const square = kernel(net, X, options);
    expect(p.lambda).toBe(square.lambda);
    const predictor = new KernelPredictor(square.kernel, new Matrix(M, C, r0));
    expect(p.test).toEqual((predictor.predict(kernel(net, Xtest, X, options).kernel, when, new Matrix(Xtest.rows, C, f0test)) as Matrix).data);
  });

  it('bad outputs and y of the wrong length are typed errors naming them', () => {
    expect(() => networkPrediction(net, X, y, Xtest, { outputs: 'both' as never })).toThrow(/^networkPrediction: outputs must be 'trace' or 'full', got both$/);
    expect(() => networkPrediction(net, X, y.subarray(0, M), Xtest)).toThrow(/y has 8 entries, X has 8 rows and the network 2 outputs/);
  });
});

describe('limitPrediction of C outputs', () => {
  const options = { activation: 'erf' as const, ridge: 1e-6 };

  it('regresses each output on K∞ alone: the one-output prediction of each column, within the solve’s round-off', () => {
    const p = limitPrediction(X, y, Xtest, { ...options, outputCount: C });
    expect([p.train.length, p.test.length]).toEqual([M * C, Xtest.rows * C]);
    const K = limitKernel(X, { activation: 'erf' }).kernel;
    const values = spectrum(K, { vectors: false }).values;
    const kappa = (values[M - 1]! + 1e-6) / (values[0]! + 1e-6);
    for (let k = 0; k < C; k++) {
      const column = Float64Array.from({ length: M }, (_, j) => y[j * C + k]!);
      const one = limitPrediction(X, column, Xtest, options);
      const got = Float64Array.from({ length: Xtest.rows }, (_, j) => p.test[j * C + k]!);
      // Two Cholesky solves of the same factor, column by column: each within κ·γ_{2M} relative (Higham, Thm 10.4).
      expect(maxDifference(got, one.test)).toBeLessThanOrEqual(2 * kappa * gamma(2 * M) * frobenius(one.test) + 2 * gamma(M) * frobenius(one.test));
    }
  });

  it('equals KernelPredictor on the full limit kernel K∞ ⊗ I_C with the sample-major targets', () => {
    const when = { time: 3 };
    const p = limitPrediction(X, y, Xtest, { ...options, outputCount: C, when });
    const fullOptions = { activation: 'erf' as const, outputs: 'full' as const, outputCount: C };
    const predictor = new KernelPredictor(limitKernel(X, fullOptions).kernel, new Matrix(M, C, y.map((v) => -v)), { ridge: 1e-6 });
    const expected = (predictor.predict(limitKernel(Xtest, X, fullOptions).kernel, when) as Matrix).data;
    // The eigen-decompositions of K∞ and K∞ ⊗ I differ by their backward errors, 30·n·ε‖K‖ each, moved through φ_t (≤ t²/2).
    const K = limitKernel(X, { activation: 'erf' }).kernel;
    const cross = limitKernel(Xtest, X, { activation: 'erf' }).kernel;
    // ‖K ⊗ I‖_F = √C·‖K‖_F; on ‖K*‖·|y|, and the products' own γ_n.
    const bound = 2 * (when.time ** 2 / 2) * 30 * M * C * Number.EPSILON * Math.sqrt(C) * frobenius(K.data) * frobenius(cross.data) * frobenius(y) + 64 * M * C * U * frobenius(expected);
    expect(maxDifference(p.test, expected)).toBeLessThanOrEqual(bound);
  });

  it('a bad outputCount or y of the wrong length is a typed error', () => {
    expect(() => limitPrediction(X, y, Xtest, { ...options, outputCount: 0 })).toThrow(/^limitPrediction: outputCount must be an integer ≥ 1, got 0$/);
    expect(() => limitPrediction(X, y, Xtest, { ...options, outputCount: 3 })).toThrow(/y has 16 entries, X has 8 rows and the network 3 outputs/);
  });
});
