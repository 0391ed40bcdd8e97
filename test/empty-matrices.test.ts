/**
 * Empty matrices (no rows or no columns) and empty selections are valid
 * input wherever the result is defined, with the results the BLAS and LAPACK
 * define (and scipy returns): an empty product dimension makes α·op(A)·op(B)
 * zero, so C ← β·C; a factorisation or solve of order 0, or with no
 * right-hand sides, has nothing to compute; an eigen-selection with no
 * eigenvalue gives no values and a 0×n matrix of eigenvector rows. Every
 * routine is checked sync and async. Shapes that do not fit still throw.
 *
 * The expected values are exact: where something is computed at all it is
 * one multiplication β·cᵢⱼ per entry (the BLAS's own scaling), or the
 * routine's result on the same matrix (posv factors A even without
 * right-hand sides).
 */
import { describe, expect, it } from 'vitest';
import {
  gemm,
  gemmAsync,
  Matrix,
  NonFiniteError,
  NotPositiveDefiniteError,
  posv,
  posvAsync,
  potrf,
  potrfAsync,
  potrs,
  potrsAsync,
  syevd,
  syevdAsync,
  syevr,
  syevrAsync,
  syrk,
  syrkAsync,
  trsm,
  trsmAsync,
  type Eigen,
  type EigenRangeOptions,
  type GemmOptions,
  type SyrkOptions,
  type TrsmOptions,
} from '../lib/index.js';
import { randomMatrix, randomSpd, randomSymmetric } from './random.js';

const empty = (rows: number, cols: number) => new Matrix(rows, cols);

/** Runs a check for the sync routine and for its async twin. */
function bothWays<A extends unknown[], R>(
  sync: (...args: A) => R,
  async: (...args: A) => Promise<R>,
): Array<[string, (...args: A) => Promise<R>]> {
  return [
    ['sync', (...args: A) => Promise.resolve().then(() => sync(...args))],
    ['async', async],
  ];
}

describe('Matrix', () => {
  it('accepts 0×n, m×0 and 0×0, with empty data and empty rows', () => {
    expect(new Matrix(0, 3).data.length).toBe(0);
    expect(new Matrix(3, 0).toArray()).toEqual([[], [], []]);
    expect(new Matrix(2, 0).row(1).length).toBe(0);
    expect(Matrix.from([]).rows).toBe(0);
    expect(Matrix.from([[], []]).cols).toBe(0);
    expect(new Matrix(0, 0, new Float64Array(0)).toArray()).toEqual([]);
  });

  it('still rejects negative, fractional and mismatched sizes', () => {
    expect(() => new Matrix(-1, 3)).toThrow(/rows must be a non-negative integer, got -1/);
    expect(() => new Matrix(0.5, 0)).toThrow(RangeError);
    expect(() => new Matrix(0, 3, new Float64Array(1))).toThrow(/1 elements, a 0×3 matrix needs 0/);
    expect(() => new Matrix(2, 0).row(2)).toThrow(RangeError);
  });
});

describe.each(bothWays(gemm, gemmAsync))('gemm (%s) with an empty dimension', (_, run) => {
  it('m = 0 or n = 0 gives an empty C of the right shape', async () => {
    const a = randomMatrix(0, 4, 1);
    const b = randomMatrix(4, 3, 2);
    expect(await run(a, b)).toMatchObject({ rows: 0, cols: 3 });
    expect(await run(randomMatrix(2, 4, 3), empty(4, 0))).toMatchObject({ rows: 2, cols: 0 });
    expect(await run(empty(4, 0), b, { transA: true })).toMatchObject({ rows: 0, cols: 3 });
  });

  it('k = 0 gives C ← β·C, whatever the transposes (β = 0: zeros, NaN in C ignored)', async () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = transA ? empty(0, 2) : empty(2, 0);
      const b = transB ? empty(3, 0) : empty(0, 3);
      const c = randomMatrix(2, 3, 4);
      const expected = c.data.map((v) => -1.5 * v);
      const options: GemmOptions = { transA, transB, alpha: 2, beta: -1.5, out: c };
      expect((await run(a, b, options)).data).toEqual(expected);
      const stale = new Matrix(2, 3, new Float64Array(6).fill(Number.NaN));
      expect((await run(a, b, { transA, transB, out: stale })).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    }
  });

  it('inner dimensions that differ are still refused', async () => {
    await expect(run(empty(2, 0), empty(1, 3))).rejects.toThrow(/op\(A\) is 2×0, op\(B\) is 1×3/);
  });
});

describe.each(bothWays(syrk, syrkAsync))('syrk (%s) with an empty dimension', (_, run) => {
  it('n = 0 gives a 0×0 C', async () => {
    expect(await run(empty(0, 5))).toMatchObject({ rows: 0, cols: 0 });
    expect(await run(empty(5, 0), { trans: true })).toMatchObject({ rows: 0, cols: 0 });
  });

  it("k = 0 gives C ← β·C on the triangle written, the other one untouched", async () => {
    for (const uplo of ['lower', 'upper'] as const) {
      for (const trans of [false, true]) {
        const c = randomMatrix(3, 3, 5);
        const expected = c.clone();
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) if (uplo === 'lower' ? j <= i : j >= i) expected.set(i, j, 0.5 * c.get(i, j));
        }
        const options: SyrkOptions = { uplo, trans, alpha: 3, beta: 0.5, out: c };
        expect((await run(trans ? empty(0, 3) : empty(3, 0), options)).toArray()).toEqual(expected.toArray());
      }
    }
  });
});

