import { checkOptionKeys } from '../options.js';
import { describe, type MatrixLike } from './matrix.js';

export type Uplo = 'upper' | 'lower';

/** A finite number. */
export function checkScalar(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${where}: ${name} must be finite, got ${value}`);
  return value;
}

/** An optional boolean option, `fallback` when absent. */
export function checkBoolean(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** One of the allowed strings, `allowed[0]` when absent. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0]!;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${where}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

/** An options object, possibly absent. */
/** The options object (empty when undefined), refused unless it is an object whose keys are all in `keys`. */
export function checkOptions<T extends object>(where: string, options: T | undefined, keys: readonly string[]): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  checkOptionKeys(where, options, keys);
  return options;
}

export function checkSquare(where: string, name: string, a: MatrixLike): number {
  if (a.rows !== a.cols) throw new RangeError(`${where}: ${name} must be square, got ${a.rows}×${a.cols}`);
  return a.rows;
}

export function checkDims(where: string, name: string, a: MatrixLike, rows: number, cols: number): void {
  if (a.rows !== rows || a.cols !== cols) {
    throw new RangeError(`${where}: ${name} must be ${rows}×${cols}, got ${a.rows}×${a.cols}`);
  }
}

/**
 * A routine's output must not share memory with its inputs: BLAS and LAPACK
 * assume it does not, and an overlap gives wrong numbers silently.
 */
export function checkDisjoint(where: string, output: [string, MatrixLike], ...inputs: [string, MatrixLike][]): void {
  const [outName, out] = output;
  for (const [name, input] of inputs) {
    if (out.data.buffer !== input.data.buffer) continue;
    const a = out.data.byteOffset;
    const b = input.data.byteOffset;
    if (a < b + input.data.byteLength && b < a + out.data.byteLength) {
      throw new RangeError(`${where}: ${outName} shares memory with ${name}; the output must not overlap an input`);
    }
  }
}

/**
 * The leading dimension LAPACK and the BLAS require for a column-major
 * matrix of `rows` rows: max(1, rows), also when the matrix is empty.
 */
export function leading(rows: number): number {
  return Math.max(1, rows);
}

/**
 * The LAPACK `uplo` for a row-major triangle: the row-major matrix is the
 * column-major transpose, and the transpose of an upper triangle is lower.
 */
export function columnMajorUplo(uplo: Uplo): 'U' | 'L' {
  return uplo === 'upper' ? 'L' : 'U';
}
