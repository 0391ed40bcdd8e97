/**
 * The scipy-named layer (cholesky, choFactor/choSolve, eigh) against
 * scipy.linalg itself, on the cases test/reference/decomposition_cases.py
 * writes: SPD matrices of orders 1, 4, 30, 120 with κ₂ = 10, 1e6, 1e11 and
 * symmetric ones with uniform and graded (1 … 1e-8, random signs) spectra,
 * both triangles, the other triangle NaN in half of them, every subset kind
 * and both drivers, with and without eigenvectors.
 *
 * nntk and scipy each carry the round-off LAPACK guarantees; the bounds
 * below are for the difference of two such results, so they hold for any
 * BLAS kernel (OPENBLAS_CORETYPE) on either side. Notation as in
 * test/tolerance.ts: u = 2⁻⁵³, γₙ = n·u/(1 − n·u), p(n) = 30·n.
 *
 * Every case also checks that the inputs are left untouched, byte for byte,
 * and that the Async twin returns the same bits.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  choFactor,
  choFactorAsync,
  cholesky,
  choleskyAsync,
  choSolve,
  choSolveAsync,
  eigh,
  eighAsync,
  Matrix,
  NonFiniteError,
  NotPositiveDefiniteError,
  type EighOptions,
  type MatrixLike,
} from '../lib/index.js';
import { parseNpy } from '../lib/io/npy.js';
import { gamma, LAPACK_THRESHOLD } from './tolerance.js';

const EPS = Number.EPSILON;

interface Case {
  id: string;
  routine: 'cholesky' | 'choFactor' | 'choSolve' | 'eigh';
  options: Record<string, unknown>;
  a: string;
  b?: string;
  expected: Record<string, string>;
  n: number;
  norm2: number;
  cond: number;
  gaps?: string;
}

const referenceDir = fileURLToPath(new URL('./reference/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'nntk-decompositions-'));
let cases: Case[];
try {
  // scipy's answers are the reference, not the kernel under test: its OpenBLAS runs with the CPU's own kernels.
  const { OPENBLAS_CORETYPE: _underTest, ...env } = process.env;
  execFileSync('python3', [join(referenceDir, 'decomposition_cases.py'), outDir], { stdio: ['ignore', 'ignore', 'inherit'], env });
  cases = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Case[];
} catch (error) {
  rmSync(outDir, { recursive: true, force: true });
  throw error;
}
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function load(file: string | undefined): { shape: number[]; data: Float64Array } {
  if (file === undefined) throw new Error('the manifest lacks an array');
  return parseNpy(readFileSync(join(outDir, file)), file);
}

function loadMatrix(file: string | undefined): Matrix {
  const { shape, data } = load(file);
  if (shape.length !== 2) throw new Error(`${file}: not a matrix`);
  return new Matrix(shape[0]!, shape[1]!, data);
}

/** The bytes of a matrix's storage, to show an input was not written. */
function bytes(a: MatrixLike | Float64Array): Buffer {
  const data = a instanceof Float64Array ? a : a.data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function bytesOf(a: MatrixLike | Float64Array): Buffer {
  return Buffer.from(bytes(a));
}

/** The symmetric matrix the read triangle of a defines (its other triangle may hold NaN). */
function symmetricFrom(a: Matrix, lower: boolean): Matrix {
  const n = a.rows;
  const s = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const inRead = lower ? j <= i : j >= i;
      s.data[i * n + j] = inRead ? a.data[i * n + j]! : a.data[j * n + i]!;
    }
  }
  return s;
}

/** The factor's triangle as R with A = RᵀR (R upper), whichever triangle holds it. */
function upperFactor(c: Matrix, lower: boolean): Matrix {
  const n = c.rows;
  const r = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r.data[i * n + j] = lower ? c.data[j * n + i]! : c.data[i * n + j]!;
  return r;
}

