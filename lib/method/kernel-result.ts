/**
 * What every kernel entry point returns, at finite width (`kernel`) and in
 * the infinite-width limit (`limitKernel`), so that code written against one
 * runs against the other.
 */
import type { Matrix } from '../linalg/matrix.js';

export type KernelKind = 'ntk' | 'nntk';

export interface KernelResult {
  /**
   * X1.rows × X2.rows (X1.rows × X1.rows without X2), row i for the point
   * X1[i]: the convention of neural-tangents' kernel_fn(x1, x2). The
   * training set, over which the Newton kernel's inverse is taken, is X2
   * when it is given, X1 otherwise. Square results are exactly symmetric.
   * For C outputs with `outputs: 'full'`: (X1.rows·C) × (X2.rows·C),
   * sample-major (row i·C + k for output k at X1[i], docs/math.md §8).
   */
  kernel: Matrix;
  kind: KernelKind;
  /** The λ used by the Newton kernel; absent for 'ntk'. */
  lambda?: number;
  /** Finite width, Newton kernel: minᵢ λ_min(Sᵢ + λI) for the full Hessian, λ for Gauss–Newton. */
  certificate?: number;
  /** Limit kernels: the estimated largest error of an entry, relative to max|K∞|. */
  errorEstimate?: number;
}

/**
 * The argument convention of the kernel entry points, `f(X1, X2?, options)`
 * and `f(X1, options)`: a second argument with rows and data is X2.
 */
export function splitKernelArguments<O>(routine: string, second: Matrix | O | undefined, third: O | undefined): { X2: Matrix | undefined; options: O | undefined } {
  const isMatrix = typeof second === 'object' && second !== null && 'rows' in second && 'data' in second;
  if (isMatrix) return { X2: second as Matrix, options: third };
  if (second === undefined) return { X2: undefined, options: third };
  if (third !== undefined) throw new TypeError(`${routine}: X2 must be a Matrix (or undefined) when options follow it`);
  return { X2: undefined, options: second as O };
}

/**
 * Makes the square K exactly symmetric by averaging K[i, j] and K[j, i], in
 * place: for products A·B⁻¹ of commuting symmetric matrices, which are
 * symmetric up to the solve's round-off. Returns K.
 */
export function symmetrize(K: Matrix): Matrix {
  const m = K.rows;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (K.data[i * m + j]! + K.data[j * m + i]!);
      K.data[i * m + j] = v;
      K.data[j * m + i] = v;
    }
  }
  return K;
}
