/**
 * The .npy files a command reads and writes, checked for what the command
 * needs (dimensions, matching sizes, finite entries) with messages that name
 * the file. File-system errors propagate and are reported with the path.
 */
import { Matrix, readNpy, writeNpy, type NpyArray } from '../index.js';
import { Failure } from './failures.js';

/** numpy's spelling of a shape: `(16,)`, `(16, 2)`. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** A float64 array with finite entries. */
export async function readArray(path: string): Promise<NpyArray> {
  const array = await readNpy(path);
  const { data, shape } = array;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) throw new Failure(`${path}: entry [${unravel(i, shape).join(', ')}] is ${v}; nntk needs finite numbers`);
  }
  return array;
}

/** Inputs X: M × d with M ≥ 1 (d = the model's dim). */
export async function readPoints(path: string, dim: number): Promise<Matrix> {
  const { shape, data } = await readArray(path);
  if (shape.length !== 2 || shape[1] !== dim || shape[0]! < 1) {
    throw new Failure(`${path}: inputs must be a 2-D array of shape (M, ${dim}) with M ≥ 1 for this model (d = ${dim}), found shape ${shapeText(shape)}`);
  }
  return new Matrix(shape[0]!, dim, data);
}

/**
 * Targets y, M the number of input points in `pointsPath`: (M,) or (M, 1)
 * for a single-output model, (M, C) for C > 1 outputs (sample-major, as the
 * library takes them).
 */
export async function readTargets(path: string, m: number, pointsPath: string, outputs = 1): Promise<Float64Array> {
  const { shape, data } = await readArray(path);
  if (outputs > 1) {
    if (!(shape.length === 2 && shape[0] === m && shape[1] === outputs)) {
      throw new Failure(`${path}: targets must have shape (${m}, ${outputs}) to match the ${m} points of ${pointsPath} and the model's ${outputs} outputs, found shape ${shapeText(shape)}`);
    }
    return data;
  }
  if (!(shape[0] === m && (shape.length === 1 || (shape.length === 2 && shape[1] === 1)))) {
    throw new Failure(`${path}: targets must have shape (${m},) or (${m}, 1) to match the ${m} points of ${pointsPath}, found shape ${shapeText(shape)}`);
  }
  return data;
}

/** A square matrix, n ≥ 1. */
export async function readSquare(path: string): Promise<Matrix> {
  const { shape, data } = await readArray(path);
  if (shape.length !== 2 || shape[0] !== shape[1] || shape[0]! < 1) {
    throw new Failure(`${path}: expected a square 2-D array, found shape ${shapeText(shape)}`);
  }
  return new Matrix(shape[0]!, shape[0]!, data);
}

export async function writeMatrix(path: string, matrix: Matrix): Promise<void> {
  await writeNpy(path, { shape: [matrix.rows, matrix.cols], data: matrix.data });
}

export async function writeVector(path: string, vector: Float64Array): Promise<void> {
  await writeNpy(path, { shape: [vector.length], data: vector });
}

/** The C-order index of flat position `i` in an array of `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = i % shape[axis]!;
    i = Math.floor(i / shape[axis]!);
  }
  return index;
}