function frobenius(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/**
 * Backward error of a Cholesky factor, entry by entry: dpotrf's R̂ satisfies
 * R̂ᵀR̂ = A + ΔA with |ΔA| ≤ γ_{n+1}·|R̂ᵀ||R̂| (Higham Thm 10.3); forming
 * R̂ᵀR̂ here adds ≤ γ_n·|R̂ᵀ||R̂| and the subtraction one more rounding, so
 * |fl(R̂ᵀR̂) − A| ≤ γ_{2n+2}·|R̂ᵀ||R̂| (itself formed with relative error γ_n).
 */
function expectBackwardStable(id: string, r: Matrix, a: Matrix): void {
  const n = r.rows;
  const bound = gamma(2 * n + 2) * (1 + gamma(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let product = 0;
      let absolute = 0;
      for (let k = 0; k <= Math.min(i, j); k++) {
        product += r.data[k * n + i]! * r.data[k * n + j]!;
        absolute += Math.abs(r.data[k * n + i]! * r.data[k * n + j]!);
      }
      const error = Math.abs(product - a.data[i * n + j]!);
      if (!(error <= bound * absolute)) {
        throw new Error(`${id}: |R̂ᵀR̂ − A|[${i}, ${j}] = ${error} > γ_{2n+2}·(|R̂ᵀ||R̂|)ᵢⱼ = ${bound * absolute}`);
      }
    }
  }
}

/**
 * Both factors are exact for A + ΔA with ‖ΔA‖_F ≤ γ_{n+1}·‖|Rᵀ||R|‖_F ≤
 * n·γ_{n+1}·‖A‖₂ =: ε_A·‖A‖₂. Sun's perturbation bound (Higham Thm 10.8)
 * puts each within ‖ΔR‖_F ≤ 2^(−1/2)·κ₂·ε_A/(1 − κ₂·ε_A)·‖R‖₂ of the exact
 * factor when κ₂·ε_A < 1/2; their difference is within twice that, and
 * ‖R‖₂ = √‖A‖₂.
 */
function expectFactorsAgree(c: Case, r: Matrix, reference: Matrix): void {
  const kappaEps = c.cond * c.n * gamma(c.n + 1);
  expect(kappaEps, `${c.id}: the case is in the range of Sun's bound`).toBeLessThan(0.5);
  const bound = (Math.SQRT2 * kappaEps) / (1 - kappaEps) * Math.sqrt(c.norm2);
  const diff = r.data.map((v, i) => v - reference.data[i]!);
  expect(frobenius(diff), c.id).toBeLessThanOrEqual(bound);
}

describe('cholesky and choFactor agree with scipy.linalg.cholesky and cho_factor', () => {
  for (const c of cases.filter((k) => k.routine === 'cholesky' || k.routine === 'choFactor')) {
    it(`${c.id}: the factor is backward stable, within Sun's bound of scipy's, and a is untouched`, async () => {
      const a = loadMatrix(c.a);
      const before = bytesOf(a);
      const lower = c.options.lower as boolean;
      const expected = loadMatrix(c.expected.c);
      const clean = symmetricFrom(a, lower);
      const n = a.rows;
      let c1: Matrix;
      if (c.routine === 'cholesky') {
        c1 = cholesky(a, { lower });
        const c2 = await choleskyAsync(a, { lower });
        expect(bytes(c2).equals(bytes(c1)), 'the Async twin returns the same bits').toBe(true);
        // scipy's cholesky returns zeros outside the factor's triangle.
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j > i : j < i) expect(c1.data[i * n + j]).toBe(0);
      } else {
        const f = choFactor(a, { lower });
        expect(f.lower).toBe(lower);
        c1 = f.c;
        const f2 = await choFactorAsync(a, { lower });
        expect(bytes(f2.c).equals(bytes(c1)), 'the Async twin returns the same bits').toBe(true);
        // Outside the factor's triangle c keeps a's own entries (NaN garbage included), as scipy's does.
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) if (lower ? j > i : j < i) expect(Object.is(c1.data[i * n + j], a.data[i * n + j])).toBe(true);
        }
      }
      expect(bytes(a).equals(before), 'a is left untouched').toBe(true);
      const r = upperFactor(c1, lower);
      expectBackwardStable(c.id, r, clean);
      expectFactorsAgree(c, r, upperFactor(expected, lower));
    });
  }
});

