/**
 * kernel(net, X1, X2?, options), the finite-width entry point of
 * docs/math.md §4, against the explicit definitions built here from the
 * Jacobian J (all neurons' columns, formed by jacobianBlock):
 * - 'ntk' is J·Jᵀ/M, entry by entry within the bound of two P-term sums;
 * - 'nntk' by the kernel path, Q·(M·I + Q)⁻¹, is the dense J·(H + λI)⁻¹·Jᵀ/M
 *   with H = JᵀJ/M + S formed and factored as a P×P matrix, within the
 *   forward-error bound of the solve (κ₂(H + λI));
 * - the cross-kernel at X2 = X1 is the square kernel, X2 is the training set
 *   (the M of 1/M and of the inverse), and the argument forms agree bitwise;
 * - bad X2, y and options are typed errors naming the argument.
 * The numpy cross-checks of the same kernels are in method.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { gemm, kernel, Matrix, NewtonSystem, potrf, potrs, syevd, TwoLayerNetwork, type Hessian, type NetworkConfig } from '../lib/index.js';
import { randomMatrix } from './random.js';
import { gamma, U } from './tolerance.js';

interface Case {
  name: string;
  net: TwoLayerNetwork;
  X: Matrix;
  y: Float64Array;
}

const cases: Case[] = (
  [
    [{ width: 30, dim: 3, activation: 'tanh', beta: 0.5, bias: true }, 10],
    [{ width: 24, dim: 2, activation: 'relu', beta: 1, bias: false }, 9],
    [{ width: 8, dim: 12, activation: 'softplus', beta: 0.5, bias: true }, 11],
  ] as const
).map(([config, m], index) => {
  const net = TwoLayerNetwork.initialize(config as NetworkConfig, { seed: 10 + index });
  const X = randomMatrix(m, config.dim, 20 + index);
  const y = randomMatrix(1, m, 30 + index).data;
  return { name: `${config.activation}, d = ${config.dim}, ${config.bias ? 'bias' : 'no bias'}`, net, X, y };
});

/** The M × P Jacobian of every neuron at the rows of X. */
function jacobian(net: TwoLayerNetwork, X: Matrix): Matrix {
  const xt = net.augment(X);
  return net.jacobianBlock(xt, net.features(xt, 0, net.width, { value: true, slope: true })).clone();
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}

function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = Array.from(a, (v, i) => v - b[i]!);
  return frobenius(d) / frobenius(b);
}

/** λ twice the certified `auto` λ of the full Hessian plus 1e-3 (well inside the positive-definite range); 1e-3 for Gauss–Newton. */
function lambdaFor(c: Case, hessian: Hessian): number {
  return hessian === 'full' ? 2 * kernel(c.net, c.X, { kind: 'nntk', y: c.y }).lambda! + 1e-3 : 1e-3;
}

