/**
 * Reader and writer for NumPy `.npy` files holding float64 arrays.
 *
 * Format reference: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Layout of a file:
 *   - 6 bytes magic `\x93NUMPY`
 *   - 1 byte major version, 1 byte minor version
 *   - header length: uint16 LE (version 1.0) or uint32 LE (versions 2.0 and 3.0)
 *   - header: a Python dict literal (latin1 for 1.0/2.0, utf8 for 3.0), padded
 *     with spaces and terminated by '\n'
 *   - raw array data
 *
 * Only little-endian float64 (`'<f8'`) is supported, because that is the only
 * element type nntk computes with; everything else is rejected with an
 * {@link NpyFormatError} rather than converted, so that precision or byte-order
 * surprises can never pass silently.
 */
import { readFile } from 'node:fs/promises';
import { NntkError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** An n-dimensional float64 array. */
export interface NpyArray {
  /** Dimensions; `[]` is a scalar (one element). Entries may be 0 (empty array). */
  shape: number[];
  /**
   * Elements in C (row-major) order, always: Fortran-ordered files are
   * transposed while reading, so callers never have to look at a layout flag.
   */
  data: Float64Array;
}

/**
 * Thrown by {@link parseNpy} / {@link readNpy} for every malformed or
 * unsupported input. The message starts with the file name (or `npy data` when
 * none was given) and says what is wrong and where.
 */
export class NpyFormatError extends NntkError {
  /** The file (or name passed to {@link parseNpy}) that was being read, if known. */
  readonly file: string | undefined;

  constructor(message: string, file?: string) {
    super(`${file ?? 'npy data'}: ${message}`);
    this.file = file;
  }
}

// ---------------------------------------------------------------------------
// Constants

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const; // \x93NUMPY
const MAGIC_LEN = 6 + 2; // magic + major/minor version bytes
/** numpy pads the header so the data starts on a multiple of this (allows mmap of any dtype). */
const ARRAY_ALIGN = 64;
/**
 * numpy >= 1.23 leaves room after the dict so the growth axis can be rewritten in
 * place when appending; we replicate it so our output is byte-identical to np.save.
 */
const GROWTH_AXIS_MAX_DIGITS = 21;
/** Bound on literal nesting, so a hostile header cannot blow the JS stack. */
const MAX_NESTING = 32;
const BYTES_PER_ELEMENT = 8;

/**
 * Typed arrays use platform byte order; .npy data here is little-endian. On a
 * little-endian host (all platforms nntk ships for) we can memcpy; otherwise we
 * fall back to a DataView loop.
 */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------
// Minimal Python literal parser (the subset ast.literal_eval accepts in headers)

type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; entries: Array<[PyValue, PyValue]> };

