/**
 * kernel(net, X1, X2?, { outputs }) for a network of C > 1 outputs
 * (docs/math.md §8), against J·Jᵀ with the (M·C)×P Jacobian J assembled from
 * the definition (test/output-jacobian.ts):
 * - outputs 'full' is Θ/M = J·Jᵀ/M ((M·C)×(M·C), exactly symmetric), the
 *   cross-kernel J(X*)·J(X)ᵀ/M ((M*·C)×(M·C));
 * - outputs 'trace' (the default) is the mean of the C diagonal blocks of J·Jᵀ/M;
 * - the Newton kernel's full form is square, symmetric, and its trace the mean
 *   of its diagonal blocks (its values against numpy: multi-output-kernel-reference.test.ts);
 * - for C = 1, 'full' and 'trace' are the one-output kernel, bitwise;
 * - a bad outputs option is a typed error.
 * The independent numpy reference of the same kernels is checked in
 * multi-output-reference.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { gemm, kernel, Matrix, outputTrace, TwoLayerNetwork, type NetworkConfig } from '../lib/index.js';
import { outputJacobian } from './output-jacobian.js';
import { randomMatrix } from './random.js';
import { gamma } from './tolerance.js';

const abs = (a: Matrix) => new Matrix(a.rows, a.cols, a.data.map(Math.abs));

/** |got − A·Bᵀ/M| ≤ 2γ_{P+16}·(|A|·|B|ᵀ)/M entry by entry: both sides sum P products (Higham, eq. 3.5), + 16 for the structured form's extra roundings. */
function expectProduct(got: Matrix, A: Matrix, B: Matrix, m: number): void {
  const expected = gemm(A, B, { transB: true, alpha: 1 / m });
  const magnitude = gemm(abs(A), abs(B), { transB: true, alpha: 1 / m });
  expect([got.rows, got.cols]).toEqual([expected.rows, expected.cols]);
  const bound = 2 * gamma(A.cols + 16);
  for (let i = 0; i < got.data.length; i++) expect(Math.abs(got.data[i]! - expected.data[i]!)).toBeLessThanOrEqual(bound * magnitude.data[i]!);
}

const cases = (
  [
    [{ width: 20, dim: 3, activation: 'tanh', beta: 0.5, bias: true, outputs: 3 }, 7],
    [{ width: 16, dim: 2, activation: 'relu', beta: 1, bias: false, outputs: 2 }, 6],
    [{ width: 9, dim: 4, activation: 'softplus', beta: 0.5, bias: true, outputs: 4 }, 5],
  ] as const
).map(([config, m], index) => ({
  name: `${config.activation}, C = ${config.outputs}, ${config.bias ? 'bias' : 'no bias'}`,
  net: TwoLayerNetwork.initialize(config as NetworkConfig, { seed: 70 + index }),
  X: randomMatrix(m, config.dim, 80 + index),
  Xtest: randomMatrix(3, config.dim, 90 + index),
}));

describe.each(cases)('$name', ({ net, X, Xtest }) => {
  const C = net.outputs;
  const M = X.rows;

  it("outputs 'full' is J·Jᵀ/M, (M·C)×(M·C) sample-major and exactly symmetric", () => {
    const J = outputJacobian(net, X);
    const K = kernel(net, X, { outputs: 'full' }).kernel;
    expectProduct(K, J, J, M);
    const n = M * C;
    for (let r = 0; r < n; r++) for (let s = 0; s < r; s++) expect(K.data[r * n + s]).toBe(K.data[s * n + r]);
    // The structure that makes it cheap: output blocks of different k, k′ have no σσᵀ term.
    expect(K.data[1]).not.toBe(0);
  });

  it("the full cross-kernel is J(X*)·J(X)ᵀ/M, (M*·C)×(M·C), and kernel(net, X, X) is kernel(net, X) to round-off", () => {
    expectProduct(kernel(net, Xtest, X, { outputs: 'full' }).kernel, outputJacobian(net, Xtest), outputJacobian(net, X), M);
    expectProduct(kernel(net, X, X, { outputs: 'full' }).kernel, outputJacobian(net, X), outputJacobian(net, X), M);
  });

  it("outputs 'trace' (the default) is the mean of the C diagonal blocks of J·Jᵀ/M, square and cross", () => {
    for (const [rows, training] of [[X, undefined], [Xtest, X]] as const) {
      const J1 = outputJacobian(net, rows);
      const J2 = outputJacobian(net, training ?? rows);
      const traced = kernel(net, rows, training).kernel;
      expect(kernel(net, rows, training, { outputs: 'trace' }).kernel.data).toEqual(traced.data);
      const mean = outputTrace(gemm(J1, J2, { transB: true, alpha: 1 / M }), C);
      const magnitude = outputTrace(gemm(abs(J1), abs(J2), { transB: true, alpha: 1 / M }), C);
      // The mean of C entries each within 2γ_{P+16} of its magnitude, and C roundings of the mean itself.
      const bound = 2 * gamma(J1.cols + 16) + gamma(C);
      for (let i = 0; i < traced.data.length; i++) expect(Math.abs(traced.data[i]! - mean.data[i]!)).toBeLessThanOrEqual(bound * magnitude.data[i]!);
    }
  });
});

