import { describe, expect, it } from 'vitest';
import { Matrix, trsm } from '../lib/index.js';
import { backSubstitute, choleskyBlock, forwardSubstitute, smallestEigenvalue, solveLowerBlocks } from '../lib/linalg/blocks.js';
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

  it('solveLowerBlocks (native) equals a forward substitution per row segment, and trsm per block', () => {
    const q = 4;
    const blocks = 7;
    const factors = spdBlocks(q, blocks, 10);
    for (let b = 0; b < blocks; b++) choleskyBlock(factors, b * q * q, q);
    const z = randomMatrix(9, blocks * q, 3);
    const expected = z.data.slice();
    for (let j = 0; j < 9; j++) for (let b = 0; b < blocks; b++) forwardSubstitute(factors, b * q * q, q, expected, j * blocks * q + b * q);
    solveLowerBlocks(factors, q, z);
    // The native loop multiplies by the reciprocal of each diagonal entry where JavaScript divides: 1 ulp apart.
    for (let i = 0; i < expected.length; i++) expect(Math.abs(z.data[i]! - expected[i]!)).toBeLessThanOrEqual(1e-14 * Math.abs(expected[i]!));
    // The same as Z_b ← Z_b·L_b⁻ᵀ by LAPACK's dtrsm on each block of columns.
    const again = randomMatrix(9, blocks * q, 3);
    for (let b = 0; b < blocks; b++) {
      const zb = new Matrix(9, q);
      for (let j = 0; j < 9; j++) zb.data.set(again.data.subarray(j * blocks * q + b * q, j * blocks * q + (b + 1) * q), j * q);
      trsm(new Matrix(q, q, factors.slice(b * q * q, (b + 1) * q * q)), zb, { side: 'right', transA: true });
      for (let j = 0; j < 9; j++) for (let i = 0; i < q; i++) expect(z.data[j * blocks * q + b * q + i]).toBeCloseTo(zb.data[j * q + i]!, 12);
    }
  });

  it('solveLowerBlocks rejects shapes that do not fit', () => {
    const z = new Matrix(2, 6);
    expect(() => solveLowerBlocks(new Float64Array(3 * 4), 4, z)).toThrow(/multiple of q/);
    expect(() => solveLowerBlocks(new Float64Array(2 * 9 - 1), 3, z)).toThrow(/2 blocks of 3×3/);
  });
});
