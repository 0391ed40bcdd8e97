/**
 * Acceptance test: every binding agrees with scipy/numpy on random inputs of
 * sizes 1, 2, 17, 200 and 1000, well- and ill-conditioned, in every uplo /
 * transpose case.
 *
 * test/reference/lapack_cases.py writes the cases and scipy's results as .npy
 * files plus a manifest.json; there is one test per case. The generator runs at
 * module load (not in beforeAll) because the tests are made from the manifest.
 *
 * Residuals and products of the checks (LLᵀ − A, A·V − V·Λ, …) are computed
 * with nntk's own gemm: gemm is itself checked against numpy by the gemm cases
 * of this file, and a JavaScript triple loop at n = 1000 would take seconds.
 *
 * ε below is Number.EPSILON = 2⁻⁵² ≈ 2.2e-16.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  gemm,
  gemmAsync,
  Matrix,
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
  type CholeskyOptions,
  type Eigen,
  type EigenRangeOptions,
  type GemmOptions,
  type SyrkOptions,
  type TrsmOptions,
  type Uplo,
} from '../lib/index.js';
import { readNpy } from '../lib/io/npy.js';

// ---------------------------------------------------------------------------
// Tolerances. Each bounds a dimensionless error. Where the acceptance criterion
// fixes a number (1e-12) it is used as is; where it asks for a measured bound,
// the bound is about 10× the worst value observed (OpenBLAS 0.3.21 against
// scipy's OpenBLAS 0.3.31, 2 threads) and never looser than the theory allows.
// The summary printed at the end lists the worst value of each.

const EPS = Number.EPSILON;

const TOL = {
  /**
   * gemm, syrk, trsm against numpy/scipy: max |C − C_ref| / max |C_ref|. The
   * inputs are well conditioned (trsm: strictly diagonally dominant, κ₂ ≤ 2),
   * so both results are within about k·ε of the exact one, k ≤ 1000 being
   * the inner dimension (the acceptance criterion; worst seen 2.8e-15).
   */
  blas: 1e-12,
  /**
   * trsm residual ‖op(A)·X − α·B‖_F / (‖A‖_F·‖X‖_F). dtrsm is componentwise
   * backward stable (|ΔA| ≤ n·ε·|A|), so in theory this is at most n·ε
   * (2e-13 at n = 1000); 10× the worst seen (1.2e-16).
   */
  trsmResidual: 2e-15,
  /**
   * Cholesky factor against scipy.linalg.cholesky, ‖F − F_ref‖_F / ‖F_ref‖_F.
   * Both factors are exact for some A + ΔA with ‖ΔA‖ ≈ ε‖A‖, so they differ
   * by the conditioning of the factorisation times that: at most κ·n·ε in
   * theory, about √κ·ε for these random matrices (worst seen 0.46·√κ·ε, at
   * n = 1000 for κ = 1e8 and 1e12). So 5·√κ·ε, i.e. 1e-15·√κ.
   */
  factorForward: (cond: number) => 5 * Math.sqrt(cond) * EPS,
  /**
   * Backward error of the factor, ‖L·Lᵀ − A‖_F / ‖A‖_F: O(n·ε) in theory
   * whatever κ is, √n·ε-sized in practice; 10× the worst seen (1.7e-16).
   */
  factorBackward: 2e-15,
  /**
   * Solutions of potrs/posv against scipy, ‖X − X_ref‖_F / ‖X_ref‖_F. Two
   * backward-stable solvers may differ by κ·ε times a modest factor (the
   * forward error bound); worst seen 0.17·κ·ε. So 2·κ·ε, i.e. 4.4e-16·κ.
   */
  solveForward: (cond: number) => 2 * cond * EPS,
  /**
   * Normwise backward error of each solution row, max_i ‖A·x_i − b_i‖ /
   * (‖A‖₂·‖x_i‖): O(n·ε) in theory whatever κ is; 10× the worst seen (2.9e-16).
   */
  solveResidual: 3e-15,
  /**
   * Eigenvalues, max |w − w_ref| / ‖A‖₂: by Weyl's theorem each solver is
   * within its backward error, O(n·ε)·‖A‖₂, of the exact eigenvalues (the
   * acceptance criterion; worst seen 2e-14).
   */
  eigenvalues: 1e-12,
  /**
   * ‖A·V − V·Λ‖_F / ‖A‖₂ over the computed pairs (the acceptance criterion,
   * with no √n factor: it was not needed; worst seen 1.3e-13, and scipy's own
   * dsyevr reaches 6.5e-13 on the n = 1000 clustered matrix).
   */
  eigenResidual: 1e-12,
  /**
   * Orthonormality, ‖VᵀV − I‖_F / (n·ε): dsyevd and dsyevr guarantee
   * O(n·ε); for MRRR (dsyevr) the constant is inversely proportional to its
   * relative-gap threshold of 1e-3, i.e. up to ~1000. Bounds are 10× the worst
   * seen: dsyevd 1.4 (n = 17), dsyevr 75 (n = 17; 14 at n = 1000, where
   * scipy's own dsyevr gives up to 16 on the same matrices).
   */
  eigenOrthogonality: { syevd: 15, syevr: 750 },
  /**
   * Eigenvectors against scipy up to sign: max_i min ‖v_i ± v_ref,i‖ · gap_i / ‖A‖₂,
   * where gap_i is the distance from λ_i to the rest of the spectrum. By the
   * sin θ theorem each computed vector is within residual / gap of the true
   * one, so this is bounded like the residual (worst seen 1.4e-13). It is
   * vacuous (≤ √2·gap_i/‖A‖₂) for repeated or tightly clustered eigenvalues,
   * whose eigenvectors are not unique.
   */
  eigenvectorAgreement: 1e-12,
};