/** Python-style repr, used only to quote header values back in error messages. */
function pyRepr(v: PyValue): string {
  switch (v.kind) {
    case 'str':
      return `'${v.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'int':
      return v.value.toString();
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
}

/**
 * Recursive-descent parser for the Python literal in an .npy header. It is
 * deliberately not `eval` (headers are untrusted) and not a regex (key order,
 * whitespace, trailing commas and nested descr lists all vary between writers).
 */
class HeaderParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly fail: (msg: string) => never,
    /** Python 2 numpy wrote `3L` for longs; numpy still reads those in v1/v2 files. */
    private readonly allowLongSuffix: boolean,
  ) {}

  parseDocument(): PyValue {
    const value = this.parseValue(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.error('unexpected text after the header dict');
    return value;
  }

  private error(what: string): never {
    const snippet = JSON.stringify(this.text.slice(Math.max(0, this.pos - 20), this.pos + 20));
    this.fail(`malformed header: ${what} at character ${this.pos} of the header (near ${snippet})`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.pos++;
      else break;
    }
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.error(`expected '${ch}'`);
    this.pos++;
  }

  private parseValue(depth: number): PyValue {
    if (depth > MAX_NESTING) this.error(`nesting deeper than ${MAX_NESTING}`);
    const c = this.peek();
    if (c === undefined) this.error('unexpected end of header');
    if (c === '{') return this.parseDict(depth);
    if (c === '(') return this.parseParen(depth);
    if (c === '[') {
      this.pos++;
      return { kind: 'list', items: this.parseItems(']', depth).items };
    }
    if (c === "'" || c === '"') return this.parseString();
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.parseInt();
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 64));
      const word = m![0];
      if (word === 'True' || word === 'False' || word === 'None') {
        this.pos += word.length;
        return word === 'None' ? { kind: 'none' } : { kind: 'bool', value: word === 'True' };
      }
      this.error(`unexpected name '${word}'`);
    }
    this.error(`unexpected character ${JSON.stringify(c)}`);
  }

  /** Comma-separated values up to `close`; trailing comma allowed, as in Python. */
  private parseItems(close: string, depth: number): { items: PyValue[]; sawComma: boolean } {
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      if (this.peek() === close) {
        this.pos++;
        return { items, sawComma };
      }
      items.push(this.parseValue(depth + 1));
      const next = this.peek();
      if (next === ',') {
        this.pos++;
        sawComma = true;
      } else if (next !== close) {
        this.error(`expected ',' or '${close}'`);
      }
    }
  }

  /** `()` is an empty tuple, `(x)` is just x, `(x,)` and `(x, y)` are tuples. */
  private parseParen(depth: number): PyValue {
    this.pos++;
    const { items, sawComma } = this.parseItems(')', depth);
    if (items.length === 1 && !sawComma) return items[0]!;
    return { kind: 'tuple', items };
  }

  private parseDict(depth: number): PyValue {
    this.pos++;
    const entries: Array<[PyValue, PyValue]> = [];
    for (;;) {
      if (this.peek() === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      const key = this.parseValue(depth + 1);
      this.expect(':');
      const value = this.parseValue(depth + 1);
      entries.push([key, value]);
      const next = this.peek();
      if (next === ',') this.pos++;
      else if (next !== '}') this.error("expected ',' or '}'");
    }
  }

  private parseString(): PyValue {
    const quote = this.text[this.pos];
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.error('unterminated string');
      this.pos++;
      if (c === quote) return { kind: 'str', value: out };
      if (c === '\\') {
        const e = this.text[this.pos];
        if (e === undefined) this.error('unterminated string');
        this.pos++;
        // Enough escapes for any descr numpy can produce; exotic ones are kept verbatim.
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === '\\' || e === "'" || e === '"' ? e : `\\${e}`;
      } else {
        out += c;
      }
    }
  }

  private parseInt(): PyValue {
    const m = /^[-+]?[ \t]*[0-9]+/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null) this.error('malformed number');
    let lit = m[0].replace(/[ \t]/g, '');
    this.pos += m[0].length;
    if (this.allowLongSuffix && this.text[this.pos] === 'L') this.pos++;
    const after = this.text[this.pos];
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) this.error('malformed number');
    // Python 3 forbids leading zeros on non-zero decimal ints.
    const digits = lit.replace(/^[-+]/, '');
    if (digits.length > 1 && digits.startsWith('0') && /[1-9]/.test(digits)) this.error('malformed number');
    if (lit.startsWith('+')) lit = lit.slice(1);
    return { kind: 'int', value: BigInt(lit) };
  }
}

// ---------------------------------------------------------------------------
// Reading

function describeShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Reasons a float64-looking descr is still rejected, so the message can say exactly why. */
function descrProblem(descr: PyValue): string | undefined {
  if (descr.kind === 'list') {
    return `dtype ${pyRepr(descr)} is a structured dtype, not float64 (nntk reads float64 arrays only)`;
  }
  if (descr.kind !== 'str') {
    return `descr ${pyRepr(descr)} is not a dtype string`;
  }
  const d = descr.value;
  if (d === '<f8') return undefined;
  // Other spellings numpy would accept as some 8-byte float: 'f8'/'d' with any byte-order mark.
  const m = /^([<>=|]?)(f8|d)$/.exec(d);
  if (m !== null) {
    const order = m[1];
    if (order === '>') {
      return `dtype '${d}' is big-endian float64; nntk reads little-endian float64 ('<f8') only (convert with arr.astype('<f8'))`;
    }
    // '=' means "native order of the machine that wrote the file", which the file
    // does not record; numpy itself always writes an explicit '<' or '>'.
    if (order === '' || order === '=' || order === '|') {
      return `dtype '${d}' does not state little-endian byte order; nntk reads '<f8' only`;
    }
    return `dtype '${d}' is not spelled '<f8'; nntk reads only the canonical '<f8' that numpy writes`;
  }
  return `dtype '${d}' is not float64 (nntk reads float64 arrays only)`;
}

interface Header {
  shape: number[];
  fortranOrder: boolean;
}

function interpretHeader(dict: PyValue, fail: (msg: string) => never): Header {
  if (dict.kind !== 'dict') fail(`malformed header: expected a dict, found ${pyRepr(dict)}`);
  const found = new Map<string, PyValue>();
  for (const [k, v] of dict.entries) {
    if (k.kind !== 'str') fail(`malformed header: dict key ${pyRepr(k)} is not a string`);
    if (found.has(k.value)) fail(`malformed header: key '${k.value}' appears twice`);
    found.set(k.value, v);
  }
  const expected = ['descr', 'fortran_order', 'shape'];
  const missing = expected.filter((k) => !found.has(k));
  const extra = [...found.keys()].filter((k) => !expected.includes(k));
  if (missing.length > 0 || extra.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing key(s) ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (extra.length > 0) parts.push(`unexpected key(s) ${extra.map((k) => `'${k}'`).join(', ')}`);
    fail(`header dict must have exactly the keys 'descr', 'fortran_order', 'shape': ${parts.join('; ')}`);
  }
  const descr = found.get('descr')!;
  const fortran = found.get('fortran_order')!;
  const shapeValue = found.get('shape')!;

  const problem = descrProblem(descr);
  if (problem !== undefined) fail(problem);

  if (fortran.kind !== 'bool') fail(`fortran_order must be True or False, found ${pyRepr(fortran)}`);

  if (shapeValue.kind !== 'tuple') fail(`shape must be a tuple of integers, found ${pyRepr(shapeValue)}`);
  const shape: number[] = [];
  shapeValue.items.forEach((item, axis) => {
    if (item.kind !== 'int') fail(`shape ${pyRepr(shapeValue)}: entry ${axis} is not an integer`);
    if (item.value < 0n) fail(`shape ${pyRepr(shapeValue)}: dimension ${axis} is negative (${item.value})`);
    if (item.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail(`shape ${pyRepr(shapeValue)}: dimension ${axis} is too large (${item.value})`);
    }
    shape.push(Number(item.value));
  });
  return { shape, fortranOrder: fortran.value };
}

/**
 * Number of elements, or undefined if the byte size would not be an exactly
 * representable number (the caller reports that as "too large").
 */
function elementCount(shape: readonly number[]): number | undefined {
  if (shape.some((d) => d === 0)) return 0; // huge dims next to a 0 are legal and empty
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n * BYTES_PER_ELEMENT > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return n;
}

/**
 * Reorders column-major data into row-major order for any number of
 * dimensions. Output is written sequentially; the input is read with the
 * Fortran stride of the last axis, advancing an odometer over the other axes.
 */
function fortranToC(src: Float64Array, shape: readonly number[]): Float64Array {
  const ndim = shape.length;
  if (ndim <= 1 || src.length === 0) return src;
  const fStride: number[] = new Array<number>(ndim);
  let s = 1;
  for (let k = 0; k < ndim; k++) {
    fStride[k] = s;
    s *= shape[k]!;
  }
  const out = new Float64Array(src.length);
  const last = shape[ndim - 1]!;
  const lastStride = fStride[ndim - 1]!;
  const idx = new Array<number>(ndim - 1).fill(0);
  let base = 0;
  let o = 0;
  for (;;) {
    for (let j = 0, p = base; j < last; j++, p += lastStride) out[o++] = src[p]!;
    // Advance the odometer over axes ndim-2 .. 0 (C order: later axes fastest).
    let k = ndim - 2;
    for (; k >= 0; k--) {
      const i = idx[k]! + 1;
      if (i < shape[k]!) {
        idx[k] = i;
        base += fStride[k]!;
        break;
      }
      base -= (i - 1) * fStride[k]!;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

/**
 * Parses the bytes of a `.npy` file holding a little-endian float64 array.
 *
 * The returned data is always a fresh, 8-byte aligned Float64Array in C order,
 * independent of `bytes` (which may start at any offset in its buffer, e.g. a
 * pooled Node Buffer, and which the caller may reuse).
 *
 * @param name Used as the prefix of error messages, typically the file path.
 * @throws NpyFormatError for any malformed or unsupported input.
 */
export function parseNpy(bytes: Uint8Array, name?: string): NpyArray {
  const fail: (msg: string) => never = (msg) => {
    throw new NpyFormatError(msg, name);
  };

  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, MAGIC.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(`not a .npy file: expected magic bytes 93 4e 55 4d 50 59 ("\\x93NUMPY") at offset 0, found ${head === '' ? 'an empty file' : head}`);
  }
  if (bytes.length < MAGIC_LEN) fail(`truncated header: file ends at byte ${bytes.length}, inside the version field`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  const headerStart = MAGIC_LEN + lenBytes;
  if (bytes.length < headerStart) {
    fail(`truncated header: file ends at byte ${bytes.length}, inside the header-length field (version ${major}.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = lenBytes === 2 ? view.getUint16(MAGIC_LEN, true) : view.getUint32(MAGIC_LEN, true);
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) {
    fail(`truncated header: header length field says ${headerLen} bytes but only ${bytes.length - headerStart} bytes follow it`);
  }

  const headerBytes = bytes.subarray(headerStart, dataStart);
  let headerText: string;
  if (major === 3) {
    try {
      headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      fail('malformed header: version 3.0 header is not valid UTF-8');
    }
  } else {
    // Real latin1; TextDecoder('latin1') is windows-1252 per the WHATWG spec.
    headerText = Buffer.from(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength).toString('latin1');
  }

  const dict = new HeaderParser(headerText, fail, major <= 2).parseDocument();
  const { shape, fortranOrder } = interpretHeader(dict, fail);

  const count = elementCount(shape);
  if (count === undefined) fail(`shape ${describeShape(shape)} is too large (more than 2^53 bytes of data)`);
  const expected = count * BYTES_PER_ELEMENT;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated data' : 'trailing data';
    fail(
      `${what}: shape ${describeShape(shape)} of float64 needs ${expected} data bytes ` +
        `but ${actual} bytes follow the header (which ends at byte ${dataStart})`,
    );
  }

  const raw = new Float64Array(count);
  if (HOST_LITTLE_ENDIAN) {
    // One memcpy into fresh aligned storage; works whatever the source alignment.
    new Uint8Array(raw.buffer).set(bytes.subarray(dataStart, dataStart + expected));
  } else {
    for (let i = 0; i < count; i++) raw[i] = view.getFloat64(dataStart + i * BYTES_PER_ELEMENT, true);
  }
  return { shape, data: fortranOrder ? fortranToC(raw, shape) : raw };
}

