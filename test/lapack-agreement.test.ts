/**
 * Acceptance test: every binding's results carry no more error than the
 * routine guarantees, on random inputs of sizes 1, 2, 17, 200 and 1000, well-
 * and ill-conditioned, in every uplo / transpose case.
 *
 * test/reference/lapack_cases.py writes the cases as .npy files plus a
 * manifest.json; there is one test per case. The generator runs at module
 * load (not in beforeAll) because the tests are made from the manifest.
 *
 * The errors are measured by test/reference/lapack_judge.py, one long-running
 * Python process that reads the case's inputs and the arrays nntk returned,
 * and forms residuals (C − α·A·B, op(T)·X − α·B, L·Lᵀ − A, X·A − B,
 * A·V − V·Λ, V·Vᵀ − I) with exact float64 splits summed in long double
 * (test/reference/accurate.py): no other BLAS or LAPACK result is a
 * reference, and the measurement's own error is ≈ 1e-19 relative. The exact
 * solutions for the forward errors come from iterative refinement with those
 * residuals; the eigenvalues are compared with the spectrum each matrix was
 * built from.
 *
 * The bounds are Higham's, "Accuracy and Stability of Numerical Algorithms"
 * (2nd ed., 2002), with u = 2⁻⁵³ and γₙ = n·u/(1 − n·u) (test/tolerance.ts),
 * and for the eigensolvers LAPACK's own: they hold for any summation order,
 * blocking or FMA use, so for every OpenBLAS kernel family.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
import { readNpy, writeNpy } from '../lib/io/npy.js';
import { gamma, LAPACK_THRESHOLD } from './tolerance.js';

// ---------------------------------------------------------------------------
// Bounds. Each is a function of the case's dimensions (and κ), never a
// multiple of an observed error.

const EPS = Number.EPSILON;

/**
 * dsyevr (MRRR) computes the vectors of eigenvalues closer than its relative
 * gap threshold gaptol = 1e-3 from a shared representation; their pairwise
 * orthogonality is O(n·ε/gaptol) (Dhillon, Parlett & Vömel, SIAM J. Sci.
 * Comput. 27, 2005), where dsyevd's is O(n·ε).
 */
const MRRR_GAPTOL = 1e-3;

const BOUND = {
  /**
   * gemm and syrk, max_ij |Ĉ − C|ᵢⱼ / (|α|·|op(A)|·|op(B)| + |β|·|C₀|)ᵢⱼ: a dot
   * product of length k in any order is within γ_k·|x|ᵀ|y| (Higham §3.1),
   * plus the product with α and the sum with β·C₀: γ_{k+2}.
   */
  product: (k: number) => gamma(k + 2),
  /**
   * trsm, max_ij |op(T)·X̂ − α·B|ᵢⱼ / (|op(T)|·|X̂| + |α·B|)ᵢⱼ: substitution in any
   * order is componentwise backward stable with γₙ (Higham Thm 8.5); one
   * rounding more for the reciprocal of the diagonal that OpenBLAS's kernels
   * multiply by, and one for α.
   */
  triangularSolve: (n: number) => gamma(n + 2),
  /**
   * Cholesky, max_ij |L̂·L̂ᵀ − A|ᵢⱼ / (|L̂|·|L̂ᵀ|)ᵢⱼ: γ_{n+1} (Higham Thm 10.3, any
   * order of the inner products, so blocked dpotrf too), one more for the
   * reciprocal diagonal of its triangular solves.
   */
  factor: (n: number) => gamma(n + 2),
  /**
   * Solutions, max_ij |X̂·A − B|ᵢⱼ / (|X̂|·|L̂|·|L̂ᵀ|)ᵢⱼ: factorisation and the two
   * substitutions give γ_{3n+1} (Higham Thm 10.4), plus the three reciprocal
   * diagonals.
   */
  solve: (n: number) => gamma(3 * n + 4),
  /**
   * Forward error of each solution row against the exact one, ‖x̂ − x‖/‖x‖:
   * with normwise backward error η = γ_{3n+4}·‖L̂‖²_F/‖A‖₂ (‖|L̂||L̂ᵀ|‖₂ ≤ ‖L̂‖²_F),
   * at most κ·η/(1 − κ·η) ≤ 2κ·η (Higham Thm 7.2) when κ·η ≤ 1/2; beyond that
   * the bound says nothing, and the backward error is the only guarantee.
   */
  forward: (n: number, kappa: number, factorGrowth: number): number | null => {
    const eta = gamma(3 * n + 4) * factorGrowth;
    return kappa * eta <= 0.5 ? 2 * kappa * eta : null;
  },
  /** Eigenpairs, max_i ‖A·v̂ᵢ − λ̂ᵢ·v̂ᵢ‖₂ / ‖A‖₂ (LAPACK's test ratio, dsyt21). */
  eigenResidual: (n: number) => LAPACK_THRESHOLD * n * EPS,
  /** Orthonormality, max_ij |V̂·V̂ᵀ − I|ᵢⱼ. */
  orthogonality: (routine: 'syevd' | 'syevr', n: number) => (routine === 'syevd' ? LAPACK_THRESHOLD : 1 / MRRR_GAPTOL) * n * EPS,
  /**
   * Eigenvalues, max_i |λ̂ᵢ − λᵢ| against the designed spectrum: Weyl's theorem
   * for the backward error p(n)·ε·‖A‖₂, plus how far A's eigenvalues may lie
   * from the designed ones (the generator's spectrumError).
   */
  eigenvalues: (n: number, norm2: number, spectrumError: number) => LAPACK_THRESHOLD * n * EPS * norm2 + spectrumError,
};

