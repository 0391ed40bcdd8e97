/**
 * The infinite-width kernels of a network with C outputs (docs/math.md §8):
 * the off-diagonal output blocks vanish and each diagonal block is the
 * one-output kernel, so
 * - outputs 'full' is the one-output kernel ⊗ I_C, sample-major (index j·C + k),
 *   for the NTK, the Newton NTK and their cross-kernels, exactly;
 * - outputs 'trace' (the default), the mean of the diagonal blocks, is the
 *   one-output kernel for every C, bitwise;
 * - a bad outputs or outputCount is a typed error naming it.
 */
import { describe, expect, it } from 'vitest';
import { limitKernel, limitNewtonKernel, outputTrace, type LimitKernelOptions } from '../lib/index.js';
import { randomMatrix } from './random.js';
import { gamma } from './tolerance.js';

const X = randomMatrix(7, 3, 41);
const Xtest = randomMatrix(4, 3, 42);
const C = 3;

/** Entry (j·C + k, l·C + k′) against δ_kk′·K[j, l], bitwise. */
function expectKroneckerIdentity(full: { rows: number; cols: number; data: Float64Array }, K: { rows: number; cols: number; data: Float64Array }, outputs: number): void {
  expect([full.rows, full.cols]).toEqual([K.rows * outputs, K.cols * outputs]);
  for (let r = 0; r < full.rows; r++) {
    for (let s = 0; s < full.cols; s++) {
      const expected = r % outputs === s % outputs ? K.data[Math.floor(r / outputs) * K.cols + Math.floor(s / outputs)]! : 0;
      expect(full.data[r * full.cols + s]).toBe(expected);
    }
  }
}

const variants: [string, LimitKernelOptions][] = [
  ['relu NTK', { activation: 'relu' }],
  ['tanh NTK (adaptive rule)', { activation: 'tanh' }],
  ['erf Newton NTK', { activation: 'erf', kind: 'nntk', lambda: 1e-2 }],
];

describe.each(variants)('%s', (_, options) => {
  it("'full' is the one-output kernel ⊗ I_C, square and cross, with the one-output error estimate", () => {
    for (const [rows, training] of [[X, undefined], [Xtest, X]] as const) {
      const one = limitKernel(rows, training, options);
      const full = limitKernel(rows, training, { ...options, outputs: 'full', outputCount: C });
      expectKroneckerIdentity(full.kernel, one.kernel, C);
      expect(full.errorEstimate).toBe(one.errorEstimate);
      expect(full.kind).toBe(one.kind);
    }
  });

  it("'trace' (the default) is the one-output kernel for any outputCount, bitwise, and the mean of the full kernel's diagonal blocks", () => {
    const one = limitKernel(Xtest, X, options);
    const traced = limitKernel(Xtest, X, { ...options, outputs: 'trace', outputCount: C });
    expect(traced.kernel.data).toEqual(one.kernel.data);
    const mean = outputTrace(limitKernel(Xtest, X, { ...options, outputs: 'full', outputCount: C }).kernel, C);
    // (v + v + v)/3: C − 1 additions and a division, each one rounding (Higham, Lemma 3.1).
    for (let i = 0; i < mean.data.length; i++) expect(Math.abs(mean.data[i]! - one.kernel.data[i]!)).toBeLessThanOrEqual(gamma(C) * Math.abs(one.kernel.data[i]!));
  });
});

describe('the full limit Newton NTK', () => {
  it('equals limitNewtonKernel applied to the full limit NTKs (K ⊗ I)(λI + K ⊗ I)⁻¹ within the solve’s round-off', () => {
    const lambda = 1e-2;
    const o: LimitKernelOptions = { activation: 'erf', outputs: 'full', outputCount: C };
    const expected = limitNewtonKernel(limitKernel(X, o), lambda, limitKernel(Xtest, X, o)).kernel;
    const got = limitKernel(Xtest, X, { ...o, kind: 'nntk', lambda }).kernel;
    // Both solve with λI + K∞/M (κ ≤ 1 + ‖K∞/M‖/λ): forward error ≤ 2κ·γ_{n}·‖K*‖ per entry, n = M·C (Higham, Thm 10.4 and §7.2).
    const square = limitKernel(X, { activation: 'erf' }).kernel;
    let norm = 0;
    for (let i = 0; i < square.rows; i++) {
      let s = 0;
      for (let j = 0; j < square.cols; j++) s += Math.abs(square.data[i * square.cols + j]!);
      norm = Math.max(norm, s);
    }
    const kappa = 1 + norm / lambda;
    const bound = 2 * kappa * gamma(X.rows * C * 4);
    for (let i = 0; i < got.data.length; i++) expect(Math.abs(got.data[i]! - expected.data[i]!)).toBeLessThanOrEqual(bound);
  });
});

describe('bad outputs options', () => {
  it('are typed errors naming the option', () => {
    expect(() => limitKernel(X, { activation: 'relu', outputs: 'diagonal' as never })).toThrow(/outputs must be 'trace' or 'full', got diagonal/);
    expect(() => limitKernel(X, { activation: 'relu', outputs: 'full', outputCount: 0 })).toThrow(RangeError);
    expect(() => limitKernel(X, { activation: 'relu', outputs: 'full', outputCount: 1.5 })).toThrow(/outputCount must be an integer ≥ 1, got 1.5/);
    expect(() => limitKernel(X, { activation: 'relu', outputCount: '2' as never })).toThrow(TypeError);
    expect(() => limitKernel(X, { activation: 'relu', outputcount: 2 } as never)).toThrow(/did you mean 'outputCount'/);
  });
});
