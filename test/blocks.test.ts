import { describe, expect, it } from 'vitest';
import { Matrix, trsm, TwoLayerNetwork } from '../lib/index.js';
import { backSubstitute, choleskyBlock, forwardSubstitute, smallestEigenvalue } from '../lib/linalg/blocks.js';
import { native } from '../lib/linalg/native.js';
import { spectrum } from '../lib/method/spectrum.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';
import { gamma, LAPACK_THRESHOLD, lowerTriangularCondition, normInf } from './tolerance.js';

/** `count` random SPD q×q blocks, one after another. */
function spdBlocks(q: number, count: number, seed: number): Float64Array {
  const out = new Float64Array(count * q * q);
  for (let b = 0; b < count; b++) out.set(randomSpd(q, seed + b).data, b * q * q);
  return out;
}

describe('block kernels', () => {
  it('choleskyBlock gives L with |L·Lᵀ − A| within Cholesky’s componentwise backward-error bound, and reports the failing minor', () => {
    const q = 5;
    const a = randomSpd(q, 1);
    const l = a.data.slice();
    expect(choleskyBlock(l, 0, q)).toBe(0);
    // Higham Thm 10.3: L·Lᵀ = A + ΔA with |ΔA| ≤ γ_{q+1}·|L|·|Lᵀ|; forming (L·Lᵀ)ᵢⱼ here adds γ_q·(|L|·|Lᵀ|)ᵢⱼ (Lemma 3.1).
    for (let i = 0; i < q; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        let magnitude = 0;
        for (let k = 0; k <= j; k++) {
          s += l[i * q + k]! * l[j * q + k]!;
          magnitude += Math.abs(l[i * q + k]! * l[j * q + k]!);
        }
        expect(Math.abs(s - a.data[i * q + j]!), `entry (${i}, ${j})`).toBeLessThanOrEqual((gamma(q + 1) + gamma(q)) * magnitude);
      }
    }
    const bad = a.data.slice();
    bad[2 * q + 2] = -1;
    expect(choleskyBlock(bad, 0, q)).toBe(3);
  });

  it('forward and back substitution invert L and Lᵀ: A·v = x within the backward-error bound of a Cholesky solve', () => {
    const q = 4;
    const l = spdBlocks(q, 1, 2);
    choleskyBlock(l, 0, q);
    const x = Float64Array.of(1, -2, 3, 0.5);
    const v = x.slice();
    forwardSubstitute(l, 0, q, v, 0);
    backSubstitute(l, 0, q, v, 0);
    // v = (L·Lᵀ)⁻¹x, so A·v = x up to round-off: factorisation and both substitutions together give
    // (A + ΔA)·v = x with |ΔA| ≤ γ_{3q+1}·|L|·|Lᵀ| (Higham Thm 10.4); forming A·v here adds γ_q·|A|·|v| (Lemma 3.1).
    const a = spdBlocks(q, 1, 2);
    for (let i = 0; i < q; i++) {
      let s = 0;
      let magnitudeA = 0;
      let magnitudeL = 0;
      for (let k = 0; k < q; k++) {
        s += a[i * q + k]! * v[k]!;
        magnitudeA += Math.abs(a[i * q + k]! * v[k]!);
        let llt = 0;
        for (let p = 0; p <= Math.min(i, k); p++) llt += Math.abs(l[i * q + p]! * l[k * q + p]!);
        magnitudeL += llt * Math.abs(v[k]!);
      }
      expect(Math.abs(s - x[i]!), `row ${i}`).toBeLessThanOrEqual(gamma(3 * q + 1) * magnitudeL + gamma(q) * magnitudeA);
    }
  });

  it('smallestEigenvalue agrees with LAPACK within both backward errors on random symmetric blocks, including 0 and indefinite ones', () => {
    const work = new Float64Array(64);
    for (let seed = 0; seed < 50; seed++) {
      const q = 1 + (seed % 8);
      const a = randomSymmetric(q, seed);
      const expected = spectrum(a, { vectors: false }).values[0]!;
      // By Weyl's theorem each eigenvalue errs by at most its solver's backward error. Jacobi: each two-sided
      // rotation is exact for a perturbation of at most 2γ₆·‖A‖_F (Higham Lemma 19.8, once per side), over at
      // most 60 sweeps of q(q−1)/2 rotations (the loop’s cap), and it stops with ‖off-diagonal‖_F ≤ √2·1e-17·‖A‖_F.
      // LAPACK: 30·q·ε·‖A‖₂ (its test threshold), ‖A‖₂ ≤ ‖A‖_F.
      const norm = Math.hypot(...a.data);
      const jacobi = (60 * ((q * (q - 1)) / 2) * 2 * gamma(6) + Math.SQRT2 * 1e-17) * norm;
      const lapack = LAPACK_THRESHOLD * q * Number.EPSILON * norm;
      expect(Math.abs(smallestEigenvalue(a.data, 0, q, work) - expected), `seed ${seed}`).toBeLessThanOrEqual(jacobi + lapack);
    }
    expect(smallestEigenvalue(new Float64Array(9), 0, 3, work)).toBe(0);
  });

  // q = d + 2 (bias) or d + 1: 2…8 and 10 take the compiled-q loops, 9 and 12 the general one;
  // M·N·q ≥ 2¹⁷ entries split over two threads when two are set.
  it.each([
    [1, true, 5, 3],
    [2, true, 9, 11],
    [3, false, 4, 6],
    [6, true, 3, 5],
    [8, true, 7, 4],
    [7, true, 6, 4],
    [10, true, 2, 3],
    [2, true, 600, 60],
  ])('jacobianBlock whitened by Lᵢ (d = %i, bias %s, M = %i, nc = %i) agrees with the plain block solved segment by segment by LAPACK dtrsm, row by row within γ_{q+1}·κ∞(Lᵢ)', (d, bias, m, nc) => {
    const net = TwoLayerNetwork.initialize({ width: nc + 3, dim: d, bias, activation: 'tanh', seed: d });
    const q = net.blockSize;
    const X = randomMatrix(m, d, 40 + d);
    const xt = net.augment(X);
    const [from, to] = [2, 2 + nc];
    const factors = spdBlocks(q, nc, 20 + d);
    for (let b = 0; b < nc; b++) choleskyBlock(factors, b * q * q, q);
    const plain = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true })).clone();
    const whitened = net.jacobianBlock(xt, net.features(xt, from, to, { value: true, slope: true }), undefined, factors);
    const width = nc * q;
    // Both sides solve L_b·z = j for every row j of the block, by substitution (the native loop multiplies by
    // reciprocal diagonals, dtrsm in whatever order its kernel family sums): each computed z satisfies
    // (L_b + ΔL)·z = j with ‖ΔL‖∞ ≤ γ_{q+1}·‖L_b‖∞ (Higham Thm 8.5, one more rounding for the reciprocal), so
    // ‖z − z_exact‖∞ ≤ γ_{q+1}·κ∞(L_b)·‖z‖∞, and the two differ by at most the sum of the two bounds: per row,
    // normwise, so an entry that is tiny by cancellation is judged against its row's norm.
    let worst = 0;
    for (let b = 0; b < nc; b++) {
      const zb = new Matrix(m, q);
      for (let j = 0; j < m; j++) zb.data.set(plain.data.subarray(j * width + b * q, j * width + (b + 1) * q), j * q);
      // Z_b = J_b·L_b⁻ᵀ.
      trsm(new Matrix(q, q, factors.slice(b * q * q, (b + 1) * q * q)), zb, { side: 'right', transA: true });
      const perNorm = gamma(q + 1) * lowerTriangularCondition(factors, b * q * q, q);
      for (let j = 0; j < m; j++) {
        const expected = zb.data.subarray(j * q, (j + 1) * q);
        const actual = whitened.data.subarray(j * width + b * q, j * width + (b + 1) * q);
        const difference = normInf(expected.map((v, i) => v - actual[i]!));
        const bound = perNorm * (normInf(expected) + normInf(actual));
        worst = Math.max(worst, bound > 0 ? difference / bound : difference === 0 ? 0 : Infinity);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('jacobianBlock refuses whitening factors of the wrong size and features without σ or σ′', () => {
    const net = TwoLayerNetwork.initialize({ width: 4, dim: 2, activation: 'tanh', seed: 1 });
    const xt = net.augment(randomMatrix(3, 2, 1));
    const features = net.features(xt, 0, 2, { value: true, slope: true });
    expect(() => net.jacobianBlock(xt, features, undefined, new Float64Array(2 * 16 - 1))).toThrow(/2 blocks of 4×4/);
    expect(() => net.jacobianBlock(xt, net.features(xt, 0, 2, { value: true }))).toThrow(TypeError);
  });

  it('the native jacobianblock refuses arrays shorter than its dimensions (the floor under the TypeScript checks)', () => {
    const a = new Float64Array(4);
    expect(() => native.jacobianblock(0, 1, 1, a, a, a, a, 1, null, a)).toThrow(RangeError);
    expect(() => native.jacobianblock(1, 1, 1, a, a, a, a, 1, new Float64Array(3), a)).toThrow(RangeError);
    expect(() => native.jacobianblock(1, 2, 3, a, a, a, a, 1, null, a)).toThrow(RangeError);
    expect(() => native.jacobianblockAsync(1, 2, 3, a, a, a, a, 1, null, a)).toThrow(RangeError);
  });
});
