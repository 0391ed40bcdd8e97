/**
 * The kernels of a network of C outputs (docs/math.md §8) against the
 * independent numpy reference test/reference/multi_output.py (explicit
 * Jacobian J, written from docs/math.md alone), within the round-off bounds it
 * reports:
 * - kernel(net, X, { outputs: 'full' }) is its Θ/M = J·Jᵀ/M, (M·C)×(M·C);
 *   the default 'trace' its mean of the C diagonal blocks; the cross-kernels
 *   at X* likewise; the full kernel's largest eigenvalue is 1/its gradient-descent step;
 * - kind 'nntk' (full Hessian and Gauss–Newton): the full 𝒦_N = Q(M·I + Q)⁻¹
 *   by the kernel path is its dense J(H + λI)⁻¹Jᵀ/M, the traced one its mean
 *   of the diagonal blocks, square and cross;
 * - limitKernel(X, { outputs: 'full', outputCount: C }) is its closed-form
 *   K∞ ⊗ I_C / M (relu, erf), square and cross.
 */
import { describe, expect, it } from 'vitest';
import { defaultLearningRate, kernel, limitKernel, spectrum, TwoLayerNetwork, type Activation, type MatrixLike } from '../lib/index.js';
import { EPS, multiOutputReference, norm, relativeDifference } from './multi-output-reference.js';
import { gamma } from './tolerance.js';
import { randomMatrix } from './random.js';

const C = 3;
const M = 5;

const cases = (
  [
    ['tanh', true],
    ['relu', false],
    ['erf', true],
    ['softplus', false],
  ] as const
).map(([activation, bias], i) => ({
  net: TwoLayerNetwork.initialize({ width: 11, dim: 2, outputs: C, activation: activation as Activation, bias }, { seed: 100 + i }),
  X: randomMatrix(M, 2, 110 + i),
  Xstar: randomMatrix(3, 2, 120 + i),
  y: randomMatrix(M, C, 130 + i).data,
  ...(activation === 'relu' || activation === 'erf' ? { limit: {} } : {}),
}));
// λ: twice the library's certified 'auto' λ of the full Hessian plus a margin (A = S + λI positive definite), 0.05 for Gauss–Newton.
const lambdas = cases.map(({ net, X, y }) => ({ full: 2 * kernel(net, X, { kind: 'nntk', y }).lambda! + 0.1, 'gauss-newton': 0.05 }));
const references = multiOutputReference(cases.map((c, i) => ({ ...c, lambda: lambdas[i]! })));

/** ‖a − b‖_F/‖b‖_F, after checking that a has b's shape. */
function relative(a: MatrixLike, rows: number, cols: number, b: number[]): number {
  expect([a.rows, a.cols]).toEqual([rows, cols]);
  expect(b.length).toBe(rows * cols);
  return relativeDifference(a.data, b);
}