describe.each(cases)('$name', (c) => {
  const M = c.X.rows;
  const P = c.net.parameterCount;

  it("'ntk' (the default kind) is J·Jᵀ/M entry by entry within 2γ_P·(|J|·|J|ᵀ)/M", () => {
    const J = jacobian(c.net, c.X);
    const expected = gemm(J, J, { transB: true, alpha: 1 / M });
    const absJ = new Matrix(J.rows, J.cols, J.data.map(Math.abs));
    const magnitude = gemm(absJ, absJ, { transB: true, alpha: 1 / M });
    const result = kernel(c.net, c.X);
    expect(result.kind).toBe('ntk');
    expect(result.lambda).toBeUndefined();
    expect([result.kernel.rows, result.kernel.cols]).toEqual([M, M]);
    // Both sides sum P products per entry (Higham, eq. 3.5), each within γ_P of |J||J|ᵀ; + 16 for the structured form's few extra roundings.
    for (let i = 0; i < M * M; i++) {
      expect(Math.abs(result.kernel.data[i]! - expected.data[i]!)).toBeLessThanOrEqual(2 * gamma(P + 16) * magnitude.data[i]!);
    }
  });

  for (const hessian of ['full', 'gauss-newton'] as const) {
    it(`'nntk', ${hessian}: the kernel path Q·(M·I + Q)⁻¹ equals the dense J·(H + λI)⁻¹·Jᵀ/M within the solve's forward-error bound`, () => {
      const lambda = lambdaFor(c, hessian);
      const J = jacobian(c.net, c.X);
      const H = gemm(J, J, { transA: true, alpha: 1 / M });
      const q = c.net.blockSize;
      if (hessian === 'full') {
        const { blocks } = new NewtonSystem(c.net, c.X, c.y).curvature;
        for (let i = 0; i < c.net.width; i++) {
          for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) H.data[(i * q + a) * P + i * q + b]! += blocks[i * q * q + a * q + b]!;
        }
      }
      for (let p = 0; p < P; p++) H.data[p * P + p]! += lambda;
      const { values } = syevd(H.clone(), { vectors: false });
      expect(values[0]).toBeGreaterThan(0);
      const kappa = values[P - 1]! / values[0]!;
      // Y = J·(H + λI)⁻¹ row by row, then 𝒦 = J·Yᵀ/M.
      const Y = potrs(potrf(H.clone()), J.clone());
      const expected = gemm(J, Y, { transB: true, alpha: 1 / M });
      const result = kernel(c.net, c.X, { kind: 'nntk', hessian, lambda, y: c.y });
      expect(result).toMatchObject({ kind: 'nntk', lambda });
      expect(result.certificate).toBeGreaterThan(0);
      // Each route solves a perturbed system: relative error ≤ κ·(c·P + M)·u in (H + λI)⁻¹ (Higham, Thm 10.4 and §7.1),
      // grown by ‖J‖²‖(H + λI)⁻¹‖/(M‖𝒦‖) on the way to 𝒦; 16 covers the constants, 2 the two routes.
      const amplification = (frobenius(J.data) ** 2 / values[0]! / M) / frobenius(expected.data);
      const tolerance = 2 * 16 * amplification * kappa * (P + M) * U;
      expect(tolerance).toBeLessThan(1e-5);
      expect(relativeDifference(result.kernel.data, expected.data)).toBeLessThanOrEqual(tolerance);
    });
  }

  it('square kernels are exactly symmetric, and kernel(net, X, X) equals kernel(net, X) to round-off', () => {
    const lambda = lambdaFor(c, 'full');
    for (const options of [{}, { kind: 'nntk', lambda, y: c.y }, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3 }] as const) {
      const square = kernel(c.net, c.X, options).kernel;
      for (let i = 0; i < M; i++) for (let j = 0; j < i; j++) expect(square.data[i * M + j]).toBe(square.data[j * M + i]);
      const cross = kernel(c.net, c.X, c.X, options).kernel;
      // Both routes share λ and the factor of M·I + Q; Q (or J·Jᵀ) is summed in another order, a relative
      // (P + 16)u each, and the solve grows that by κ₂(M·I + Q) = 1/(1 − μ_max(𝒦_N)) (𝒦_N's eigenvalues are q/(M + q)).
      const mu = options.kind === 'nntk' ? syevd(square.clone(), { vectors: false }).values[M - 1]! : 0;
      expect(mu).toBeLessThan(1);
      const tolerance = 2 * 16 * (P + M) * U / (1 - mu);
      expect(relativeDifference(cross.data, square.data)).toBeLessThanOrEqual(tolerance);
    }
  });
});

