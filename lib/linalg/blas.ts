/**
 * BLAS-3 on row-major matrices. A row-major m×n matrix is, in memory, the
 * column-major n×m matrix of its transpose, so each call maps to Fortran BLAS
 * by transposition identities (e.g. C = A·B ⇔ Cᵀ = Bᵀ·Aᵀ) and never copies.
 * NaN and infinities propagate as in IEEE arithmetic, as in BLAS itself.
 */
import { runAsync, runSync, type Plan } from './call.js';
import { keysOf } from '../options.js';
import { checkMatrix, describe, Matrix, type MatrixLike } from './matrix.js';
import {
  checkBoolean,
  checkChoice,
  checkDims,
  checkDisjoint,
  checkOptions,
  checkScalar,
  checkSquare,
  columnMajorUplo,
  leading,
  type Uplo,
} from './validate.js';

export interface GemmOptions {
  /** Use Aᵀ in place of A. Default false. */
  transA?: boolean;
  /** Use Bᵀ in place of B. Default false. */
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0: C's previous contents are ignored (NaN included). */
  beta?: number;
  /** Where to write C; a new zero matrix when absent. */
  out?: Matrix;
}

const GEMM_OPTIONS = keysOf<GemmOptions>({ transA: true, transB: true, alpha: true, beta: true, out: true });

/** C ← α·op(A)·op(B) + β·C (dgemm). Returns C. */
export function gemm(A: MatrixLike, B: MatrixLike, options?: GemmOptions): Matrix {
  return runSync(planGemm(A, B, options));
}

/** {@link gemm} off the main thread. */
export async function gemmAsync(A: MatrixLike, B: MatrixLike, options?: GemmOptions): Promise<Matrix> {
  return runAsync(planGemm(A, B, options));
}

function planGemm(A: MatrixLike, B: MatrixLike, options: GemmOptions | undefined): Plan<'dgemm', Matrix> {
  const where = 'gemm';
  const o = checkOptions(where, options, GEMM_OPTIONS);
  checkMatrix(where, 'A', A);
  checkMatrix(where, 'B', B);
  const transA = checkBoolean(where, 'transA', o.transA, false);
  const transB = checkBoolean(where, 'transB', o.transB, false);
  const alpha = checkScalar(where, 'alpha', o.alpha ?? 1);
  const beta = checkScalar(where, 'beta', o.beta ?? 0);
  const [m, k] = transA ? [A.cols, A.rows] : [A.rows, A.cols];
  const [kB, n] = transB ? [B.cols, B.rows] : [B.rows, B.cols];
  if (k !== kB) {
    throw new RangeError(`gemm: inner dimensions differ: op(A) is ${m}×${k}, op(B) is ${kB}×${n}`);
  }
  const C = outputMatrix(where, o.out, m, n);
  checkDisjoint(where, ['out', C], ['A', A], ['B', B]);
  return {
    routine: where,
    native: 'dgemm',
    // Cᵀ = op(B)ᵀ·op(A)ᵀ in column-major terms, where B's memory holds Bᵀ.
    args: [transB ? 'T' : 'N', transA ? 'T' : 'N', n, m, k, alpha, B.data, leading(B.cols), A.data, leading(A.cols), beta, C.data, leading(C.cols)],
    finish: () => C,
  };
}

export interface SyrkOptions {
  /** C ← α·AᵀA + β·C instead of α·AAᵀ + β·C. Default false. */
  trans?: boolean;
  /** The triangle of C that is written; the other one is not touched. Default 'lower'. */
  uplo?: Uplo;
  /** Default 1. */
  alpha?: number;
  /** Default 0: C's previous contents are ignored. */
  beta?: number;
  /** Where to write C; a new zero matrix when absent. */
  out?: Matrix;
}

const SYRK_OPTIONS = keysOf<SyrkOptions>({ trans: true, uplo: true, alpha: true, beta: true, out: true });

/** C ← α·A·Aᵀ + β·C, or α·Aᵀ·A + β·C with `trans` (dsyrk), one triangle only. Returns C. */
export function syrk(A: MatrixLike, options?: SyrkOptions): Matrix {
  return runSync(planSyrk(A, options));
}

/** {@link syrk} off the main thread. */
export async function syrkAsync(A: MatrixLike, options?: SyrkOptions): Promise<Matrix> {
  return runAsync(planSyrk(A, options));
}