describe('choSolve agrees with scipy.linalg.cho_solve', () => {
  for (const c of cases.filter((k) => k.routine === 'choSolve')) {
    /**
     * Each x̂ solves (A + ΔA)·x̂ = b with |ΔA| ≤ γ_{3n+1}·|R̂ᵀ||R̂| (Higham Thm
     * 10.4), so ‖ΔA‖₂ ≤ n·γ_{3n+1}·‖R̂‖₂² =: δ·‖A‖₂ with ‖R̂‖₂² ≤ (1 + n·γ_{n+1})·‖A‖₂,
     * and ‖x̂ − x‖ ≤ κ₂δ/(1 − κ₂δ)·‖x‖ =: ρ‖x‖ (Higham Thm 7.2). For two such
     * solutions, ‖x̂ − x_scipy‖ ≤ 2ρ/(1 − ρ)·‖x_scipy‖, per right-hand side.
     */
    it(`${c.id}: each solution is within the κ₂-bound of scipy's, and the factor and b are untouched`, async () => {
      const a = loadMatrix(c.a);
      const lower = c.options.lower as boolean;
      const factor = choFactor(a, { lower });
      const raw = load(c.b);
      const isVector = raw.shape.length === 1;
      const b = isVector ? raw.data : new Matrix(raw.shape[0]!, raw.shape[1]!, raw.data);
      const beforeFactor = bytesOf(factor.c);
      const beforeB = bytesOf(b);
      const x = isVector ? choSolve(factor, b as Float64Array) : choSolve(factor, b as Matrix);
      const x2 = isVector ? await choSolveAsync(factor, b as Float64Array) : await choSolveAsync(factor, b as Matrix);
      expect(bytes(x2).equals(bytes(x)), 'the Async twin returns the same bits').toBe(true);
      expect(bytes(factor.c).equals(beforeFactor) && bytes(b).equals(beforeB), 'the factor and b are untouched').toBe(true);
      expect(x instanceof Float64Array).toBe(isVector);
      const xs = x instanceof Float64Array ? x : x.data;
      const expected = load(c.expected.x);
      expect(xs.length).toBe(expected.data.length);
      const n = c.n;
      const delta = n * gamma(3 * n + 1) * (1 + n * gamma(n + 1));
      const kd = c.cond * delta;
      expect(kd, `${c.id}: κ₂δ < 1/2, where the bound holds`).toBeLessThan(0.5);
      const rho = kd / (1 - kd);
      const k = isVector ? 1 : (b as Matrix).cols;
      for (let col = 0; col < k; col++) {
        const mine = Array.from({ length: n }, (_, i) => xs[i * k + col]!);
        const theirs = Array.from({ length: n }, (_, i) => expected.data[i * k + col]!);
        const diff = frobenius(mine.map((v, i) => v - theirs[i]!));
        expect(diff, `${c.id}, right-hand side ${col}`).toBeLessThanOrEqual(((2 * rho) / (1 - rho)) * frobenius(theirs));
      }
    });
  }
});

