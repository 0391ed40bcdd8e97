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