function planSyrk(A: MatrixLike, options: SyrkOptions | undefined): Plan<'dsyrk', Matrix> {
  const where = 'syrk';
  const o = checkOptions(where, options, SYRK_OPTIONS);
  checkMatrix(where, 'A', A);
  const trans = checkBoolean(where, 'trans', o.trans, false);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const alpha = checkScalar(where, 'alpha', o.alpha ?? 1);
  const beta = checkScalar(where, 'beta', o.beta ?? 0);
  const [n, k] = trans ? [A.cols, A.rows] : [A.rows, A.cols];
  const C = outputMatrix(where, o.out, n, n);
  checkDisjoint(where, ['out', C], ['A', A]);
  return {
    routine: where,
    native: 'dsyrk',
    // A's memory is the column-major Aᵀ, so A·Aᵀ is dsyrk's 'T' case.
    args: [columnMajorUplo(uplo), trans ? 'N' : 'T', n, k, alpha, A.data, leading(A.cols), beta, C.data, leading(C.cols)],
    finish: () => C,
  };
}

export interface TrsmOptions {
  /** 'left': B ← α·op(A)⁻¹·B; 'right': B ← α·B·op(A)⁻¹. Default 'left'. */
  side?: 'left' | 'right';
  /** The triangle of A that holds the factor; the other is not read. Default 'lower'. */
  uplo?: Uplo;
  /** Use Aᵀ in place of A. Default false. */
  transA?: boolean;
  /** Take A's diagonal as ones (it is not read). Default false. */
  unitDiagonal?: boolean;
  /** Default 1. */
  alpha?: number;
}

const TRSM_OPTIONS = keysOf<TrsmOptions>({ side: true, uplo: true, transA: true, unitDiagonal: true, alpha: true });

/** Triangular solve with many right-hand sides, in place in B (dtrsm). Returns B. */
export function trsm<T extends MatrixLike>(A: MatrixLike, B: T, options?: TrsmOptions): T {
  return runSync(planTrsm(A, B, options));
}

/** {@link trsm} off the main thread. */
export async function trsmAsync<T extends MatrixLike>(A: MatrixLike, B: T, options?: TrsmOptions): Promise<T> {
  return runAsync(planTrsm(A, B, options));
}

function planTrsm<T extends MatrixLike>(A: MatrixLike, B: T, options: TrsmOptions | undefined): Plan<'dtrsm', T> {
  const where = 'trsm';
  const o = checkOptions(where, options, TRSM_OPTIONS);
  checkMatrix(where, 'A', A);
  checkMatrix(where, 'B', B);
  const side = checkChoice(where, 'side', o.side, ['left', 'right'] as const);
  const uplo = checkChoice(where, 'uplo', o.uplo, ['lower', 'upper'] as const);
  const transA = checkBoolean(where, 'transA', o.transA, false);
  const unit = checkBoolean(where, 'unitDiagonal', o.unitDiagonal, false);
  const alpha = checkScalar(where, 'alpha', o.alpha ?? 1);
  const n = checkSquare(where, 'A', A);
  const needed = side === 'left' ? B.rows : B.cols;
  if (n !== needed) {
    throw new RangeError(`trsm: A is ${n}×${n} but B is ${B.rows}×${B.cols} (side '${side}' needs ${needed})`);
  }
  checkDisjoint(where, ['B', B], ['A', A]);
  return {
    routine: where,
    native: 'dtrsm',
    // op(A)⁻¹·B = X ⇔ Xᵀ = Bᵀ·op(Aᵀ)⁻¹: the side swaps, A's memory is Aᵀ (uplo flips), trans is kept.
    args: [
      side === 'left' ? 'R' : 'L',
      columnMajorUplo(uplo),
      transA ? 'T' : 'N',
      unit ? 'U' : 'N',
      B.cols,
      B.rows,
      alpha,
      A.data,
      leading(n),
      B.data,
      leading(B.cols),
    ],
    finish: () => B,
  };
}

function outputMatrix(where: string, out: unknown, rows: number, cols: number): Matrix {
  if (out === undefined) return new Matrix(rows, cols);
  if (!(out instanceof Matrix)) throw new TypeError(`${where}: out must be a Matrix, got ${describe(out)}`);
  checkMatrix(where, 'out', out);
  checkDims(where, 'out', out, rows, cols);
  return out;
}