// ---------------------------------------------------------------------------
// The cases

interface Case {
  id: string;
  routine: 'gemm' | 'syrk' | 'trsm' | 'potrf' | 'potrs' | 'posv' | 'syevd' | 'syevr';
  /** The options object exactly as it is passed to the routine. */
  options: unknown;
  inputs: Record<string, string>;
  aux: Record<string, string>;
  /** Run the *Async twin too; it must give bitwise the same results. */
  async: boolean;
  n?: number;
  /** κ₂ of the designed matrix (SPD cases). */
  cond?: number;
  /** ‖A‖₂ of the designed matrix (SPD and eigen cases). */
  norm2?: number;
  /** How far the stored matrix's eigenvalues may lie from the designed ones (SPD and eigen cases). */
  spectrumError?: number;
  /** For the summary: the conditioning (Cholesky) or the spectrum (eigen). */
  group?: string;
}

const referenceDir = fileURLToPath(new URL('./reference/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'nntk-lapack-'));
let cases: Case[];
try {
  execFileSync('python3', [join(referenceDir, 'lapack_cases.py'), outDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  cases = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Case[];
} catch (error) {
  rmSync(outDir, { recursive: true, force: true });
  throw error;
}

/** lapack_judge.py, answering one request line with one reply line, in order. */
const judgeProcess = spawn('python3', [join(referenceDir, 'lapack_judge.py'), outDir], { stdio: ['pipe', 'pipe', 'inherit'] });
const replies: ((line: string) => void)[] = [];
createInterface({ input: judgeProcess.stdout }).on('line', (line) => replies.shift()?.(line));

type Metrics = Record<string, number>;

/** Writes nntk's outputs next to the case's inputs and has the judge measure them. */
async function judge(c: Case, outputs: Record<string, Matrix | Float64Array>): Promise<Metrics> {
  const files: Record<string, string> = {};
  await Promise.all(
    Object.entries(outputs).map(([role, value]) => {
      const file = `${c.id.replaceAll('/', '_')}_nntk-${role}.npy`;
      files[role] = file;
      const array = value instanceof Matrix ? { shape: [value.rows, value.cols], data: value.data } : { shape: [value.length], data: value };
      return writeNpy(join(outDir, file), array);
    }),
  );
  const line = await new Promise<string>((resolve) => {
    replies.push(resolve);
    judgeProcess.stdin.write(`${JSON.stringify({ id: c.id, outputs: files })}\n`);
  });
  const reply = JSON.parse(line) as { metrics?: Metrics; error?: string };
  if (reply.metrics === undefined) throw new Error(`${c.id}: the judge failed:\n${reply.error}`);
  return reply.metrics;
}

const PROPERTIES: Record<Case['routine'], string> = {
  gemm: 'C = α·op(A)·op(B) + β·C is within γ_{k+2} of exact, entry by entry',
  syrk: 'the uplo triangle of C is within γ_{k+2} of exact, entry by entry, and the other triangle is untouched',
  trsm: 'X is componentwise backward stable (γ_{n+2}), the unread triangle (NaN) is ignored',
  potrf: 'L·Lᵀ − A is within γ_{n+2}·|L||Lᵀ|, the other triangle is untouched',
  potrs: 'X is backward stable (γ_{3n+4}·|X||L||Lᵀ|) and within 2κη of exact where that bound holds, the factor is unchanged',
  posv: 'X is backward stable and within 2κη of exact where that bound holds, A holds a backward-stable factor, the other triangle is untouched',
  syevd: 'eigenvalues within 30nε‖A‖ of the spectrum; eigenvectors with residual ≤ 30nε‖A‖ and orthonormal to 30nε',
  syevr: 'the selected eigenvalues are those of the designed spectrum, within 30nε‖A‖; eigenvectors with residual ≤ 30nε‖A‖ and orthonormal to nε/gaptol',
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
function within(c: Case, metric: string, value: number | undefined, bound: number): void {
  if (value === undefined) throw new Error(`${c.id}: the judge did not measure ${metric}`);
  const key = `${c.routine} | ${metric}${c.group === undefined ? '' : ` (${c.group})`}`;
  const previous = worst.get(key);
  if (previous === undefined || value / bound > previous.value / previous.bound) worst.set(key, { value, bound, id: c.id });
  expect(value, `${c.id}: ${metric}`).toBeLessThanOrEqual(bound);
}

afterAll(() => {
  judgeProcess.stdin.end();
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

function scalar(c: Case, name: 'n' | 'cond' | 'norm2' | 'spectrumError'): number {
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

function inTriangle(uplo: Uplo, i: number, j: number): boolean {
  return uplo === 'lower' ? j <= i : j >= i;
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

// ---------------------------------------------------------------------------
// Checks per routine

async function checkGemm(c: Case): Promise<void> {
  const options = c.options as GemmOptions;
  const [A, B, C0] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.B, c), loadMatrix(c.inputs.C, c)]);
  const C = await compute(
    c,
    () => gemm(A, B, { ...options, out: C0.clone() }),
    () => gemmAsync(A, B, { ...options, out: C0.clone() }),
    (r) => [r.data],
  );
  const k = options.transA ? A.rows : A.cols;
  within(c, '|Ĉ − C| / (|α||A||B| + |β||C₀|)', (await judge(c, { C })).componentwise, BOUND.product(k));
}

async function checkSyrk(c: Case): Promise<void> {
  const options = c.options as SyrkOptions & { uplo: Uplo };
  const [A, C0] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.C, c)]);
  const C = await compute(
    c,
    () => syrk(A, { ...options, out: C0.clone() }),
    () => syrkAsync(A, { ...options, out: C0.clone() }),
    (r) => [r.data],
  );
  const k = options.trans ? A.rows : A.cols;
  within(c, '|Ĉ − C| / (|α||A||Aᵀ| + |β||C₀|), uplo triangle', (await judge(c, { C })).componentwise, BOUND.product(k));
  expect(otherTriangleUntouched(C, C0, options.uplo), `${c.id}: the other triangle of C was written`).toBe(true);
}

async function checkTrsm(c: Case): Promise<void> {
  const options = c.options as TrsmOptions & { side: 'left' | 'right'; uplo: Uplo; transA: boolean; unitDiagonal: boolean; alpha: number };
  const [A, B0] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.B, c)]);
  const X = await compute(
    c,
    () => trsm(A, B0.clone(), options),
    () => trsmAsync(A, B0.clone(), options),
    (r) => [r.data],
  );
  within(c, '|op(T)·X̂ − α·B| / (|op(T)||X̂| + |α·B|)', (await judge(c, { B: X })).backward, BOUND.triangularSolve(A.rows));
}

