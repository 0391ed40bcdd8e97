/** LAPACK's integers are 32-bit (LP64 OpenBLAS). */
export const LAPACK_INT_MAX = 2_147_483_647;

/**
 * What every routine accepts: a dense row-major float64 matrix, element
 * (i, j) at `data[i * cols + j]`, `data.length === rows * cols`. Routines use
 * `data` in place and never copy it.
 */
export interface MatrixLike {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A dense row-major matrix of float64 (see {@link MatrixLike}). */
export class Matrix implements MatrixLike {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;

  /** A `rows × cols` matrix over `data`, or over new zeros. */
  constructor(rows: number, cols: number, data?: Float64Array) {
    checkShape('Matrix', 'the matrix', rows, cols);
    if (data !== undefined) checkData('Matrix', 'the matrix', rows, cols, data);
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
  }

  /** A copy of nested arrays, e.g. `Matrix.from([[1, 2], [3, 4]])`. */
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const m = rows.length;
    const n = m > 0 ? rows[0]!.length : 0;
    const matrix = new Matrix(m, n);
    for (let i = 0; i < m; i++) {
      const row = rows[i]!;
      if (row.length !== n) throw new RangeError(`Matrix.from: row ${i} has ${row.length} entries, row 0 has ${n}`);
      for (let j = 0; j < n; j++) matrix.data[i * n + j] = row[j]!;
    }
    return matrix;
  }

  get(i: number, j: number): number {
    this.checkIndex(i, j);
    return this.data[i * this.cols + j]!;
  }

  set(i: number, j: number, value: number): void {
    this.checkIndex(i, j);
    this.data[i * this.cols + j] = value;
  }

  /** Row i as a view (no copy); empty for a matrix without columns. */
  row(i: number): Float64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.rows) {
      throw new RangeError(`Matrix: row ${i} is outside a ${this.rows}×${this.cols} matrix`);
    }
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.row(i)));
  }

  private checkIndex(i: number, j: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.rows || !Number.isInteger(j) || j < 0 || j >= this.cols) {
      throw new RangeError(`Matrix: index (${i}, ${j}) is outside a ${this.rows}×${this.cols} matrix`);
    }
  }
}

/** Aᵀ, a new matrix. */
export function transpose(a: MatrixLike): Matrix {
  const t = new Matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

/**
 * Checks that `value` is a usable {@link MatrixLike}: non-negative integer
 * dimensions (an empty matrix, 0×n or m×0, is valid), at most 2³¹−1
 * elements (LAPACK's integers are 32-bit), a Float64Array of exactly
 * rows·cols elements that is not detached.
 */
export function checkMatrix(where: string, name: string, value: unknown): asserts value is MatrixLike {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where}: ${name} must be a Matrix, got ${describe(value)}`);
  }
  const { rows, cols, data } = value as Partial<MatrixLike>;
  checkShape(where, name, rows, cols);
  checkData(where, name, rows, cols, data);
}

function checkShape(where: string, name: string, rows: unknown, cols: unknown): asserts rows is number {
  for (const [what, size] of [['rows', rows], ['cols', cols]] as const) {
    if (typeof size !== 'number') throw new TypeError(`${where}: ${name}.${what} must be a number, got ${describe(size)}`);
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`${where}: ${name}.${what} must be a non-negative integer, got ${size}`);
    }
  }
  const count = (rows as number) * (cols as number);
  if (count > LAPACK_INT_MAX) {
    throw new RangeError(
      `${where}: ${name} is ${rows}×${cols} = ${count} elements, beyond LAPACK's 32-bit integer range (${LAPACK_INT_MAX})`,
    );
  }
}

function checkData(where: string, name: string, rows: number, cols: unknown, data: unknown): void {
  if (!(data instanceof Float64Array)) {
    throw new TypeError(`${where}: ${name}.data must be a Float64Array, got ${describe(data)}`);
  }
  // A resizable buffer could shrink under a running call: refused, like a detached one.
  if ((data.buffer as ArrayBuffer & { resizable?: boolean }).resizable === true) {
    throw new TypeError(`${where}: ${name}.data is over a resizable ArrayBuffer; use a fixed-length one`);
  }
  const count = rows * (cols as number);
  if (data.length !== count) {
    const detached = data.length === 0 && data.buffer.byteLength === 0;
    throw new RangeError(
      detached
        ? `${where}: ${name}.data is detached (its ArrayBuffer was transferred)`
        : `${where}: ${name}.data has ${data.length} elements, a ${rows}×${cols} matrix needs ${count}`,
    );
  }
}

/** A short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
