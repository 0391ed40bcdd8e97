/**
 * Spectra of the kernels (docs/math.md §6). In the eigenbasis (μₖ, vₖ) of 𝒦 the
 * linearised residual of a flow obeys ⟨vₖ, r(t)⟩ = e^(−μₖ t)⟨vₖ, r(0)⟩; a
 * discrete step multiplies it by (1 − η·μₖ) (gradient descent, 𝒦_GD) or
 * (1 − α·μₖ) (Newton, 𝒦_N). The projections of the target on the vₖ and
 * these factors say which modes a method learns slowly.
 */
import { ConvergenceError } from '../errors.js';
import { syevd, syevr, type Eigen } from '../linalg/eigen.js';
import { checkMatrix, Matrix, type MatrixLike } from '../linalg/matrix.js';
import { checkOptionKeys, keysOf } from '../options.js';

export interface SpectrumOptions {
  /** Compute the eigenvectors too. Default true. */
  vectors?: boolean;
  /** Only the k smallest eigenpairs. Default: all pairs. */
  smallest?: number;
  /** Only the k largest eigenpairs (not with `smallest`). Default: all pairs. */
  largest?: number;
}

const SPECTRUM_OPTIONS = keysOf<SpectrumOptions>({ vectors: true, smallest: true, largest: true });

/**
 * Ascending eigenvalues (and eigenvectors, as the rows of `vectors`) of the
 * symmetric kernel K, which is left untouched. All pairs by dsyevd; a subset
 * by dsyevr; should dsyevd fail to converge, dsyevr is tried, with a warning.
 */
export function spectrum(K: MatrixLike, options: SpectrumOptions = {}): Eigen {
  checkMatrix('spectrum', 'K', K);
  checkOptionKeys('spectrum', options, SPECTRUM_OPTIONS);
  const n = K.rows;
  const vectors = options.vectors ?? true;
  const { smallest, largest } = options;
  if (smallest !== undefined && largest !== undefined) throw new RangeError('spectrum: give smallest or largest, not both');
  const count = smallest ?? largest;
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > n)) {
    throw new RangeError(`spectrum: the number of eigenpairs must be an integer in [1, ${n}], got ${count}`);
  }
  const copy = () => new Matrix(K.rows, K.cols, K.data.slice());
  if (count !== undefined) {
    const index: [number, number] = smallest !== undefined ? [0, count] : [n - count, n];
    return syevr(copy(), { vectors, select: { index } });
  }
  try {
    return syevd(copy(), { vectors });
  } catch (error) {
    if (!(error instanceof ConvergenceError)) throw error;
    process.emitWarning(`${error.message}; retrying with dsyevr`, { code: 'NNTK_SYEVD_RETRY' });
    return syevr(copy(), { vectors });
  }
}

/** Vᵀ·v: the coordinates of v in the eigenbasis (one per eigenvector row). */
export function project(vectors: MatrixLike, v: Float64Array): Float64Array {
  checkMatrix('project', 'vectors', vectors);
  if (!(v instanceof Float64Array) || v.length !== vectors.cols) {
    throw new RangeError(`project: v must be a Float64Array of length ${vectors.cols}`);
  }
  const out = new Float64Array(vectors.rows);
  for (let k = 0; k < vectors.rows; k++) {
    let s = 0;
    for (let j = 0; j < vectors.cols; j++) s += vectors.data[k * vectors.cols + j]! * v[j]!;
    out[k] = s;
  }
  return out;
}

/**
 * The factor by which one discrete step multiplies each mode of the
 * linearised residual: 1 − step·μₖ (step = η for gradient descent on 𝒦_GD,
 * α for Newton on 𝒦_N).
 */
export function stepFactors(values: Float64Array, step: number): Float64Array {
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`stepFactors: the step must be a finite number > 0, got ${step}`);
  return values.map((mu) => 1 - step * mu);
}