describe("the Newton kernel of C outputs ('nntk')", () => {
  const net = TwoLayerNetwork.initialize({ width: 14, dim: 2, outputs: 3 }, { seed: 9 });
  const X = randomMatrix(6, 2, 10);
  const Xtest = randomMatrix(4, 2, 11);
  const y = randomMatrix(6, 3, 12).data;
  const C = 3;

  for (const options of [{ kind: 'nntk', y }, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-2 }] as const) {
    it(`${options.hessian ?? 'full'} Hessian: the full kernel is (M·C)×(M·C) and exactly symmetric, the traced one its mean of diagonal blocks bitwise, square and cross`, () => {
      const full = kernel(net, X, { ...options, outputs: 'full' });
      const n = X.rows * C;
      expect([full.kernel.rows, full.kernel.cols]).toEqual([n, n]);
      for (let r = 0; r < n; r++) for (let s = 0; s < r; s++) expect(full.kernel.data[r * n + s]).toBe(full.kernel.data[s * n + r]);
      const traced = kernel(net, X, options);
      expect(traced.lambda).toBe(full.lambda);
      expect(traced.kernel.data).toEqual(outputTrace(full.kernel, C).data);
      const cross = kernel(net, Xtest, X, { ...options, outputs: 'full' }).kernel;
      expect([cross.rows, cross.cols]).toEqual([Xtest.rows * C, n]);
      expect(kernel(net, Xtest, X, options).kernel.data).toEqual(outputTrace(cross, C).data);
    });
  }

  it('y must hold M·C targets, sample-major', () => {
    expect(() => kernel(net, X, { kind: 'nntk', y: y.subarray(0, 6) })).toThrow(/^kernel: y has 6 entries, X1 has 6 rows and the network 3 outputs/);
  });
});

describe('one output', () => {
  const net = TwoLayerNetwork.initialize({ width: 12, dim: 2 }, { seed: 5 });
  const X = randomMatrix(6, 2, 6);
  it("'full' and 'trace' are the one-output kernel, bitwise, square and cross", () => {
    const plain = kernel(net, X).kernel.data;
    expect(kernel(net, X, { outputs: 'full' }).kernel.data).toEqual(plain);
    expect(kernel(net, X, { outputs: 'trace' }).kernel.data).toEqual(plain);
    const Xtest = randomMatrix(3, 2, 7);
    expect(kernel(net, Xtest, X, { outputs: 'full' }).kernel.data).toEqual(kernel(net, Xtest, X).kernel.data);
  });
});

describe('bad outputs', () => {
  it('an unknown outputs value is a RangeError naming the option', () => {
    const net = TwoLayerNetwork.initialize({ width: 4, dim: 2, outputs: 2 });
    expect(() => kernel(net, randomMatrix(3, 2, 1), { outputs: 'diagonal' as never })).toThrow(/^kernel: outputs must be 'trace' or 'full', got diagonal$/);
    expect(() => kernel(net, randomMatrix(3, 2, 1), { output: 'full' } as never)).toThrow(/did you mean 'outputs'/);
  });
});