// ---------------------------------------------------------------------------
// Writing

function validateArray(array: NpyArray): number {
  const { shape, data } = array;
  if (!(data instanceof Float64Array)) throw new TypeError('npy: data must be a Float64Array');
  if (!Array.isArray(shape)) throw new TypeError('npy: shape must be an array of integers');
  shape.forEach((d, axis) => {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`npy: shape[${axis}] = ${String(d)} is not a non-negative integer`);
    }
  });
  const count = elementCount(shape);
  if (count === undefined) throw new RangeError(`npy: shape ${describeShape(shape)} is too large`);
  if (data.length !== count) {
    throw new RangeError(`npy: data has ${data.length} elements but shape ${describeShape(shape)} needs ${count}`);
  }
  return count;
}

/**
 * Serializes a float64 array exactly as `np.save` (numpy >= 1.23) would for a
 * C-contiguous `'<f8'` array: same header text, same growth-axis slack, same
 * padding to a 64-byte data offset, version 1.0 unless the header needs more
 * than 65535 bytes (then 2.0). The header is pure ASCII, so 3.0 is never needed.
 *
 * @throws TypeError / RangeError if `array` is inconsistent (bad shape entries,
 *   or `data.length` not equal to the product of `shape`). These are caller
 *   bugs rather than malformed files, hence not NpyFormatError.
 */
