import { NonFiniteError } from '../errors.js';
import { checkMatrix, type MatrixLike } from '../linalg/matrix.js';

/**
 * Checks training or test data: X is M × d with M ≥ 1 and finite entries, y
 * (when given) has M·C finite entries, M × C sample-major (docs/math.md §8;
 * M for C = 1). The error names the array (`name`, X by default) and the
 * first bad entry.
 */
export function checkData(where: string, X: MatrixLike, y: Float64Array | null, dim: number, name = 'X', outputs = 1): void {
  checkMatrix(where, name, X);
  // The loss |r|²/(2M) and the native kernels over the points need M ≥ 1.
  if (X.rows === 0) throw new RangeError(`${where}: ${name} must have at least one row (point), got ${X.rows}×${X.cols}`);
  if (X.cols !== dim) throw new RangeError(`${where}: ${name} must have d = ${dim} columns, got ${X.rows}×${X.cols}`);
  checkFiniteArray(where, name, X.data, X.cols);
  if (y === null) return;
  if (!(y instanceof Float64Array)) throw new TypeError(`${where}: y must be a Float64Array`);
  if (y.length !== X.rows * outputs) {
    throw new RangeError(
      outputs === 1
        ? `${where}: y has ${y.length} entries, ${name} has ${X.rows} rows`
        : `${where}: y has ${y.length} entries, ${name} has ${X.rows} rows and the network ${outputs} outputs (y must be M×C = ${X.rows}×${outputs}, sample-major)`,
    );
  }
  checkFiniteArray(where, 'y', y, outputs);
}

/** Throws NonFiniteError at the first NaN/±Inf of `a` (indexed as rows of `rowLength` when > 1). */
export function checkFiniteArray(where: string, name: string, a: Float64Array, rowLength: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) {
      const index = rowLength === 1 ? [i] : [Math.floor(i / rowLength), i % rowLength];
      throw new NonFiniteError(where, name, index, v);
    }
  }
}