/** κ₂ of the stored matrix: its designed extreme eigenvalues, each moved by at most spectrumError. */
function storedCondition(c: Case): number {
  const norm2 = scalar(c, 'norm2');
  const error = scalar(c, 'spectrumError');
  const smallest = norm2 / scalar(c, 'cond') - error;
  return smallest > 0 ? (norm2 + error) / smallest : Infinity;
}

function checkSolutionMetrics(c: Case, metrics: Metrics): void {
  const n = scalar(c, 'n');
  within(c, '|X̂·A − B| / (|X̂||L̂||L̂ᵀ|)', metrics.backward, BOUND.solve(n));
  const factorGrowth = metrics.factorGrowth;
  if (factorGrowth === undefined) throw new Error(`${c.id}: the judge did not measure factorGrowth`);
  const bound = BOUND.forward(n, storedCondition(c), factorGrowth);
  if (bound !== null) within(c, 'max_i ‖x̂ᵢ − xᵢ‖ / ‖xᵢ‖', metrics.forward, bound);
}

async function checkPotrf(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions & { uplo: Uplo };
  const A0 = await loadMatrix(c.inputs.A, c);
  const F = await compute(
    c,
    () => potrf(A0.clone(), options),
    () => potrfAsync(A0.clone(), options),
    (r) => [r.data],
  );
  within(c, '|L̂L̂ᵀ − A| / (|L̂||L̂ᵀ|)', (await judge(c, { F })).factorBackward, BOUND.factor(scalar(c, 'n')));
  expect(otherTriangleUntouched(F, A0, options.uplo), `${c.id}: the other triangle was written`).toBe(true);
}

