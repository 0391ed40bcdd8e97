import { describe, expect, it } from 'vitest';
import {
  gemm,
  gemmAsync,
  LapackError,
  Matrix,
  NntkError,
  NonFiniteError,
  NotPositiveDefiniteError,
  posv,
  potrf,
  potrfAsync,
  potrs,
  syevd,
  syevdAsync,
  syevr,
  syrk,
  trsm,
} from '../lib/index.js';
import { checkSyevdSize } from '../lib/linalg/eigen.js';
import { native } from '../lib/linalg/native.js';
import { randomMatrix, randomSpd } from './random.js';

describe('matrix arguments', () => {
  it('rejects data of the wrong length with a RangeError naming both lengths', () => {
    expect(() => new Matrix(2, 3, new Float64Array(5))).toThrow(/5 elements.*needs 6/);
    const bad = { rows: 2, cols: 2, data: new Float64Array(3) };
    expect(() => potrf(bad)).toThrow(RangeError);
    expect(() => gemm(bad, Matrix.from([[1], [2]]))).toThrow(/A\.data has 3 elements/);
  });

  it('rejects arrays that are not Float64Array with a TypeError', () => {
    expect(() => new Matrix(1, 2, new Float32Array(2) as unknown as Float64Array)).toThrow(TypeError);
    const plain = { rows: 1, cols: 2, data: [1, 2] as unknown as Float64Array };
    expect(() => syrk(plain)).toThrow(/must be a Float64Array, got Array/);
    expect(() => potrf(null as unknown as Matrix)).toThrow(TypeError);
    expect(() => potrf(new Float64Array(4) as unknown as Matrix)).toThrow(TypeError);
  });

  it('rejects negative and fractional dimensions with a RangeError (0 is an empty matrix: empty-matrices.test.ts)', () => {
    expect(() => new Matrix(3, -1)).toThrow(/cols must be a non-negative integer, got -1/);
    expect(() => new Matrix(2.5, 2)).toThrow(RangeError);
    expect(() => potrf({ rows: -1, cols: -1, data: new Float64Array(0) })).toThrow(RangeError);
    expect(() => new Matrix('3' as unknown as number, 3)).toThrow(TypeError);
  });

  it('rejects sizes beyond LAPACK 32-bit integers before touching memory', () => {
    expect(() => new Matrix(50_000, 50_000, new Float64Array(1))).toThrow(/32-bit/);
    expect(() => new Matrix(2 ** 31, 1)).toThrow(/32-bit/);
    expect(() => potrf({ rows: 46_341, cols: 46_341, data: new Float64Array(1) })).toThrow(/32-bit/);
  });

  it('refuses a dsyevd whose 32-bit workspace size would overflow', () => {
    expect(() => checkSyevdSize(32_766)).not.toThrow();
    expect(() => checkSyevdSize(32_767)).toThrow(/workspace/);
    expect(() => checkSyevdSize(40_000)).toThrow(RangeError);
  });

  it("names the caller and the caller's own way around dsyevd's workspace limit", () => {
    expect(() => checkSyevdSize(32_767)).toThrow(/^syevd: n = 32767 .* use vectors: false or syevr$/);
    expect(() => checkSyevdSize(32_767, 'eigh', "eigvalsOnly: true or driver 'evr'")).toThrow(/^eigh: n = 32767 .* use eigvalsOnly: true or driver 'evr'$/);
  });

  it('rejects mismatched shapes with a message giving both shapes', () => {
    const a = randomMatrix(3, 4, 1);
    expect(() => gemm(a, a)).toThrow(/op\(A\) is 3×4, op\(B\) is 3×4/);
    expect(() => gemm(a, a, { transB: true, out: new Matrix(4, 4) })).toThrow(/out must be 3×3/);
    expect(() => potrf(a)).toThrow(/must be square/);
    expect(() => trsm(Matrix.from([[1]]), a)).toThrow(RangeError);
    expect(() => potrs(randomSpd(3, 2), new Matrix(3, 2))).toThrow(/3 columns/);
  });

  it('rejects bad option values with TypeError or RangeError', () => {
    const a = randomSpd(3, 3);
    expect(() => potrf(a, { uplo: 'both' as 'lower' })).toThrow(/uplo must be one of 'lower', 'upper'/);
    expect(() => gemm(a, a, { alpha: Number.NaN })).toThrow(/alpha must be finite/);
    expect(() => gemm(a, a, { transA: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => syevr(a, { select: { index: [2, 1] } })).toThrow(RangeError);
    expect(() => syevr(a, { select: { index: [0, 4] } })).toThrow(RangeError);
    expect(() => syevr(a, { select: { value: [1, 1] } })).toThrow(/vl < vu/);
    expect(() => gemm(a, a, { out: { rows: 3, cols: 3, data: new Float64Array(9) } as Matrix })).toThrow(TypeError);
  });

  it('refuses an output that overlaps an input', () => {
    const a = randomMatrix(3, 3, 4);
    expect(() => gemm(a, a, { out: a })).toThrow(/overlap/);
    const view = new Matrix(3, 3, a.data.subarray(0, 9));
    expect(() => trsm(view, a)).toThrow(/shares memory/);
  });

  it('rejects a buffer that could be resized under a running call', () => {
    const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
    const data = new Float64Array(new Resizable(32, { maxByteLength: 64 }));
    expect(() => potrf({ rows: 2, cols: 2, data })).toThrow(/resizable/);
  });

  it('rejects a detached buffer', () => {
    const a = randomSpd(3, 5);
    structuredClone(a.data.buffer, { transfer: [a.data.buffer as ArrayBuffer] });
    expect(() => potrf(a)).toThrow(/detached/);
  });

  it('turns validation failures of async calls into rejections, not throws', async () => {
    const promise = potrfAsync(new Matrix(2, 3));
    await expect(promise).rejects.toThrow(/square/);
    await expect(gemmAsync(new Matrix(2, 3), new Matrix(2, 3))).rejects.toThrow(RangeError);
  });
});

describe('numerical outcomes', () => {
  it('reports the order of the first non-positive leading minor', () => {
    for (const minor of [1, 2, 5, 17]) {
      const a = randomSpd(20, minor);
      // Make the leading minor of order `minor` singular-negative: shift its last diagonal entry.
      a.set(minor - 1, minor - 1, -1e3);
      for (const uplo of ['lower', 'upper'] as const) {
        const error = catchError(() => potrf(a.clone(), { uplo }));
        expect(error).toBeInstanceOf(NotPositiveDefiniteError);
        expect(error).toBeInstanceOf(LapackError);
        expect(error).toBeInstanceOf(NntkError);
        expect((error as NotPositiveDefiniteError).minor).toBe(minor);
        expect((error as NotPositiveDefiniteError).info).toBe(minor);
        expect((error as Error).message).toContain(`order ${minor}`);
      }
    }
  });

  it('reports a non-positive-definite system from posv and from async potrf', async () => {
    const a = Matrix.from([[1, 2], [2, 1]]);
    expect(() => posv(a.clone(), new Matrix(1, 2))).toThrow(NotPositiveDefiniteError);
    await expect(potrfAsync(a.clone())).rejects.toBeInstanceOf(NotPositiveDefiniteError);
  });

  it('rejects NaN and ±Inf in the triangle a factorisation or eigensolver reads, naming the entry', async () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const a = randomSpd(5, 7);
      a.set(3, 1, value);
      const error = catchError(() => potrf(a.clone(), { uplo: 'lower' }));
      expect(error).toBeInstanceOf(NonFiniteError);
      expect((error as NonFiniteError).argument).toBe('A');
      expect((error as NonFiniteError).index).toEqual([3, 1]);
      expect(Object.is((error as NonFiniteError).value, value)).toBe(true);
      expect(() => syevd(a.clone())).toThrow(/A\[3, 1\] is/);
      expect(() => syevr(a.clone())).toThrow(NonFiniteError);
      await expect(syevdAsync(a.clone())).rejects.toBeInstanceOf(NonFiniteError);
      const b = new Matrix(1, 5);
      b.data[4] = value;
      expect(() => posv(randomSpd(5, 8), b)).toThrow(/B\[0, 4\]/);
    }
  });

  it('ignores NaN in the triangle that is not read', () => {
    const a = randomSpd(4, 9);
    a.set(0, 3, Number.NaN); // upper triangle
    const reference = a.clone();
    reference.set(0, 3, reference.get(3, 0));
    potrf(a, { uplo: 'lower' });
    potrf(reference, { uplo: 'lower' });
    for (let i = 0; i < 4; i++) for (let j = 0; j <= i; j++) expect(a.get(i, j)).toBe(reference.get(i, j));
    expect(Number.isNaN(a.get(0, 3))).toBe(true);
  });

  it('propagates NaN and Inf through the BLAS routines as IEEE arithmetic does', () => {
    const a = Matrix.from([[1, 2], [3, 4]]);
    const b = Matrix.from([[1, 0], [0, 1]]);
    a.set(0, 0, Number.NaN);
    const c = gemm(a, b);
    expect(Number.isNaN(c.get(0, 0))).toBe(true);
    expect(Number.isNaN(c.get(0, 1))).toBe(true);
    expect(c.get(1, 0)).toBe(3);
    expect(c.get(1, 1)).toBe(4);
    const inf = Matrix.from([[Number.POSITIVE_INFINITY, 1]]);
    expect(syrk(inf).get(0, 0)).toBe(Number.POSITIVE_INFINITY);
    // beta = 0 means C is not read: NaN already in C does not survive.
    const out = Matrix.from([[Number.NaN, Number.NaN], [Number.NaN, Number.NaN]]);
    expect(gemm(b, b, { out }).toArray()).toEqual([[1, 0], [0, 1]]);
  });
});

