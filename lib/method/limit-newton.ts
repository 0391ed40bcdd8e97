/**
 * The limit Newton kernel from the limit NTK (docs/math.md §5), without
 * recomputing K∞: (K∞/M)(λI + K∞/M)⁻¹ on the training set, and
 * (K∞(X1, X2)/M)(λI + K∞(X2, X2)/M)⁻¹ for test rows X1.
 */
import { potrf, potrs, posv } from '../linalg/cholesky.js';
import type { Matrix } from '../linalg/matrix.js';
import { symmetrize, type KernelResult } from './kernel-result.js';

/**
 * The limit Newton NTK from limit NTKs (`kind: 'ntk'`, as {@link limitKernel}
 * returns them): `ntk` = K∞(X2, X2)/M over the training set, square; with
 * `cross` = K∞(X1, X2)/M (X1.rows × M, the same training set as columns) the
 * cross-kernel (K∞(X1, X2)/M)(λI + K∞(X2, X2)/M)⁻¹, else the square
 * (K∞/M)(λI + K∞/M)⁻¹, exactly symmetric. One Cholesky factorisation of
 * λI + K∞/M (posv for the square kernel). `limitKernel(X, { kind: 'nntk', lambda })`
 * is this function applied to `limitKernel(X)`, bitwise. The result's
 * errorEstimate is the larger of the inputs' (that of K∞ before the solve;
 * NaN if either is NaN), absent when neither has one. The inputs are not modified.
 *
 * @example
 * const ntk = limitKernel(X, { activation: 'tanh' });
 * const newton = limitNewtonKernel(ntk, 1e-3);                                               // M × M
 * const test = limitNewtonKernel(ntk, 1e-3, limitKernel(Xtest, X, { activation: 'tanh' }));  // M2 × M
 */
export function limitNewtonKernel(ntk: KernelResult, lambda: number, cross?: KernelResult): KernelResult {
  const where = 'limitNewtonKernel';
  checkNtk(where, 'ntk', ntk);
  const m = ntk.kernel.rows;
  if (ntk.kernel.cols !== m) throw new RangeError(`${where}: ntk must be the square kernel of the training set, got ${m}×${ntk.kernel.cols}`);
  if (typeof lambda !== 'number') throw new TypeError(`${where}: lambda must be a number, got ${typeof lambda}`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`${where}: lambda must be a finite number > 0, got ${lambda}`);
  if (cross !== undefined) {
    checkNtk(where, 'cross', cross);
    if (cross.kernel.cols !== m) throw new RangeError(`${where}: cross must have the ${m} training points of ntk as columns, got ${cross.kernel.rows}×${cross.kernel.cols}`);
  }
  const kernel = newtonLimit(ntk.kernel, cross?.kernel ?? null, lambda);
  const estimates = [ntk.errorEstimate, cross?.errorEstimate].filter((e): e is number => e !== undefined);
  const result: KernelResult = { kernel, kind: 'nntk', lambda };
  if (estimates.length > 0) result.errorEstimate = estimates.some(Number.isNaN) ? NaN : Math.max(...estimates);
  return result;
}

function checkNtk(where: string, name: string, r: KernelResult): void {
  if (typeof r !== 'object' || r === null || typeof r.kernel !== 'object' || r.kernel === null) {
    throw new TypeError(`${where}: ${name} must be a KernelResult ({ kernel, kind })`);
  }
  if (r.kind !== 'ntk') throw new RangeError(`${where}: ${name} must be a limit NTK (kind 'ntk'), got kind ${String(r.kind)}`);
}

/** (λI + K)⁻¹-weighted: the limit Newton kernel from K∞/M (and the cross-kernel). */
function newtonLimit(gram: Matrix, cross: Matrix | null, lambda: number): Matrix {
  const m = gram.rows;
  const a = gram.clone();
  for (let i = 0; i < m; i++) a.data[i * m + i] = a.data[i * m + i]! + lambda;
  // Both solves work in place on their right-hand sides: copies, so that the caller's kernels stay.
  // (λI + K)⁻¹ is symmetric, so each row r of Kx·(λI + K)⁻¹ solves (λI + K)·rᵀ = (row of Kx)ᵀ.
  if (cross !== null) return potrs(potrf(a), cross.clone());
  // K and (λI + K)⁻¹ commute: the product is symmetric; average away the round-off.
  return symmetrize(posv(a, gram.clone()));
}