describe('the roles of X1 and X2', () => {
  const c = cases[0]!;
  const Xtest = randomMatrix(4, 3, 99);

  it('X1.rows × X2.rows with row i for X1[i]: a row of the cross-kernel is the kernel of that one point against X2', () => {
    for (const options of [{}, { kind: 'nntk', hessian: 'gauss-newton', lambda: 1e-3 }] as const) {
      const K = kernel(c.net, Xtest, c.X, options).kernel;
      expect([K.rows, K.cols]).toEqual([4, c.X.rows]);
      for (let i = 0; i < 4; i++) {
        const row = kernel(c.net, new Matrix(1, 3, Xtest.data.slice(3 * i, 3 * i + 3)), c.X, options).kernel.data;
        expect(relativeDifference(K.data.subarray(i * c.X.rows, (i + 1) * c.X.rows), row)).toBeLessThanOrEqual(1e-13);
      }
    }
  });

  it('X2 is the training set: the NTK is divided by X2.rows and the full-Hessian Newton kernel reads y at X2', () => {
    const J1 = jacobian(c.net, Xtest);
    const J2 = jacobian(c.net, c.X);
    const expected = gemm(J1, J2, { transB: true, alpha: 1 / c.X.rows });
    expect(relativeDifference(kernel(c.net, Xtest, c.X).kernel.data, expected.data)).toBeLessThanOrEqual(4 * gamma(c.net.parameterCount + 16));
    const full = kernel(c.net, Xtest, c.X, { kind: 'nntk', y: c.y });
    expect(full.lambda).toBe(kernel(c.net, c.X, { kind: 'nntk', y: c.y }).lambda);
    expect(() => kernel(c.net, Xtest, c.X, { kind: 'nntk', y: new Float64Array(Xtest.rows) })).toThrow(/kernel: y has 4 entries, X2 has 10 rows/);
  });

  it('kernel(net, X, undefined, options) and kernel(net, X, options) are the same call (bitwise)', () => {
    const options = { kind: 'nntk', y: c.y } as const;
    expect(kernel(c.net, c.X, undefined, options).kernel.data).toEqual(kernel(c.net, c.X, options).kernel.data);
  });
});

describe('bad arguments', () => {
  const c = cases[0]!;
  const { net, X, y } = c;

  it.each([
    ['X2 with the wrong number of columns', () => kernel(net, X, randomMatrix(2, 4, 1)), RangeError, /^kernel: X2 must have d = 3 columns, got 2×4$/],
    ['X2 without rows', () => kernel(net, X, new Matrix(0, 3)), RangeError, /^kernel: X2 must have at least one row/],
    ['X1 with the wrong number of columns', () => kernel(net, randomMatrix(2, 2, 1), X), RangeError, /^kernel: X1 must have d = 3 columns/],
    ['X2 with a NaN', () => kernel(net, X, new Matrix(1, 3, Float64Array.of(0, NaN, 0))), Error, /kernel: .*X2/],
    ['options after something that is not a Matrix', () => kernel(net, X, { kind: 'ntk' } as unknown as Matrix, {}), TypeError, /^kernel: X2 must be a Matrix/],
    ['an unknown option key', () => kernel(net, X, { kind: 'nntk', lamda: 1 } as object), TypeError, /^kernel: unknown option 'lamda'; did you mean 'lambda'\?/],
    ['a misspelt kind key', () => kernel(net, X, { Kind: 'nntk' } as object), TypeError, /did you mean 'kind'\?/],
    ['an unknown kind', () => kernel(net, X, { kind: 'gd' as 'ntk' }), RangeError, /^kernel: kind must be 'ntk' or 'nntk', got gd$/],
    ['lambda with the NTK', () => kernel(net, X, { lambda: 1 }), RangeError, /^kernel: lambda applies to kind 'nntk' only$/],
    ['hessian with the NTK', () => kernel(net, X, { hessian: 'full' }), RangeError, /^kernel: hessian applies to kind 'nntk' only$/],
    ['the full-Hessian Newton kernel without y', () => kernel(net, X, { kind: 'nntk' }), TypeError, /needs the targets y at the training set X1/],
    ['y of the wrong length', () => kernel(net, X, { kind: 'nntk', y: y.subarray(1) }), RangeError, /^kernel: y has 9 entries, X1 has 10 rows$/],
    ['an unknown hessian', () => kernel(net, X, { kind: 'nntk', hessian: 'gn' as Hessian, y }), RangeError, /^kernel: hessian must be 'full' or 'gauss-newton'/],
    ['λ ≤ 0', () => kernel(net, X, { kind: 'nntk', hessian: 'gauss-newton', lambda: 0 }), RangeError, /^kernel: λ must be a finite number > 0/],
  ] as const)('%s: a typed error naming it', (_, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });
});