export function formatNpy(array: NpyArray): Uint8Array {
  validateArray(array);
  const { data } = array;
  const header = formatNpyHeader(array.shape);
  const dataStart = header.length;
  const out = new Uint8Array(dataStart + data.byteLength);
  out.set(header, 0);
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart);
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat64(dataStart + i * BYTES_PER_ELEMENT, data[i]!, true);
  }
  return out;
}

/**
 * The bytes {@link formatNpy} writes before the data of a float64 array of
 * `shape` (magic, version, header text, padding): for writers that put the
 * data in place themselves, such as the distributed path's MPI-IO.
 */
export function formatNpyHeader(shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${describeShape(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));

  const hlen = dict.length + 1; // + '\n'
  let lenBytes = 2;
  let padlen = ARRAY_ALIGN - ((MAGIC_LEN + lenBytes + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    lenBytes = 4;
    padlen = ARRAY_ALIGN - ((MAGIC_LEN + lenBytes + hlen) % ARRAY_ALIGN);
  }
  const header = dict + ' '.repeat(padlen) + '\n';
  const out = new Uint8Array(MAGIC_LEN + lenBytes + header.length);
  out.set(MAGIC, 0);
  out[6] = lenBytes === 2 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(MAGIC_LEN, header.length, true);
  else view.setUint32(MAGIC_LEN, header.length, true);
  Buffer.from(out.buffer, MAGIC_LEN + lenBytes, header.length).write(header, 'latin1');
  return out;
}

// ---------------------------------------------------------------------------
// Files

/**
 * Reads a `.npy` file holding a little-endian float64 array.
 * @throws NpyFormatError (with `file` set to `path`) for malformed content;
 *   file-system errors propagate unchanged.
 */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFile(path), path);
}

/**
 * Writes `array` to `path` in the format produced by {@link formatNpy},
 * atomically: a reader sees the previous file or the new one, whole.
 * @throws AtomicWriteError when the file could not be written (the previous one is intact).
 */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, formatNpy(array));
}