describe('eigh agrees with scipy.linalg.eigh', () => {
  for (const c of cases.filter((k) => k.routine === 'eigh')) {
    /**
     * LAPACK's eigenpairs are exact for A + E, ‖E‖₂ ≤ δ := p(n)·ε·‖A‖₂
     * (Users' Guide §4.7), so by Weyl each eigenvalue is within δ of the
     * exact one, and nntk's and scipy's within 2δ of each other. Each unit
     * eigenvector has residual ≤ δ, so its angle θ to the exact one has
     * sin θ ≤ δ/(gap − δ) (the gap to the rest of the spectrum, less the
     * eigenvalue's own error); up to sign, ‖v̂ − v_scipy‖ = 2·sin(θ_total/2)
     * ≤ θ₁ + θ₂ ≤ π·δ/(gap − δ), checked where that is below 1 (close
     * eigenvalues have no well-determined vectors). The residual
     * ‖A·v̂ − λ̂·v̂‖₂ ≤ δ + γ_n·‖A‖_F (its own formation) is checked for all.
     */
    it(`${c.id}: the same eigenvalues ascending, eigenvectors as columns equal up to sign, a untouched`, async () => {
      const a = loadMatrix(c.a);
      const before = bytesOf(a);
      const options = decode(c.options);
      const lower = options.lower ?? true;
      const result = eigh(a, options);
      const twin = await eighAsync(a, options);
      expect(bytes(a).equals(before), 'a is left untouched').toBe(true);
      const values = result instanceof Float64Array ? result : result.values;
      const twinValues = twin instanceof Float64Array ? twin : twin.values;
      expect(bytes(twinValues).equals(bytes(values)), 'the Async twin returns the same bits').toBe(true);
      expect(result instanceof Float64Array).toBe(options.eigvalsOnly === true);

      const expectedValues = load(c.expected.w).data;
      expect(values.length, 'as many eigenvalues as scipy').toBe(expectedValues.length);
      const n = c.n;
      const delta = LAPACK_THRESHOLD * n * EPS * c.norm2;
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
      for (let i = 0; i < values.length; i++) expect(Math.abs(values[i]! - expectedValues[i]!), `${c.id}: λ${i}`).toBeLessThanOrEqual(2 * delta);
      if (result instanceof Float64Array) return;

      const m = values.length;
      expect([result.vectors.rows, result.vectors.cols]).toEqual([n, m]);
      expect(bytes((twin as typeof result).vectors).equals(bytes(result.vectors)), 'the Async twin returns the same bits').toBe(true);
      const clean = symmetricFrom(a, lower);
      const expectedVectors = loadMatrix(c.expected.v);
      const gaps = load(c.gaps).data;
      const frobeniusA = frobenius(clean.data);
      for (let j = 0; j < m; j++) {
        const v = Array.from({ length: n }, (_, i) => result.vectors.data[i * m + j]!);
        const residual = frobenius(
          Array.from({ length: n }, (_, i) => {
            let s = 0;
            for (let k = 0; k < n; k++) s += clean.data[i * n + k]! * v[k]!;
            return s - values[j]! * v[i]!;
          }),
        );
        expect(residual, `${c.id}: residual of pair ${j}`).toBeLessThanOrEqual(delta + gamma(n) * frobeniusA);
        const bound = (Math.PI * delta) / (gaps[j]! - delta);
        if (!(bound < 1)) continue;
        const w = Array.from({ length: n }, (_, i) => expectedVectors.data[i * m + j]!);
        const dot = v.reduce((s, vi, i) => s + vi * w[i]!, 0);
        const sign = dot < 0 ? -1 : 1;
        expect(frobenius(v.map((vi, i) => vi - sign * w[i]!)), `${c.id}: eigenvector ${j}`).toBeLessThanOrEqual(bound + n * EPS);
      }
    });
  }
});