describe('the native floor', () => {
  it('refuses arrays too short for the shape even when called directly', () => {
    const a = new Float64Array(3);
    expect(() => native.dpotrf('L', 2, a, 2)).toThrow(/has 3 elements, needs 4/);
    expect(() => native.dgemm('N', 'N', 2, 2, 2, 1, a, 2, a, 2, 0, new Float64Array(4), 2)).toThrow(RangeError);
    expect(() => native.dpotrf('X', 1, a, 1)).toThrow(/one of 'UL'/);
    expect(() => native.dpotrf('L', 1, [1] as unknown as Float64Array, 1)).toThrow(TypeError);
    expect(() => native.dpotrf('L', 2, new Float64Array(4), 1)).toThrow(/leading dimension/);
    expect(() => native.dpotrf('L', 2 ** 31, new Float64Array(4), 1)).toThrow(/32-bit/);
    expect(() => native.dsyevd('V', 'L', 40_000, new Float64Array(1), 40_000, new Float64Array(1))).toThrow(RangeError);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('checkFinite: false', () => {
  it('skips the scan, leaving IEEE behaviour to LAPACK (OpenBLAS factors NaN silently)', () => {
    const a = randomSpd(4, 21);
    a.set(2, 1, Number.NaN);
    expect(() => potrf(a.clone())).toThrow(NonFiniteError);
    const factor = potrf(a.clone(), { checkFinite: false });
    expect(Number.isNaN(factor.get(2, 2))).toBe(true);
    expect(() => syevd(a.clone(), { checkFinite: 'no' as unknown as boolean })).toThrow(TypeError);
  });
});
