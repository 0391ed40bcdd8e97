/**
 * Symmetric eigen-decompositions. A symmetric matrix is its own transpose,
 * so only the triangle flag changes on the way to LAPACK (column-major); the
 * eigenvectors LAPACK writes as columns come back as rows: row i of
 * `vectors` is the unit eigenvector of `values[i]`, i.e. `vectors` holds Vᵀ.
 */
import { ConvergenceError } from '../errors.js';
import { keysOf } from '../options.js';
import { runAsync, runSync, type Plan } from './call.js';
import { checkMatrix, LAPACK_INT_MAX, Matrix, type MatrixLike } from './matrix.js';
import { checkBoolean, checkChoice, checkOptions, checkScalar, checkSquare, columnMajorUplo, leading, type Uplo } from './validate.js';

export interface EigenOptions {
  /** Compute the eigenvectors too. Default true. */
  vectors?: boolean;
  /** The triangle of A that is read. Default 'lower'. */
  uplo?: Uplo;
  /** Scan the triangle for NaN/±Inf first (NonFiniteError), as scipy's check_finite does. Default true. */
  checkFinite?: boolean;
}

const EIGEN_OPTIONS = keysOf<EigenOptions>({ vectors: true, uplo: true, checkFinite: true });

export interface Eigen {
  /** Ascending eigenvalues. */
  values: Float64Array;
  /** Row i is the unit eigenvector of values[i]; absent when not asked for. */
  vectors?: Matrix;
}

/**
 * All eigenvalues (and eigenvectors) of the symmetric matrix A by divide and
 * conquer (dsyevd). A is destroyed; with vectors, its storage becomes
 * `vectors`. Throws NonFiniteError for NaN/±Inf in the triangle read,
 * ConvergenceError when LAPACK fails to converge.
 */
export function syevd(A: MatrixLike, options?: EigenOptions): Eigen {
  return runSync(planSyevd(A, options));
}

/** {@link syevd} off the main thread. */
export async function syevdAsync(A: MatrixLike, options?: EigenOptions): Promise<Eigen> {
  return runAsync(planSyevd(A, options));
}

/**
 * dsyevd's workspace with vectors, 1 + 6n + 2n² entries, must be a 32-bit
 * integer. `where` names the caller and `instead` what it offers in place of
 * dsyevd with vectors (the two layers spell their options differently).
 */
export function checkSyevdSize(n: number, where = 'syevd', instead = 'vectors: false or syevr'): void {
  if (1 + 6 * n + 2 * n * n > LAPACK_INT_MAX) {
    throw new RangeError(
      `${where}: n = ${n} needs dsyevd's workspace of 1 + 6n + 2n² = ${1 + 6 * n + 2 * n * n} entries, beyond LAPACK's 32-bit integers (n ≤ 32766); use ${instead}`,
    );
  }
}

/**
 * The checked dsyevd call. `where` and `name` are what errors call the
 * routine and the matrix (the scipy-named layer, decompositions.ts, reports
 * its own names).
 */
export function planSyevd(A: MatrixLike, options: EigenOptions | undefined, where = 'syevd', name = 'A'): Plan<'dsyevd', Eigen> {
  const o = checkOptions(where, options, EIGEN_OPTIONS);
  checkMatrix(where, name, A);
  const vectors = checkBoolean(where, 'vectors', o.vectors, true);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const n = checkSquare(where, name, A);
  if (vectors) checkSyevdSize(n, where);
  const values = new Float64Array(n);
  return {
    routine: where,
    native: 'dsyevd',
    args: [vectors ? 'V' : 'N', columnMajorUplo(uplo), n, A.data, leading(n), values],
    workspace: `LAPACK's workspace for n = ${n}`,
    finite: checkBoolean(where, 'checkFinite', o.checkFinite, true) ? [{ name, matrix: A, part: uplo }] : [],
    finish: (info) => {
      if (info > 0) {
        throw new ConvergenceError(where, info, 'the divide-and-conquer eigensolver did not converge');
      }
      return vectors ? { values, vectors: new Matrix(n, n, A.data) } : { values };
    },
  };
}

