/**
 * Cholesky factorisation and solves of symmetric positive definite systems.
 *
 * Right-hand sides are the rows of B (nrhs×n). In memory a row-major nrhs×n
 * matrix is the column-major n×nrhs one, so B goes to LAPACK as it is: each
 * row b becomes A⁻¹b, i.e. B ← B·A⁻¹ (A is symmetric). A single vector is
 * a 1×n matrix.
 */
import { NotPositiveDefiniteError } from '../errors.js';
import { keysOf } from '../options.js';
import { runAsync, runSync, type Plan } from './call.js';
import { checkMatrix, type MatrixLike } from './matrix.js';
import type { NativeRoutines } from './native.js';
import { checkBoolean, checkChoice, checkDisjoint, checkOptions, checkSquare, columnMajorUplo, leading, type Uplo } from './validate.js';

export interface CholeskyOptions {
  /** The triangle of A that holds (or receives) the factor. Default 'lower'. */
  uplo?: Uplo;
}

const CHOLESKY_OPTIONS = keysOf<CholeskyOptions>({ uplo: true });

export interface FactorOptions extends CholeskyOptions {
  /**
   * Scan A's triangle (and posv's B) for NaN/±Inf first, as scipy's
   * check_finite does: OpenBLAS's dpotrf factors NaN silently. The scan reads
   * the triangle once (≈ 4% of dpotrf at n = 2000). Default true.
   */
  checkFinite?: boolean;
}

const FACTOR_OPTIONS = keysOf<FactorOptions>({ uplo: true, checkFinite: true });

/**
 * A = L·Lᵀ ('lower') or A = Uᵀ·U ('upper'), the factor overwriting that
 * triangle of A (dpotrf); the other triangle is not touched. Throws
 * NotPositiveDefiniteError with the order of the failing leading minor, and
 * NonFiniteError when the triangle holds NaN or ±Inf. Returns A.
 */
export function potrf<T extends MatrixLike>(A: T, options?: FactorOptions): T {
  return runSync(planPotrf(A, options));
}

/** {@link potrf} off the main thread. */
export async function potrfAsync<T extends MatrixLike>(A: T, options?: FactorOptions): Promise<T> {
  return runAsync(planPotrf(A, options));
}

/**
 * The checked dpotrf call. `where` and `name` are what errors call the
 * routine and the matrix: the scipy-named layer (decompositions.ts) reports
 * its own names through them.
 */
export function planPotrf<T extends MatrixLike>(A: T, options: FactorOptions | undefined, where = 'potrf', name = 'A'): Plan<'dpotrf', T> {
  const o = checkOptions(where, options, FACTOR_OPTIONS);
  checkMatrix(where, name, A);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const checkFinite = checkBoolean(where, 'checkFinite', o.checkFinite, true);
  const n = checkSquare(where, name, A);
  return {
    routine: where,
    native: 'dpotrf',
    args: [columnMajorUplo(uplo), n, A.data, leading(n)],
    finite: checkFinite ? [{ name, matrix: A, part: uplo }] : [],
    finish: (info) => {
      if (info > 0) throw new NotPositiveDefiniteError(where, info, name);
      return A;
    },
  };
}

/**
 * Solves A·x = b for each row b of B, in place, with the factor of A from
 * {@link potrf} (dpotrs). Like the BLAS, it takes the factor as given: NaN
 * propagates. Returns B.
 */
export function potrs<T extends MatrixLike>(factor: MatrixLike, B: T, options?: CholeskyOptions): T {
  return runSync(planSolve('potrs', 'dpotrs', factor, B, options));
}

/** {@link potrs} off the main thread. */
export async function potrsAsync<T extends MatrixLike>(factor: MatrixLike, B: T, options?: CholeskyOptions): Promise<T> {
  return runAsync(planSolve('potrs', 'dpotrs', factor, B, options));
}

/**
 * Factors A in place as {@link potrf} does and solves A·x = b for each row b
 * of B, in place (dposv). Returns B.
 */
export function posv<T extends MatrixLike>(A: MatrixLike, B: T, options?: FactorOptions): T {
  return runSync(planSolve('posv', 'dposv', A, B, options));
}

/** {@link posv} off the main thread. */
export async function posvAsync<T extends MatrixLike>(A: MatrixLike, B: T, options?: FactorOptions): Promise<T> {
  return runAsync(planSolve('posv', 'dposv', A, B, options));
}

/**
 * The checked dpotrs or dposv call; `names` are what errors call the factor
 * (or A) and B, as for {@link planPotrf}.
 */
export function planSolve<K extends 'dpotrs' | 'dposv', T extends MatrixLike>(
  where: string,
  routine: K,
  A: MatrixLike,
  B: T,
  options: FactorOptions | undefined,
  names = { A: routine === 'dpotrs' ? 'factor' : 'A', B: 'B' },
): Plan<K, T> {
  // potrs reads the given factor as is: checkFinite is posv's (and potrf's) only.
  const o = checkOptions(where, options, routine === 'dposv' ? FACTOR_OPTIONS : CHOLESKY_OPTIONS);
  const name = names.A;
  checkMatrix(where, name, A);
  checkMatrix(where, names.B, B);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const checkFinite = routine === 'dposv' && checkBoolean(where, 'checkFinite', o.checkFinite, true);
  const n = checkSquare(where, name, A);
  if (B.cols !== n) {
    throw new RangeError(`${where}: ${names.B} must have ${n} columns (one right-hand side per row), got ${B.rows}×${B.cols}`);
  }
  checkDisjoint(where, [names.B, B], [name, A]);
  // dpotrs and dposv take the same arguments.
  const args: Parameters<NativeRoutines['dposv']> = [columnMajorUplo(uplo), n, B.rows, A.data, leading(n), B.data, leading(n)];
  return {
    routine: where,
    native: routine,
    args: args as Parameters<NativeRoutines[K]>,
    finite: checkFinite ? [{ name, matrix: A, part: uplo }, { name: names.B, matrix: B, part: 'all' }] : [],
    finish: (info) => {
      if (info > 0) throw new NotPositiveDefiniteError(where, info, name);
      return B;
    },
  };
}
