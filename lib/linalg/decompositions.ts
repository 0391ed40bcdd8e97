/**
 * The non-destructive decompositions, named and behaving as in scipy.linalg:
 * `cholesky`, `choFactor`/`choSolve` and `eigh` copy their input and leave
 * it untouched (the LAPACK-named potrf/potrs/syevd/syevr beside them work in
 * place, for zero-copy use). Each is the validated LAPACK wrapper run on a
 * copy, so argument checks, finiteness scans and LAPACK errors are those of
 * potrf, potrs, syevd and syevr, reported under this layer's names (`a`,
 * `b`, `c`, as scipy calls them).
 */
import { checkOptionKeys } from '../options.js';
import { runAsync, runSync, type Plan } from './call.js';
import { planPotrf, planSolve } from './cholesky.js';
import { checkSyevdSize, pair, planSyevd, planSyevr, type Eigen, type EigenRangeOptions } from './eigen.js';
import { checkMatrix, describe, Matrix, transpose, type MatrixLike } from './matrix.js';
import type { RoutineName } from './native.js';
import { checkBoolean, checkChoice, checkScalar, checkSquare, type Uplo } from './validate.js';

/** Options of {@link cholesky} and {@link choFactor}. */
export interface CholeskyFactorOptions {
  /** Factor as A = L·Lᵀ and return L (true), or as A = Uᵀ·U and return U (false). Default false, as in scipy. */
  lower?: boolean;
  /** Scan the triangle read for NaN/±Inf first (NonFiniteError), as scipy's check_finite. Default true. */
  checkFinite?: boolean;
}

/** What {@link choFactor} returns and {@link choSolve} takes, scipy's `(c, lower)`. */
export interface ChoFactor {
  /** The factor in the triangle `lower` names; the other triangle holds a's entries, as in scipy. */
  c: Matrix;
  /** Whether `c` holds L (A = L·Lᵀ) in its lower triangle or U (A = Uᵀ·U) in its upper one. */
  lower: boolean;
}

/** Options of {@link choSolve}. */
export interface ChoSolveOptions {
  /** Scan the factor's triangle and b for NaN/±Inf first (NonFiniteError). Default true. */
  checkFinite?: boolean;
}

/** The LAPACK drivers {@link eigh} can use: 'evr' (MRRR, dsyevr) or 'evd' (divide and conquer, dsyevd). */
export type EighDriver = 'evr' | 'evd';

/** Options of {@link eigh}. */
export interface EighOptions {
  /** Read a's lower triangle (true) or its upper one (false). Default true, as in scipy. */
  lower?: boolean;
  /** Return only the eigenvalues, as a Float64Array. Default false. */
  eigvalsOnly?: boolean;
  /**
   * `[lo, hi]`: only the lo-th to hi-th smallest eigenpairs, 0-based and
   * inclusive as in scipy (`[0, 0]` is the smallest). Default: all. Needs the
   * 'evr' driver.
   */
  subsetByIndex?: readonly [number, number];
  /**
   * `[vl, vu]`: only the eigenpairs with eigenvalue in the half-open interval
   * (vl, vu], possibly none; vl may be −Infinity and vu Infinity. Default:
   * all. Needs the 'evr' driver.
   */
  subsetByValue?: readonly [number, number];
  /** The LAPACK driver. Default 'evr', scipy's default for the standard problem. */
  driver?: EighDriver;
  /** Scan the triangle read for NaN/±Inf first (NonFiniteError), as scipy's check_finite. Default true. */
  checkFinite?: boolean;
}

/** What {@link eigh} returns with eigenvectors, scipy's `(w, v)`. */
export interface Eigh {
  /** The m eigenvalues, ascending. */
  values: Float64Array;
  /** n×m: column j is the unit eigenvector of values[j], as scipy's v[:, j]. */
  vectors: Matrix;
}

const CHOLESKY_KEYS = ['lower', 'checkFinite'] as const;
const CHO_SOLVE_KEYS = ['checkFinite'] as const;
const EIGH_KEYS = ['lower', 'eigvalsOnly', 'subsetByIndex', 'subsetByValue', 'driver', 'checkFinite'] as const;