async function checkPotrs(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions;
  const [F, B0] = await Promise.all([loadMatrix(c.inputs.F, c), loadMatrix(c.inputs.B, c)]);
  const F0 = F.clone();
  const X = await compute(
    c,
    () => potrs(F, B0.clone(), options),
    () => potrsAsync(F, B0.clone(), options),
    (r) => [r.data],
  );
  checkSolutionMetrics(c, await judge(c, { X }));
  expect(sameBits(F.data, F0.data), `${c.id}: potrs modified the factor`).toBe(true);
}

async function checkPosv(c: Case): Promise<void> {
  const options = c.options as CholeskyOptions & { uplo: Uplo };
  const [A0, B0] = await Promise.all([loadMatrix(c.inputs.A, c), loadMatrix(c.inputs.B, c)]);
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
  const metrics = await judge(c, { F: A, X });
  within(c, '|L̂L̂ᵀ − A| / (|L̂||L̂ᵀ|)', metrics.factorBackward, BOUND.factor(scalar(c, 'n')));
  checkSolutionMetrics(c, metrics);
  expect(otherTriangleUntouched(A, A0, options.uplo), `${c.id}: the other triangle was written`).toBe(true);
}

async function checkEigen(c: Case): Promise<void> {
  const options = c.options as EigenRangeOptions & { uplo: Uplo; vectors: boolean };
  const routine = c.routine === 'syevd' ? 'syevd' : 'syevr';
  const [A0, spectrum] = await Promise.all([loadMatrix(c.inputs.A, c), loadArray(c.aux.spectrum, c)]);
  const [run, runAsync] = routine === 'syevd' ? [syevd, syevdAsync] : [syevr, syevrAsync];
  const { values, vectors } = await compute(
    c,
    () => run(A0.clone(), options),
    () => runAsync(A0.clone(), options),
    (r: Eigen) => (r.vectors === undefined ? [r.values] : [r.values, r.vectors.data]),
  );
  const [n, norm2] = [scalar(c, 'n'), scalar(c, 'norm2')];

  // The selection's ends lie in gaps ≥ 1e-8·‖A‖₂ of the spectrum (lapack_cases.py), far wider than any error.
  expect(values.length, `${c.id}: number of eigenvalues selected`).toBe(spectrum.data.length);
  if (!options.vectors) expect(vectors, `${c.id}: vectors were not asked for`).toBeUndefined();
  else {
    if (vectors === undefined) throw new Error(`${c.id}: no eigenvectors returned`);
    expect([vectors.rows, vectors.cols]).toEqual([values.length, n]);
  }
  const metrics = await judge(c, vectors === undefined ? { values } : { values, vectors });
  within(c, 'max_i |λ̂ᵢ − λᵢ|', metrics.valueError, BOUND.eigenvalues(n, norm2, scalar(c, 'spectrumError')));
  if (vectors === undefined) return;
  within(c, 'max_i ‖A·v̂ᵢ − λ̂ᵢ·v̂ᵢ‖ / ‖A‖₂', (metrics.residual ?? NaN) / norm2, BOUND.eigenResidual(n));
  within(c, 'max_ij |V̂V̂ᵀ − I|', metrics.orthogonality, BOUND.orthogonality(routine, n));
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