/** The manifest's options with ±Infinity restored (JSON has no infinities). */
function decode(options: Record<string, unknown>): EighOptions {
  const out: Record<string, unknown> = { ...options };
  if (Array.isArray(out.subsetByValue)) {
    out.subsetByValue = out.subsetByValue.map((v: unknown) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
  }
  return out as EighOptions;
}

describe('the scipy-named layer reports bad input with typed errors, leaving the input untouched', () => {
  const indefinite = Matrix.from([
    [4, 2, 0],
    [2, 1, 0],
    [0, 0, 1],
  ]);

  it('cholesky of a matrix that is not positive definite names a and the order of the failing minor', async () => {
    const before = bytesOf(indefinite);
    for (const run of [() => cholesky(indefinite), () => choFactor(indefinite, { lower: true })]) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NotPositiveDefiniteError);
      expect((error as NotPositiveDefiniteError).minor).toBe(2);
      expect((error as Error).message).toMatch(/^(cholesky|choFactor): a is not positive definite/);
    }
    await expect(choleskyAsync(indefinite)).rejects.toBeInstanceOf(NotPositiveDefiniteError);
    expect(bytes(indefinite).equals(before)).toBe(true);
  });

  it('a NaN in the triangle read is a NonFiniteError naming a and its position; checkFinite: false skips the scan', () => {
    const a = Matrix.from([
      [2, 0],
      [Number.NaN, 2],
    ]);
    expect(() => cholesky(a, { lower: true })).toThrow(NonFiniteError);
    expect(() => cholesky(a, { lower: true })).toThrow('cholesky: a[1, 0] is NaN');
    expect(() => eigh(a)).toThrow('eigh: a[1, 0] is NaN');
    // The upper triangle is finite: both read only it.
    expect(cholesky(a).toArray()).toEqual([
      [Math.SQRT2, 0],
      [0, Math.SQRT2],
    ]);
    expect(Array.from(eigh(a, { lower: false, eigvalsOnly: true }))).toEqual([2, 2]);
    expect(() => eigh(a, { checkFinite: false, eigvalsOnly: true })).not.toThrow();
  });

  it('unknown option keys are rejected with the closest valid one', () => {
    const a = Matrix.from([[1]]);
    expect(() => cholesky(a, { uplo: 'lower' } as never)).toThrow(/cholesky: unknown option 'uplo'/);
    expect(() => eigh(a, { eigvals_only: true } as never)).toThrow("eigh: unknown option 'eigvals_only'; did you mean 'eigvalsOnly'?");
    expect(() => eigh(a, { subset_by_index: [0, 0] } as never)).toThrow("did you mean 'subsetByIndex'?");
    expect(() => choSolve({ c: a, lower: false }, new Float64Array(1), { check_finite: false } as never)).toThrow(
      "did you mean 'checkFinite'?",
    );
  });

  it('bad shapes and option values are TypeErrors or RangeErrors naming the argument', () => {
    const rect = new Matrix(2, 3);
    const a = Matrix.from([
      [2, 1],
      [1, 2],
    ]);
    expect(() => cholesky(rect)).toThrow('cholesky: a must be square, got 2×3');
    expect(() => eigh(rect)).toThrow('eigh: a must be square, got 2×3');
    expect(() => eigh({ rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(/eigh: a\.data has 3 elements/);
    expect(() => cholesky(a, { lower: 'yes' } as never)).toThrow('cholesky: lower must be a boolean, got string');
    expect(() => eigh(a, { driver: 'evx' } as never)).toThrow(/eigh: driver must be one of 'evr', 'evd', got evx/);
    expect(() => eigh(a, { driver: 'evd', subsetByIndex: [0, 0] })).toThrow("eigh: subsetByIndex needs driver 'evr'");
    expect(() => eigh(a, { subsetByIndex: [0, 2] })).toThrow('eigh: subsetByIndex [0, 2] must be integers with 0 ≤ lo ≤ hi ≤ n − 1 = 1');
    expect(() => eigh(a, { subsetByIndex: [1, 0] })).toThrow(RangeError);
    expect(() => eigh(a, { subsetByValue: [1, 1] })).toThrow('eigh: subsetByValue [1, 1] must have vl < vu');
    expect(() => eigh(a, { subsetByValue: [Number.NaN, 1] })).toThrow('eigh: subsetByValue[0] must be finite, got NaN');
    expect(() => eigh(a, { subsetByIndex: [0, 0], subsetByValue: [0, 1] })).toThrow('eigh: give subsetByIndex or subsetByValue, not both');
    const f = choFactor(a);
    expect(() => choSolve(f, new Float64Array(3))).toThrow('choSolve: b must have 2 rows (one per row of factor.c), got length 3');
    expect(() => choSolve(f, new Matrix(3, 1))).toThrow('choSolve: b must have 2 rows (one per row of factor.c), got 3×1');
    expect(() => choSolve({ c: f.c } as never, new Float64Array(2))).toThrow('choSolve: factor.lower must be a boolean, got undefined');
    expect(() => choSolve(null as never, new Float64Array(2))).toThrow(TypeError);
    const nanB = new Matrix(2, 2);
    nanB.set(1, 0, Number.NaN);
    expect(() => choSolve(f, nanB)).toThrow('choSolve: b[1, 0] is NaN');
  });

  it('a value subset without eigenvalues gives none, and its vectors are n×0', () => {
    const a = Matrix.from([
      [2, 1],
      [1, 2],
    ]);
    const { values, vectors } = eigh(a, { subsetByValue: [3, Infinity] });
    expect(values.length).toBe(0);
    expect([vectors.rows, vectors.cols]).toEqual([2, 0]);
    const below = eigh(a, { subsetByValue: [-Infinity, 2], eigvalsOnly: true });
    expect(below.length).toBe(1);
    // Its eigenvalues are 1 and 3, ‖A‖₂ = 3: within p(n)·ε·‖A‖₂ of 1.
    expect(Math.abs(below[0]! - 1)).toBeLessThanOrEqual(LAPACK_THRESHOLD * 2 * EPS * 3);
  });
});