/**
 * The Cholesky factor of the symmetric positive definite a: U with
 * a = Uᵀ·U (default), or L with a = L·Lᵀ (`lower: true`), the other
 * triangle zero, as scipy.linalg.cholesky. Reads only that triangle of a and
 * leaves a untouched. Throws NotPositiveDefiniteError with the order of the
 * leading minor that is not positive definite, NonFiniteError for NaN/±Inf.
 */
export function cholesky(a: MatrixLike, options?: CholeskyFactorOptions): Matrix {
  return runSync(planCholesky(a, options));
}

/** {@link cholesky} off the main thread. */
export async function choleskyAsync(a: MatrixLike, options?: CholeskyFactorOptions): Promise<Matrix> {
  return runAsync(planCholesky(a, options));
}

/**
 * The Cholesky factorisation of a copy of a, for {@link choSolve}, as
 * scipy.linalg.cho_factor: `c` holds the factor in the triangle `lower`
 * names (default false: U) and a's own entries in the other. Errors as for
 * {@link cholesky}.
 */
export function choFactor(a: MatrixLike, options?: CholeskyFactorOptions): ChoFactor {
  return runSync(planChoFactor('choFactor', a, options));
}

/** {@link choFactor} off the main thread. */
export async function choFactorAsync(a: MatrixLike, options?: CholeskyFactorOptions): Promise<ChoFactor> {
  return runAsync(planChoFactor('choFactor', a, options));
}

/**
 * x with a·x = b, from the factorisation of a by {@link choFactor}, as
 * scipy.linalg.cho_solve. b is a vector (Float64Array of n) or an n×k
 * matrix whose columns are the right-hand sides; x has b's kind and shape.
 * Leaves the factor and b untouched.
 */
export function choSolve(factor: ChoFactor, b: Float64Array, options?: ChoSolveOptions): Float64Array;
export function choSolve(factor: ChoFactor, b: MatrixLike, options?: ChoSolveOptions): Matrix;
export function choSolve(factor: ChoFactor, b: Float64Array | MatrixLike, options?: ChoSolveOptions): Float64Array | Matrix {
  return runSync(planChoSolve(factor, b, options));
}

/** {@link choSolve} off the main thread. */
export async function choSolveAsync(factor: ChoFactor, b: Float64Array, options?: ChoSolveOptions): Promise<Float64Array>;
export async function choSolveAsync(factor: ChoFactor, b: MatrixLike, options?: ChoSolveOptions): Promise<Matrix>;
export async function choSolveAsync(factor: ChoFactor, b: Float64Array | MatrixLike, options?: ChoSolveOptions): Promise<Float64Array | Matrix> {
  return runAsync(planChoSolve(factor, b, options));
}

/**
 * Eigenvalues, ascending, and eigenvectors of the symmetric a, as
 * scipy.linalg.eigh (standard problem): all of them, or the subset
 * `subsetByIndex` or `subsetByValue` selects. Reads one triangle of a
 * (`lower`, default true) and leaves a untouched. With `eigvalsOnly` it
 * returns the eigenvalues alone. Throws NonFiniteError for NaN/±Inf,
 * ConvergenceError when LAPACK does not converge.
 */
export function eigh(a: MatrixLike, options: EighOptions & { eigvalsOnly: true }): Float64Array;
export function eigh(a: MatrixLike, options?: EighOptions & { eigvalsOnly?: false }): Eigh;
export function eigh(a: MatrixLike, options?: EighOptions): Float64Array | Eigh;
export function eigh(a: MatrixLike, options?: EighOptions): Float64Array | Eigh {
  return runSync(planEigh(a, options));
}

/** {@link eigh} off the main thread. */
export async function eighAsync(a: MatrixLike, options: EighOptions & { eigvalsOnly: true }): Promise<Float64Array>;
export async function eighAsync(a: MatrixLike, options?: EighOptions & { eigvalsOnly?: false }): Promise<Eigh>;
export async function eighAsync(a: MatrixLike, options?: EighOptions): Promise<Float64Array | Eigh>;
export async function eighAsync(a: MatrixLike, options?: EighOptions): Promise<Float64Array | Eigh> {
  return runAsync(planEigh(a, options));
}

