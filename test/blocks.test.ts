import { describe, expect, it } from 'vitest';
import { Matrix, trsm, TwoLayerNetwork } from '../lib/index.js';
import { backSubstitute, choleskyBlock, forwardSubstitute, smallestEigenvalue } from '../lib/linalg/blocks.js';
import { native } from '../lib/linalg/native.js';
import { spectrum } from '../lib/method/spectrum.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';

/** `count` random SPD q×q blocks, one after another. */
function spdBlocks(q: number, count: number, seed: number): Float64Array {
  const out = new Float64Array(count * q * q);
  for (let b = 0; b < count; b++) out.set(randomSpd(q, seed + b).data, b * q * q);
  return out;
}

describe('block kernels', () => {
  it('choleskyBlock gives L with L·Lᵀ = A, and reports the failing minor', () => {
    const q = 5;
    const a = randomSpd(q, 1);
    const l = a.data.slice();
    expect(choleskyBlock(l, 0, q)).toBe(0);
    for (let i = 0; i < q; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += l[i * q + k]! * l[j * q + k]!;
        expect(s).toBeCloseTo(a.data[i * q + j]!, 13);
      }
    }
    const bad = a.data.slice();
    bad[2 * q + 2] = -1;
    expect(choleskyBlock(bad, 0, q)).toBe(3);
  });

  it('forward and back substitution invert L and Lᵀ', () => {
    const q = 4;
    const l = spdBlocks(q, 1, 2);
    choleskyBlock(l, 0, q);
    const x = Float64Array.of(1, -2, 3, 0.5);
    const v = x.slice();
    forwardSubstitute(l, 0, q, v, 0);
    backSubstitute(l, 0, q, v, 0);
    // v = (L·Lᵀ)⁻¹x, so A·v = x.
    const a = spdBlocks(q, 1, 2);
    for (let i = 0; i < q; i++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += a[i * q + k]! * v[k]!;
      expect(s).toBeCloseTo(x[i]!, 12);
    }
  });

  it('smallestEigenvalue agrees with LAPACK on random symmetric blocks, including 0 and indefinite ones', () => {
    const work = new Float64Array(64);
    for (let seed = 0; seed < 50; seed++) {
      const q = 1 + (seed % 8);
      const a = randomSymmetric(q, seed);
      const expected = spectrum(a, { vectors: false }).values[0]!;
      expect(Math.abs(smallestEigenvalue(a.data, 0, q, work) - expected)).toBeLessThanOrEqual(1e-14 * q);
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
  ])('jacobianBlock whitened by Lᵢ (d = %i, bias %s, M = %i, nc = %i) equals the plain block with every segment solved by LAPACK dtrsm', (d, bias, m, nc) => {
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
    let worst = 0;
    for (let b = 0; b < nc; b++) {
      const zb = new Matrix(m, q);
      for (let j = 0; j < m; j++) zb.data.set(plain.data.subarray(j * width + b * q, j * width + (b + 1) * q), j * q);
      // Z_b = J_b·L_b⁻ᵀ.
      trsm(new Matrix(q, q, factors.slice(b * q * q, (b + 1) * q * q)), zb, { side: 'right', transA: true });
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < q; i++) {
          const expected = zb.data[j * q + i]!;
          worst = Math.max(worst, Math.abs(whitened.data[j * width + b * q + i]! - expected) / (Math.abs(expected) + 1e-300));
        }
      }
    }
    // A forward substitution on q ≤ 12 entries against LAPACK's: a few ulps of relative difference per entry
    // (the native loop multiplies by reciprocal diagonals where dtrsm divides); these SPD blocks are well conditioned.
    expect(worst).toBeLessThanOrEqual(1e-12);
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