export interface EigenRangeOptions extends EigenOptions {
  /**
   * Which eigenpairs: `{ index: [lo, hi] }`, the lo-th to (hi−1)-th smallest
   * (0-based, like `slice`; none when lo = hi); `{ value: [vl, vu] }`, those
   * with eigenvalue in (vl, vu], possibly none. All of them when absent. An
   * empty selection gives empty `values` and a 0×n `vectors`.
   */
  select?: { index: [number, number] } | { value: [number, number] };
}

const EIGEN_RANGE_OPTIONS = keysOf<EigenRangeOptions>({ vectors: true, uplo: true, checkFinite: true, select: true });

/**
 * Some or all eigenpairs of the symmetric matrix A by the MRRR algorithm
 * (dsyevr). A is destroyed. Errors as for {@link syevd}.
 */
export function syevr(A: MatrixLike, options?: EigenRangeOptions): Eigen {
  return runSync(planSyevr(A, options));
}

/** {@link syevr} off the main thread. */
export async function syevrAsync(A: MatrixLike, options?: EigenRangeOptions): Promise<Eigen> {
  return runAsync(planSyevr(A, options));
}

/** The checked dsyevr call; `where` and `name` as for {@link planSyevd}. */
export function planSyevr(A: MatrixLike, options: EigenRangeOptions | undefined, where = 'syevr', name = 'A'): Plan<'dsyevr', Eigen> {
  const o = checkOptions(where, options, EIGEN_RANGE_OPTIONS);
  checkMatrix(where, name, A);
  const vectors = checkBoolean(where, 'vectors', o.vectors, true);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const n = checkSquare(where, name, A);
  const { range, vl, vu, il, iu, count } = selection(where, o.select, n);
  const values = new Float64Array(n);
  const z = vectors ? new Float64Array(n * count) : new Float64Array(1);
  const found = new Int32Array(1);
  return {
    routine: where,
    native: 'dsyevr',
    args: [vectors ? 'V' : 'N', range, columnMajorUplo(uplo), n, A.data, leading(n), vl, vu, il, iu, 0, values, z, leading(n), found],
    workspace: `LAPACK's workspace for n = ${n}`,
    finite: checkBoolean(where, 'checkFinite', o.checkFinite, true) ? [{ name, matrix: A, part: uplo }] : [],
    // LAPACK has no empty index range (it needs il ≤ iu) but for n = 0: the answer is no eigenpair.
    skipNative: range === 'I' && count === 0,
    finish: (info) => {
      if (info > 0) throw new ConvergenceError(where, info, 'the MRRR eigensolver failed (internal error in dsyevr)');
      const m = found[0]!;
      const kept = values.slice(0, m);
      if (!vectors) return { values: kept };
      // For a value range only the first m of n allocated rows are filled.
      return { values: kept, vectors: new Matrix(m, n, m === count ? z : z.slice(0, m * n)) };
    },
  };
}

function selection(where: string, select: unknown, n: number) {
  const all = { range: 'A', vl: 0, vu: 0, il: 0, iu: 0, count: n } as const;
  if (select === undefined) return all;
  if (typeof select !== 'object' || select === null) throw new TypeError(`${where}: select must be an object`);
  if ('index' in select) {
    const [lo, hi] = pair(where, 'select.index', select.index);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > n || lo > hi) {
      throw new RangeError(`${where}: select.index [${lo}, ${hi}] must satisfy 0 ≤ lo ≤ hi ≤ n = ${n} (integers)`);
    }
    return { range: 'I', vl: 0, vu: 0, il: lo + 1, iu: hi, count: hi - lo } as const;
  }
  if ('value' in select) {
    const [vl, vu] = pair(where, 'select.value', select.value);
    if (!(vl < vu)) throw new RangeError(`${where}: select.value [${vl}, ${vu}] must have vl < vu`);
    return { ...all, range: 'V', vl, vu } as const;
  }
  throw new TypeError(`${where}: select must be { index: [lo, hi] } or { value: [vl, vu] }`);
}

/** A pair [a, b] of finite numbers, the argument `name`. */
export function pair(where: string, name: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${where}: ${name} must be a pair [a, b]`);
  return [checkScalar(where, `${name}[0]`, value[0]), checkScalar(where, `${name}[1]`, value[1])];
}