/** The plan with its result mapped by `then`. */
function mapPlan<K extends RoutineName, T, U>(plan: Plan<K, T>, then: (result: T) => U): Plan<K, U> {
  return { ...plan, finish: (info) => then(plan.finish(info)) };
}

/** A copy of a checked matrix argument; only the copy goes to LAPACK. */
function copyOf(where: string, name: string, a: unknown): Matrix {
  checkMatrix(where, name, a);
  return new Matrix(a.rows, a.cols, a.data.slice());
}

function triangle(lower: boolean): Uplo {
  return lower ? 'lower' : 'upper';
}

function planChoFactor(where: string, a: MatrixLike, options: CholeskyFactorOptions | undefined): Plan<'dpotrf', ChoFactor> {
  checkOptionKeys(where, options, CHOLESKY_KEYS);
  const lower = checkBoolean(where, 'lower', options?.lower, false);
  const c = copyOf(where, 'a', a);
  const checkFinite = checkBoolean(where, 'checkFinite', options?.checkFinite, true);
  const plan = planPotrf(c, { uplo: triangle(lower), checkFinite }, where, 'a');
  return mapPlan(plan, () => ({ c, lower }));
}

function planCholesky(a: MatrixLike, options: CholeskyFactorOptions | undefined): Plan<'dpotrf', Matrix> {
  return mapPlan(planChoFactor('cholesky', a, options), ({ c, lower }) => {
    const n = c.rows;
    // dpotrf leaves the other triangle as it was; scipy's cholesky returns zeros there.
    for (let i = 0; i < n; i++) {
      if (lower) c.data.fill(0, i * n + i + 1, (i + 1) * n);
      else c.data.fill(0, i * n, i * n + i);
    }
    return c;
  });
}

function planChoSolve(factor: ChoFactor, b: Float64Array | MatrixLike, options: ChoSolveOptions | undefined): Plan<'dpotrs', Float64Array | Matrix> {
  const where = 'choSolve';
  checkOptionKeys(where, options, CHO_SOLVE_KEYS);
  if (typeof factor !== 'object' || factor === null) {
    throw new TypeError(`${where}: factor must be choFactor's { c, lower }, got ${describe(factor)}`);
  }
  const { lower } = factor;
  if (typeof lower !== 'boolean') throw new TypeError(`${where}: factor.lower must be a boolean, got ${describe(lower)}`);
  checkMatrix(where, 'factor.c', factor.c);
  const isVector = b instanceof Float64Array;
  const bMatrix = isVector ? new Matrix(b.length, 1, b) : (checkMatrix(where, 'b', b), b);
  const n = checkSquare(where, 'factor.c', factor.c);
  if (bMatrix.rows !== n) {
    throw new RangeError(`${where}: b must have ${n} rows (one per row of factor.c), got ${isVector ? `length ${b.length}` : `${bMatrix.rows}×${bMatrix.cols}`}`);
  }
  // potrs solves for the rows of its B; scipy's right-hand sides are b's columns.
  const rhs = transpose(bMatrix);
  const uplo = triangle(lower);
  const plan = planSolve(where, 'dpotrs', factor.c, rhs, { uplo }, { A: 'factor.c', B: 'b' });
  const scan = checkBoolean(where, 'checkFinite', options?.checkFinite, true);
  const finite = scan ? [{ name: 'factor.c', matrix: factor.c, part: uplo }, { name: 'b', matrix: bMatrix, part: 'all' as const }] : [];
  return mapPlan({ ...plan, finite }, (x) => (isVector ? x.data : transpose(x)));
}