describe.each(bothWays(trsm, trsmAsync))('trsm (%s) with an empty B', (_, run) => {
  it('m = 0 or n = 0 leaves B empty and refuses an A of the wrong order', async () => {
    const a = randomSpd(3, 6);
    for (const side of ['left', 'right'] as const) {
      const options: TrsmOptions = { side, alpha: 2 };
      const along = side === 'left' ? empty(3, 0) : empty(0, 3);
      expect(await run(a, along, options)).toBe(along);
      const across = side === 'left' ? empty(0, 4) : empty(4, 0);
      expect(await run(empty(0, 0), across, options)).toBe(across);
      await expect(run(a, across, options)).rejects.toThrow(RangeError);
    }
  });
});

describe.each(bothWays(potrf, potrfAsync))('potrf (%s) of order 0', (_, run) => {
  it('returns the 0×0 matrix, with and without the finiteness scan', async () => {
    const a = empty(0, 0);
    expect(await run(a)).toBe(a);
    expect(await run(a, { uplo: 'upper', checkFinite: false })).toBe(a);
  });
});

type Solve = (a: Matrix, b: Matrix) => Promise<Matrix>;
describe.each<[string, Array<[string, Solve]>]>([
  ['potrs', bothWays(potrs<Matrix>, potrsAsync<Matrix>)],
  ['posv', bothWays(posv<Matrix>, posvAsync<Matrix>)],
])('%s with n = 0 or no right-hand side', (name, ways) => {
  for (const [way, run] of ways) {
    it(`${way}: n = 0 leaves its nrhs×0 B as it is`, async () => {
      const b = empty(4, 0);
      expect(await run(empty(0, 0), b)).toBe(b);
    });

    it(`${way}: nrhs = 0 returns the empty 0×n B`, async () => {
      const a = randomSpd(3, 7);
      const factor = name === 'potrs' ? potrf(a.clone()) : a.clone();
      const b = empty(0, 3);
      expect(await run(factor, b)).toBe(b);
      // dposv still factors A (LAPACK: dpotrf, then dpotrs with nothing to solve), as scipy's solve(assume_a='pos') checks A.
      if (name === 'posv') expect(factor.data).toEqual(potrf(a.clone()).data);
    });
  }
});

describe('posv with no right-hand side', () => {
  it('still reports an A that is not positive definite, and NaN in A', async () => {
    const indefinite = Matrix.from([[1, 2], [2, 1]]);
    expect(() => posv(indefinite.clone(), empty(0, 2))).toThrow(NotPositiveDefiniteError);
    await expect(posvAsync(indefinite.clone(), empty(0, 2))).rejects.toBeInstanceOf(NotPositiveDefiniteError);
    expect(() => posv(Matrix.from([[Number.NaN]]), empty(0, 1))).toThrow(NonFiniteError);
  });
});

const shape = (e: Eigen) => ({ values: e.values.length, vectors: e.vectors && [e.vectors.rows, e.vectors.cols] });

describe.each(bothWays(syevd, syevdAsync))('syevd (%s) of order 0', (_, run) => {
  it('gives no values and a 0×0 vectors matrix (or none)', async () => {
    expect(shape(await run(empty(0, 0)))).toEqual({ values: 0, vectors: [0, 0] });
    expect(shape(await run(empty(0, 0), { vectors: false }))).toEqual({ values: 0, vectors: undefined });
  });
});

describe.each(bothWays(syevr, syevrAsync))('syevr (%s) with nothing to find', (_, run) => {
  it('of order 0 gives no values and a 0×0 vectors matrix, for every kind of selection', async () => {
    const selections: EigenRangeOptions[] = [{}, { select: { index: [0, 0] } }, { select: { value: [-1, 1] } }];
    for (const selection of selections) {
      expect(shape(await run(empty(0, 0), selection))).toEqual({ values: 0, vectors: [0, 0] });
      expect(shape(await run(empty(0, 0), { ...selection, vectors: false }))).toEqual({ values: 0, vectors: undefined });
    }
  });

  it('with a value range holding no eigenvalue gives no values and a 0×n vectors matrix', async () => {
    // Gershgorin: every eigenvalue of A lies within ±(n · max|aᵢⱼ|) ≤ ±5 for these entries in [−½, ½].
    const a = randomSymmetric(10, 8);
    expect(shape(await run(a.clone(), { select: { value: [5, 6] } }))).toEqual({ values: 0, vectors: [0, 10] });
    expect(shape(await run(a.clone(), { select: { value: [-7, -5] }, vectors: false }))).toEqual({ values: 0, vectors: undefined });
  });

  it('with an empty index range [k, k) gives no values and a 0×n vectors matrix, for every k', async () => {
    const a = randomSymmetric(6, 9);
    for (const k of [0, 3, 6]) {
      expect(shape(await run(a.clone(), { select: { index: [k, k] } }))).toEqual({ values: 0, vectors: [0, 6] });
    }
  });

  it('with an empty index range still scans A for NaN, and still refuses ranges out of order or outside [0, n]', async () => {
    const a = randomSymmetric(4, 10);
    a.set(2, 1, Number.NaN);
    await expect(run(a.clone(), { select: { index: [1, 1] } })).rejects.toBeInstanceOf(NonFiniteError);
    await expect(run(randomSymmetric(4, 11), { select: { index: [2, 1] } })).rejects.toThrow(/0 ≤ lo ≤ hi ≤ n = 4/);
    await expect(run(randomSymmetric(4, 11), { select: { index: [5, 5] } })).rejects.toThrow(RangeError);
    await expect(run(empty(0, 0), { select: { index: [0, 1] } })).rejects.toThrow(RangeError);
  });
});