// ---------------------------------------------------------------------------
// The cases

interface Case {
  id: string;
  routine: 'gemm' | 'syrk' | 'trsm' | 'potrf' | 'potrs' | 'posv' | 'syevd' | 'syevr';
  /** The options object exactly as it is passed to the routine. */
  options: unknown;
  inputs: Record<string, string>;
  expected: Record<string, string>;
  aux: Record<string, string>;
  /** Run the *Async twin too; it must give bitwise the same results. */
  async: boolean;
  n?: number;
  /** κ₂ of the matrix (SPD and eigen cases). */
  cond?: number;
  /** ‖A‖₂ (SPD and eigen cases). */
  norm2?: number;
  /** For the summary: the conditioning (Cholesky) or the spectrum (eigen). */
  group?: string;
}

const generator = fileURLToPath(new URL('./reference/lapack_cases.py', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'nntk-lapack-'));
let cases: Case[];
try {
  execFileSync('python3', [generator, outDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  cases = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Case[];
} catch (error) {
  rmSync(outDir, { recursive: true, force: true });
  throw error;
}

const PROPERTIES: Record<Case['routine'], string> = {
  gemm: 'C = α·op(A)·op(B) + β·C matches numpy',
  syrk: 'the uplo triangle of C matches numpy and the other triangle is untouched',
  trsm: 'X matches scipy solve_triangular, residual is O(ε), the unread triangle (NaN) is ignored',
  potrf: 'the factor matches scipy cholesky within the κ bound, ‖LLᵀ − A‖ is O(ε), the other triangle is untouched',
  potrs: 'X matches scipy cho_solve within κ·ε, residual is O(ε), the factor is unchanged',
  posv: 'X matches scipy solve within κ·ε, residual is O(ε), A holds the Cholesky factor, the other triangle is untouched',
  syevd: 'eigenvalues match scipy; eigenvectors have O(ε) residual, are orthonormal and match scipy up to sign',
  syevr: 'the same eigenpairs as scipy are selected; eigenvalues match; eigenvectors have O(ε) residual, are orthonormal and match scipy up to sign',
};

function title(c: Case): string {
  return `${c.id}: ${PROPERTIES[c.routine]}${c.async ? '; the *Async twin gives bitwise the same result' : ''}`;
}

// ---------------------------------------------------------------------------
// Worst observed errors, for the summary

interface Worst {
  value: number;
  bound: number;
  id: string;
}
const worst = new Map<string, Worst>();

/** Records `value` under routine/metric and checks it against `bound`. */
function within(c: Case, metric: string, value: number, bound: number): void {
  const key = `${c.routine} | ${metric}${c.group === undefined ? '' : ` (${c.group})`}`;
  const previous = worst.get(key);
  if (previous === undefined || value / bound > previous.value / previous.bound) worst.set(key, { value, bound, id: c.id });
  expect(value, `${c.id}: ${metric}`).toBeLessThanOrEqual(bound);
}

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  const rows = [...worst.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(
    ([key, w]) =>
      `${key.padEnd(62)} ${w.value.toExponential(2).padStart(9)} ≤ ${w.bound.toExponential(2).padStart(9)}  (${(w.value / w.bound).toFixed(3)})  ${w.id}`,
  );
  console.log(`Worst observed errors (value ≤ bound, used fraction of the bound, case):\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------
// Loading

async function loadArray(file: string | undefined, c: Case): Promise<{ shape: number[]; data: Float64Array }> {
  if (file === undefined) throw new Error(`${c.id}: the manifest lacks an array`);
  return readNpy(join(outDir, file));
}

async function loadMatrix(file: string | undefined, c: Case): Promise<Matrix> {
  const { shape, data } = await loadArray(file, c);
  const [rows, cols] = shape;
  if (shape.length !== 2 || rows === undefined || cols === undefined) throw new Error(`${file}: not a matrix`);
  return new Matrix(rows, cols, data);
}

async function loadVector(file: string | undefined, c: Case): Promise<Float64Array> {
  const { shape, data } = await loadArray(file, c);
  if (shape.length !== 1) throw new Error(`${file}: not a vector`);
  return data;
}

function scalar(c: Case, name: 'n' | 'cond' | 'norm2'): number {
  const value = c[name];
  if (value === undefined) throw new Error(`${c.id}: the manifest lacks ${name}`);
  return value;
}

/**
 * Runs the sync routine; for cases marked `async`, runs the *Async twin on
 * fresh copies of the inputs too and checks that every output array is
 * bitwise the same.
 */
async function compute<T>(
  c: Case,
  sync: () => T,
  async: () => Promise<T>,
  outputs: (result: T) => Float64Array[],
): Promise<T> {
  const result = sync();
  if (c.async) {
    const again = outputs(await async());
    const first = outputs(result);
    expect(again.length).toBe(first.length);
    first.forEach((array, k) => expect(sameBits(array, again[k]!), `${c.id}: *Async output ${k} differs from the sync one`).toBe(true));
  }
  return result;
}

// ---------------------------------------------------------------------------
// Numerics

function inTriangle(uplo: Uplo, i: number, j: number): boolean {
  return uplo === 'lower' ? j <= i : j >= i;
}

/** The uplo triangle of A with zeros elsewhere (and ones on the diagonal if `unitDiagonal`). */
function triangleOf(A: Matrix, uplo: Uplo, unitDiagonal = false): Matrix {
  const n = A.rows;
  const T = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j && unitDiagonal) T.data[i * n + j] = 1;
      else if (inTriangle(uplo, i, j)) T.data[i * n + j] = A.data[i * n + j]!;
    }
  }
  return T;
}

/** The symmetric matrix whose uplo triangle is that of A. */
function symmetricFrom(A: Matrix, uplo: Uplo): Matrix {
  const n = A.rows;
  const S = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) S.data[i * n + j] = inTriangle(uplo, i, j) ? A.data[i * n + j]! : A.data[j * n + i]!;
  }
  return S;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const x of a) m = Math.max(m, Math.abs(x));
  return m;
}

function frobenius(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  expect(a.length).toBe(b.length);
  return a.map((x, k) => x - b[k]!);
}

/** max |a − b| / max |b| (NaN counts as an infinite error). */
function relativeMaxAbs(a: Float64Array, b: Float64Array): number {
  const e = maxAbs(difference(a, b));
  return Number.isNaN(e) ? Infinity : e / maxAbs(b);
}

function relativeFrobenius(a: Float64Array, b: Float64Array): number {
  const e = frobenius(difference(a, b));
  return Number.isNaN(e) ? Infinity : e / frobenius(b);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, k) => v === y[k]);
}

/** Whether every entry of `after` outside the uplo triangle has the bits it had in `before` (NaN included). */
function otherTriangleUntouched(after: Matrix, before: Matrix, uplo: Uplo): boolean {
  const n = after.rows;
  const a = new BigUint64Array(after.data.buffer, after.data.byteOffset, n * n);
  const b = new BigUint64Array(before.data.buffer, before.data.byteOffset, n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (!inTriangle(uplo, i, j) && a[i * n + j] !== b[i * n + j]) return false;
  }
  return true;
}

/** The entries of the uplo triangle, row by row. */
function triangleEntries(A: Matrix, uplo: Uplo): Float64Array {
  const n = A.rows;
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (inTriangle(uplo, i, j)) out.push(A.data[i * n + j]!);
  return Float64Array.from(out);
}

// ---------------------------------------------------------------------------
// Checks per routine

async function checkGemm(c: Case): Promise<void> {
  const options = c.options as GemmOptions;
  const [A, B, C0, expected] = await Promise.all([
    loadMatrix(c.inputs.A, c),
    loadMatrix(c.inputs.B, c),
    loadMatrix(c.inputs.C, c),
    loadMatrix(c.expected.C, c),
  ]);
  const C = await compute(
    c,
    () => gemm(A, B, { ...options, out: C0.clone() }),
    () => gemmAsync(A, B, { ...options, out: C0.clone() }),
    (r) => [r.data],
  );
  within(c, 'max-abs error / max |C| vs numpy', relativeMaxAbs(C.data, expected.data), TOL.blas);
}

async function checkSyrk(c: Case): Promise<void> {
  const options = c.options as SyrkOptions & { uplo: Uplo };
  const [A, C0, expected] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.C, c), loadMatrix(c.expected.C, c)]);
  const C = await compute(
    c,
    () => syrk(A, { ...options, out: C0.clone() }),
    () => syrkAsync(A, { ...options, out: C0.clone() }),
    (r) => [r.data],
  );
  const error = relativeMaxAbs(triangleEntries(C, options.uplo), triangleEntries(expected, options.uplo));
  within(c, 'max-abs error / max |C| vs numpy (uplo triangle)', error, TOL.blas);
  expect(otherTriangleUntouched(C, C0, options.uplo), `${c.id}: the other triangle of C was written`).toBe(true);
}

async function checkTrsm(c: Case): Promise<void> {
  const options = c.options as TrsmOptions & { side: 'left' | 'right'; uplo: Uplo; transA: boolean; unitDiagonal: boolean; alpha: number };
  const [A, B0, expected] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.B, c), loadMatrix(c.expected.B, c)]);
  const X = await compute(
    c,
    () => trsm(A, B0.clone(), options),
    () => trsmAsync(A, B0.clone(), options),
    (r) => [r.data],
  );
  within(c, 'max-abs error / max |X| vs scipy', relativeMaxAbs(X.data, expected.data), TOL.blas);

  // R = op(T)·X − α·B (left) or X·op(T) − α·B (right), T = A's triangle as it is meant.
  const T = triangleOf(A, options.uplo, options.unitDiagonal);
  const R =
    options.side === 'left'
      ? gemm(T, X, { transA: options.transA, beta: -options.alpha, out: B0.clone() })
      : gemm(X, T, { transB: options.transA, beta: -options.alpha, out: B0.clone() });
  within(c, '‖op(A)·X − α·B‖_F / (‖A‖_F·‖X‖_F)', frobenius(R.data) / (frobenius(T.data) * frobenius(X.data)), TOL.trsmResidual);
}

/** Checks a Cholesky factor in F's uplo triangle: against scipy's, and by ‖F·Fᵀ − A‖ (or ‖FᵀF − A‖). */
function checkFactor(c: Case, F: Matrix, expected: Matrix, S: Matrix, uplo: Uplo): void {
  const cond = scalar(c, 'cond');
  const error = relativeFrobenius(triangleEntries(F, uplo), triangleEntries(expected, uplo));
  within(c, '‖F − F_scipy‖_F / ‖F_scipy‖_F', error, TOL.factorForward(cond));
  const L = triangleOf(F, uplo);
  const residual =
    uplo === 'lower' ? gemm(L, L, { transB: true, beta: -1, out: S.clone() }) : gemm(L, L, { transA: true, beta: -1, out: S.clone() });
  within(c, '‖LLᵀ − A‖_F / ‖A‖_F', frobenius(residual.data) / frobenius(S.data), TOL.factorBackward);
}

/** Checks solutions X (rows) of S·x = b: against scipy's and by their backward error. */
function checkSolution(c: Case, X: Matrix, expected: Matrix, S: Matrix, B: Matrix): void {
  within(c, '‖X − X_scipy‖_F / ‖X_scipy‖_F', relativeFrobenius(X.data, expected.data), TOL.solveForward(scalar(c, 'cond')));
  const R = gemm(X, S, { beta: -1, out: B.clone() }); // row i: x_iᵀ·A − b_iᵀ (A is symmetric)
  const norm2 = scalar(c, 'norm2');
  let backward = 0;
  for (let i = 0; i < X.rows; i++) backward = Math.max(backward, frobenius(R.row(i)) / (norm2 * frobenius(X.row(i))));
  within(c, 'max_i ‖A·x_i − b_i‖ / (‖A‖₂·‖x_i‖)', backward, TOL.solveResidual);
}

async function checkPotrf(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions & { uplo: Uplo };
  const [A0, expected] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.expected.F, c)]);
  const F = await compute(
    c,
    () => potrf(A0.clone(), options),
    () => potrfAsync(A0.clone(), options),
    (r) => [r.data],
  );
  checkFactor(c, F, expected, symmetricFrom(A0, options.uplo), options.uplo);
  expect(otherTriangleUntouched(F, A0, options.uplo), `${c.id}: the other triangle was written`).toBe(true);
}

async function checkPotrs(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions;
  const [F, B0, expected, S] = await Promise.all([
    loadMatrix(c.inputs.F, c),
    loadMatrix(c.inputs.B, c),
    loadMatrix(c.expected.X, c),
    loadMatrix(c.aux.A, c),
  ]);
  const F0 = F.clone();
  const X = await compute(
    c,
    () => potrs(F, B0.clone(), options),
    () => potrsAsync(F, B0.clone(), options),
    (r) => [r.data],
  );
  checkSolution(c, X, expected, S, B0);
  expect(sameBits(F.data, F0.data), `${c.id}: potrs modified the factor`).toBe(true);
}

async function checkPosv(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions & { uplo: Uplo };
  const [A0, B0, expectedX, expectedF] = await Promise.all([
    loadMatrix(c.inputs.A, c),
    loadMatrix(c.inputs.B, c),
    loadMatrix(c.expected.X, c),
    loadMatrix(c.expected.F, c),
  ]);
  const { A, X } = await compute(
    c,
    () => {
      const A = A0.clone();
      return { A, X: posv(A, B0.clone(), options) };
    },
    async () => {
      const A = A0.clone();
      return { A, X: await posvAsync(A, B0.clone(), options) };
    },
    (r) => [r.A.data, r.X.data],
  );
  const S = symmetricFrom(A0, options.uplo);
  checkSolution(c, X, expectedX, S, B0);
  checkFactor(c, A, expectedF, S, options.uplo);
  expect(otherTriangleUntouched(A, A0, options.uplo), `${c.id}: the other triangle was written`).toBe(true);
}

async function checkEigen(c: Case): Promise<void> {
  const options = c.options as EigenRangeOptions & { uplo: Uplo; vectors: boolean };
  const [A0, expectedValues, gaps] = await Promise.all([
    loadMatrix(c.inputs.A, c),
    loadVector(c.expected.values, c),
    loadVector(c.aux.gaps, c),
  ]);
  const [run, runAsync] = c.routine === 'syevd' ? [syevd, syevdAsync] : [syevr, syevrAsync];
  const { values, vectors } = await compute(
    c,
    () => run(A0.clone(), options),
    () => runAsync(A0.clone(), options),
    (r: Eigen) => (r.vectors === undefined ? [r.values] : [r.values, r.vectors.data]),
  );
  const norm2 = scalar(c, 'norm2');

  expect(values.length, `${c.id}: number of eigenvalues selected`).toBe(expectedValues.length);
  within(c, 'max |w − w_scipy| / ‖A‖₂', maxAbs(difference(values, expectedValues)) / norm2, TOL.eigenvalues);
  if (!options.vectors) {
    expect(vectors, `${c.id}: vectors were not asked for`).toBeUndefined();
    return;
  }
  if (vectors === undefined) throw new Error(`${c.id}: no eigenvectors returned`);
  const m = values.length;
  const n = scalar(c, 'n');
  expect([vectors.rows, vectors.cols]).toEqual([m, n]);

  // Rows of `vectors` are the eigenvectors: W·A − Λ·W is (A·V − V·Λ)ᵀ.
  const S = symmetricFrom(A0, options.uplo);
  const R = gemm(vectors, S);
  for (let i = 0; i < m; i++) {
    const row = R.row(i);
    const v = vectors.row(i);
    for (let j = 0; j < n; j++) row[j]! -= values[i]! * v[j]!;
  }
  within(c, '‖A·V − V·Λ‖_F / ‖A‖₂', frobenius(R.data) / norm2, TOL.eigenResidual);

  const G = gemm(vectors, vectors, { transB: true });
  for (let i = 0; i < m; i++) G.data[i * m + i]! -= 1;
  within(c, '‖VᵀV − I‖_F / (n·ε)', frobenius(G.data) / (n * EPS), TOL.eigenOrthogonality[c.routine === 'syevd' ? 'syevd' : 'syevr']);

  const expectedVectors = await loadMatrix(c.expected.vectors, c);
  let agreement = 0;
  for (let i = 0; i < m; i++) {
    const v = vectors.row(i);
    const ref = expectedVectors.row(i);
    const distance = Math.min(frobenius(difference(v, ref)), frobenius(v.map((x, j) => x + ref[j]!)));
    agreement = Math.max(agreement, (distance * gaps[i]!) / norm2);
  }
  within(c, 'max_i min‖v_i ± v_scipy‖·gap_i / ‖A‖₂', agreement, TOL.eigenvectorAgreement);
}

const CHECKS: Record<Case['routine'], (c: Case) => Promise<void>> = {
  gemm: checkGemm,
  syrk: checkSyrk,
  trsm: checkTrsm,
  potrf: checkPotrf,
  potrs: checkPotrs,
  posv: checkPosv,
  syevd: checkEigen,
  syevr: checkEigen,
};

for (const routine of Object.keys(CHECKS) as Case['routine'][]) {
  describe(routine, () => {
    for (const c of cases.filter((c) => c.routine === routine)) {
      it(title(c), () => CHECKS[routine](c));
    }
  });
}