function planEigh(a: MatrixLike, options: EighOptions | undefined): Plan<'dsyevd' | 'dsyevr', Float64Array | Eigh> {
  const where = 'eigh';
  checkOptionKeys(where, options, EIGH_KEYS);
  const o = options ?? {};
  const uplo = triangle(checkBoolean(where, 'lower', o.lower, true));
  const vectors = !checkBoolean(where, 'eigvalsOnly', o.eigvalsOnly, false);
  const driver = checkChoice(where, 'driver', o.driver, ['evr', 'evd'] as const);
  checkMatrix(where, 'a', a);
  // Before the copy: at the n where dsyevd's workspace overflows, the copy alone is 8.6 GB.
  if (driver === 'evd' && vectors) checkSyevdSize(checkSquare(where, 'a', a), where, "eigvalsOnly: true or driver 'evr'");
  const copy = copyOf(where, 'a', a);
  const n = checkSquare(where, 'a', copy);
  if (o.subsetByIndex !== undefined && o.subsetByValue !== undefined) {
    throw new TypeError(`${where}: give subsetByIndex or subsetByValue, not both`);
  }
  const subset = o.subsetByIndex !== undefined ? 'subsetByIndex' : o.subsetByValue !== undefined ? 'subsetByValue' : undefined;
  if (subset !== undefined && driver !== 'evr') {
    throw new RangeError(`${where}: ${subset} needs driver 'evr' (dsyevr), got driver '${driver}'`);
  }
  const common = { vectors, uplo, checkFinite: checkBoolean(where, 'checkFinite', o.checkFinite, true) };
  const result = ({ values, vectors: rows }: Eigen) => (rows === undefined ? values : { values, vectors: transpose(rows) });
  if (driver === 'evd') return mapPlan(planSyevd(copy, common, where, 'a'), result);
  const range: EigenRangeOptions = { ...common };
  if (o.subsetByIndex !== undefined) range.select = { index: indexRange(where, o.subsetByIndex, n) };
  if (o.subsetByValue !== undefined) range.select = { value: valueRange(where, o.subsetByValue, copy, uplo) };
  return mapPlan(planSyevr(copy, range, where, 'a'), result);
}

/** scipy's inclusive [lo, hi] as syevr's half-open index range. */
function indexRange(where: string, range: unknown, n: number): [number, number] {
  const [lo, hi] = pair(where, 'subsetByIndex', range);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || lo > hi || hi >= n) {
    throw new RangeError(`${where}: subsetByIndex [${lo}, ${hi}] must be integers with 0 ≤ lo ≤ hi ≤ n − 1 = ${n - 1}`);
  }
  return [lo, hi + 1];
}

/**
 * (vl, vu] with infinite ends replaced by finite ones beyond every
 * eigenvalue (dsyevr needs finite bounds): by Gershgorin, |λ| ≤ ‖A‖∞, the
 * largest absolute row sum of the symmetric matrix the triangle defines.
 */
function valueRange(where: string, range: unknown, a: Matrix, uplo: Uplo): [number, number] {
  if (!Array.isArray(range) || range.length !== 2) throw new TypeError(`${where}: subsetByValue must be a pair [vl, vu]`);
  const [vl, vu] = range.map((v, i) => (v === -Infinity || v === Infinity ? v : checkScalar(where, `subsetByValue[${i}]`, v))) as [number, number];
  if (!(vl < vu)) throw new RangeError(`${where}: subsetByValue [${vl}, ${vu}] must have vl < vu`);
  if (Number.isFinite(vl) && Number.isFinite(vu)) return [vl, vu];
  // A NaN in a makes the bound NaN: any finite bound will do, as the finiteness scan then reports the NaN.
  const bound = gershgorinBound(a, uplo);
  const beyond = Number.isFinite(bound) ? 2 * bound + 1 : Number.MAX_VALUE;
  return [Number.isFinite(vl) ? vl : -beyond, Number.isFinite(vu) ? vu : beyond];
}

function gershgorinBound(a: Matrix, uplo: Uplo): number {
  const n = a.rows;
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [from, to] = uplo === 'lower' ? [0, i] : [i, n - 1];
    for (let j = from; j <= to; j++) {
      const v = Math.abs(a.data[i * n + j]!);
      sums[i] = sums[i]! + v;
      if (j !== i) sums[j] = sums[j]! + v;
    }
  }
  return sums.reduce((m, s) => Math.max(m, s), 0);
}