describe.each(cases.map((c, i) => ({ ...c, ref: references[i]!, lambda: lambdas[i]!, label: `${c.net.config.activation}, bias ${String(c.net.config.bias)}` })))('$label', ({ net, X, Xstar, y, ref, lambda }) => {
  const ms = Xstar.rows;

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`'nntk', ${hessian}: the full 𝒦_N = Q(M·I + Q)⁻¹ and its trace are the reference's dense J(H + λI)⁻¹Jᵀ/M, square and cross, within the solves' bounds`, () => {
      const e = ref[hessian]!;
      const options = { kind: 'nntk', hessian, lambda: lambda[hessian], y } as const;
      // Both routes solve a perturbed system (the reference's agreementBound: κ(H + λI) and κ(A)κ(M·I + Q) times (P + M·C)ε),
      // grown on the way to 𝒦_N by its kernelAmplification (crossAmplification for the cross-kernel).
      const bound = e.kernelAmplification * e.agreementBound!;
      const crossBound = e.crossAmplification! * e.agreementBound!;
      expect(bound).toBeLessThan(1e-6);
      const full = kernel(net, X, { ...options, outputs: 'full' });
      expect(full).toMatchObject({ kind: 'nntk', lambda: lambda[hessian] });
      expect(full.certificate).toBeCloseTo(e.certificate, 12);
      expect(relative(full.kernel, M * C, M * C, e.nntk)).toBeLessThanOrEqual(bound);
      expect(relative(kernel(net, Xstar, X, { ...options, outputs: 'full' }).kernel, ms * C, M * C, e.nntkCross!)).toBeLessThanOrEqual(crossBound);
      // The trace of an error ΔK has ‖·‖_F ≤ ‖ΔK‖_F/√C; the mean itself rounds C times.
      const traceBound = (error: number, K: number[], T: number[]) => (error * norm(K)) / Math.sqrt(C) / norm(T) + gamma(C);
      expect(relative(kernel(net, X, options).kernel, M, M, e.nntkTraced)).toBeLessThanOrEqual(traceBound(bound, e.nntk, e.nntkTraced));
      expect(relative(kernel(net, Xstar, X, options).kernel, ms, M, e.nntkCrossTraced!)).toBeLessThanOrEqual(traceBound(crossBound, e.nntkCross!, e.nntkCrossTraced!));
    });
  }

  it("outputs 'full' is the reference's Θ/M = J·Jᵀ/M and 'trace' its mean of the C diagonal blocks, within its round-off bounds", () => {
    expect(relative(kernel(net, X, { outputs: 'full' }).kernel, M * C, M * C, ref.ntk)).toBeLessThanOrEqual(ref.ntkError);
    expect(relative(kernel(net, X).kernel, M, M, ref.ntkTraced)).toBeLessThanOrEqual(ref.ntkTracedError);
  });

  it('spectra work on the full kernel: its μ_max (spectrum, dsyevr) and defaultLearningRate are 1/the reference’s gradient-descent step', () => {
    const full = kernel(net, X, { outputs: 'full' }).kernel;
    const largest = spectrum(full, { vectors: false, largest: 1 }).values[0]!;
    const all = spectrum(full, { vectors: false }).values;
    expect(all.length).toBe(M * C);
    // Weyl: |Δμ| ≤ ‖ΔK‖₂ ≤ ‖ΔK‖_F, the two kernels' difference (ntkError·‖K‖_F) plus each solver's 30·n·ε‖K‖ (LAPACK).
    const bound = (ref.ntkError + 2 * 30 * M * C * EPS) * norm(ref.ntk);
    expect(Math.abs(largest - 1 / ref.gdStep)).toBeLessThanOrEqual(bound);
    expect(Math.abs(all[M * C - 1]! - 1 / ref.gdStep)).toBeLessThanOrEqual(bound);
    expect(Math.abs(1 / defaultLearningRate(net, X) - 1 / ref.gdStep)).toBeLessThanOrEqual(bound);
  });

  it('the cross-kernels J(X*)·J(X)ᵀ/M, full and traced, are the reference’s', () => {
    expect(relative(kernel(net, Xstar, X, { outputs: 'full' }).kernel, ms * C, M * C, ref.ntkCross!)).toBeLessThanOrEqual(ref.ntkCrossError!);
    expect(relative(kernel(net, Xstar, X).kernel, ms, M, ref.ntkCrossTraced!)).toBeLessThanOrEqual(ref.ntkCrossError!);
  });
});

describe.each(cases.filter((c) => c.limit !== undefined).map((c) => ({ ...c, ref: references[cases.indexOf(c)]!, activation: c.net.config.activation })))('limit, $activation', ({ net, X, Xstar, ref, activation }) => {
  it("limitKernel { outputs: 'full', outputCount: C } is the reference's closed-form K∞ ⊗ I_C / M, square and cross", () => {
    const options = { activation, bias: net.config.bias, outputs: 'full', outputCount: C } as const;
    // The closed forms: a few dozen correctly rounded operations and the dot products of k = d + 1 terms, on both sides.
    const bound = 256 * EPS;
    expect(relative(limitKernel(X, options).kernel, M * C, M * C, ref.limit!.kernelFull)).toBeLessThanOrEqual(bound);
    const cross = limitKernel(Xstar, X, options).kernel;
    expect([cross.rows, cross.cols]).toEqual([Xstar.rows * C, M * C]);
    // The reference gives K∞(X*, X)/M for one output: the full cross-kernel is it ⊗ I_C.
    const one = ref.limit!.cross!;
    let worst = 0;
    let size = 0;
    for (let r = 0; r < cross.rows; r++) {
      for (let s = 0; s < cross.cols; s++) {
        const expected = r % C === s % C ? one[Math.floor(r / C) * M + Math.floor(s / C)]! : 0;
        worst = Math.max(worst, Math.abs(cross.data[r * cross.cols + s]! - expected));
        size = Math.max(size, Math.abs(expected));
      }
    }
    expect(worst).toBeLessThanOrEqual(bound * size);
  });
});
