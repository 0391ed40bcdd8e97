import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpyFormatError, formatNpy, parseNpy, readNpy, writeNpy, type NpyArray } from '../lib/io/npy.js';

// ---------------------------------------------------------------------------
// Helpers

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nntk-npy-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Runs a numpy script; `argv[1]` is the temp dir. Throws (failing the test) on non-zero exit. */
function python(script: string, ...args: string[]): string {
  try {
    return execFileSync('python3', ['-c', script, dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { status, stdout, stderr } = e as { status: number | null; stdout: string; stderr: string };
    throw new Error(`python3 exited with ${String(status)}:\n${stdout}${stderr}`);
  }
}

/** Bit patterns, so NaN payloads and -0 are compared exactly (toEqual treats them loosely). */
function bits(data: Float64Array): bigint[] {
  const copy = new Float64Array(data); // aligned, own buffer
  return Array.from(new BigUint64Array(copy.buffer));
}

function rawBytes(data: Float64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * Builds a .npy file by hand. The header is used verbatim (no padding added)
 * unless `pad` is set, so readers are exercised on files numpy would never write.
 */
function craft(
  header: string,
  data: Uint8Array = new Uint8Array(0),
  opts: { major?: number; minor?: number; pad?: boolean; utf8?: boolean } = {},
): Uint8Array {
  const major = opts.major ?? 1;
  const lenBytes = major === 1 ? 2 : 4;
  let text = header;
  if (opts.pad === true) {
    const enc = opts.utf8 === true ? new TextEncoder().encode(text).length : text.length;
    const hlen = enc + 1;
    text += ' '.repeat(64 - ((8 + lenBytes + hlen) % 64)) + '\n';
  }
  const h = opts.utf8 === true ? new TextEncoder().encode(text) : Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  const out = new Uint8Array(8 + lenBytes + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, opts.minor ?? 0]);
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  out.set(h, 8 + lenBytes);
  out.set(data, 8 + lenBytes + h.length);
  return out;
}

const f8 = (...xs: number[]): Uint8Array => rawBytes(Float64Array.from(xs));

/** Special values whose bit patterns a careless reader/writer would change. */
const SPECIAL_BITS: bigint[] = [
  0x7ff8000000000000n, // NaN
  0x7ff8000000000123n, // NaN with payload
  0xfff0000000000001n, // signalling-ish negative NaN
  0x8000000000000000n, // -0
  0x0000000000000000n, // +0
  0x7ff0000000000000n, // +Inf
  0xfff0000000000000n, // -Inf
  0x0000000000000001n, // smallest subnormal
  0x000fffffffffffffn, // largest subnormal
  0x8000000000000abcn, // negative subnormal
  0x0010000000000000n, // smallest normal
  0x7fefffffffffffffn, // largest finite
];

function specialArray(shape: number[]): NpyArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  const u = new BigUint64Array(data.buffer);
  for (let i = 0; i < n; i++) {
    // Every third slot special, the rest distinct, so any element reordering shows.
    u[i] = i % 3 === 0 ? SPECIAL_BITS[(i / 3) % SPECIAL_BITS.length]! : 0n;
    if (i % 3 !== 0) data[i] = (i + 1) * 1.25 + 1 / (i + 3);
  }
  return { shape, data };
}

function catchNpyError(f: () => unknown): NpyFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NpyFormatError);
    return e as NpyFormatError;
  }
  throw new Error('expected NpyFormatError, nothing was thrown');
}

const GOOD_HEADER = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
const TWELVE = f8(...Array.from({ length: 12 }, (_, i) => i));

// ---------------------------------------------------------------------------
// numpy -> nntk

const NUMPY_WRITER = String.raw`
import sys, json
import numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
special = np.array([int(x, 16) for x in sys.argv[2].split(',')], dtype='<u8').view('<f8')
cases = json.loads(sys.argv[3])
for name, shape, order, version in cases:
    shape = tuple(shape)
    n = int(np.prod(shape, dtype=np.int64))
    vals = (np.arange(n, dtype='<f8') + 1) * 1.25 + 1 / (np.arange(n) + 3)
    vals[::3] = np.resize(special, len(vals[::3]))
    a = vals.reshape(shape)
    if order == 'F':
        a = np.asfortranarray(a)
        assert a.ndim < 2 or a.size == 0 or not a.flags.c_contiguous
    with open(f'{d}/{name}.npy', 'wb') as f:
        if version is None:
            np.save(f, a)
        else:
            fmt.write_array(f, a, version=tuple(version))
    with open(f'{d}/{name}.bin', 'wb') as f:
        f.write(a.tobytes(order='C'))
`;

type Case = [name: string, shape: number[], order: 'C' | 'F', version: [number, number] | null];
const NUMPY_CASES: Case[] = [
  ['scalar', [], 'C', null],
  ['empty', [0], 'C', null],
  ['vec5', [5], 'C', null],
  ['mat34', [3, 4], 'C', null],
  ['cube234', [2, 3, 4], 'C', null],
  ['mat34F', [3, 4], 'F', null],
  ['cube234F', [2, 3, 4], 'F', null],
  ['nd2132F', [2, 1, 3, 2], 'F', null],
  ['mat_37x53F', [37, 53], 'F', null],
  ['empty_2x0x3F', [2, 0, 3], 'F', null],
  ['v2_mat34', [3, 4], 'C', [2, 0]],
  ['v3_cube234F', [2, 3, 4], 'F', [3, 0]],
];

describe('reading files written by numpy', () => {
  beforeAll(() => {
    python(NUMPY_WRITER, SPECIAL_BITS.map((b) => b.toString(16)).join(','), JSON.stringify(NUMPY_CASES));
  });

  for (const [name, shape, order, version] of NUMPY_CASES) {
    const what = `shape (${shape.join(', ')}), ${order === 'F' ? 'Fortran' : 'C'} order, format ${version === null ? 'as np.save chooses' : version.join('.')}`;
    it(`readNpy returns the exact shape and bit-identical C-order data for ${what}`, async () => {
      const path = join(dir, `${name}.npy`);
      const expected = new Float64Array(new Uint8Array(readFileSync(join(dir, `${name}.bin`))).buffer);
      const arr = await readNpy(path);
      expect(arr.shape).toEqual(shape);
      expect(arr.data).toBeInstanceOf(Float64Array);
      expect(arr.data.length).toBe(shape.reduce((a, b) => a * b, 1));
      expect(bits(arr.data)).toEqual(bits(expected));
    });
  }

  it('the Fortran-order fixtures really carry fortran_order True in their headers (so the transpose path is exercised)', () => {
    for (const name of ['mat34F', 'cube234F', 'nd2132F', 'mat_37x53F', 'v3_cube234F']) {
      const head = Buffer.from(readFileSync(join(dir, `${name}.npy`))).subarray(0, 128).toString('latin1');
      expect(head, name).toContain("'fortran_order': True");
    }
  });

  it('the versioned fixtures really are format 2.0 and 3.0', () => {
    expect(readFileSync(join(dir, 'v2_mat34.npy'))[6]).toBe(2);
    expect(readFileSync(join(dir, 'v3_cube234F.npy'))[6]).toBe(3);
  });
});

// ---------------------------------------------------------------------------
// nntk -> numpy

const NUMPY_CHECKER = String.raw`
import sys, io, json
import numpy as np
d = sys.argv[1]
bad = []
for name, shape in json.loads(sys.argv[2]):
    path = f'{d}/{name}.npy'
    a = np.load(path, allow_pickle=False)
    raw = open(f'{d}/{name}.bin', 'rb').read()
    if a.dtype != np.dtype('<f8') or a.shape != tuple(shape) or a.tobytes(order='C') != raw:
        bad.append(f'{name}: content differs (dtype {a.dtype}, shape {a.shape})')
    buf = io.BytesIO()
    np.save(buf, a)
    if buf.getvalue() != open(path, 'rb').read():
        bad.append(f'{name}: file is not byte-identical to np.save output')
if bad:
    print('\n'.join(bad))
    sys.exit(1)
print('ok')
`;

describe('files written by writeNpy, checked by numpy', () => {
  const shapes: Array<[string, number[]]> = [
    ['w_scalar', []],
    ['w_empty', [0]],
    ['w_vec5', [5]],
    ['w_mat34', [3, 4]],
    ['w_cube234', [2, 3, 4]],
    ['w_empty_3x0', [3, 0]],
    ['w_long', [12345]],
    ['w_wide_first_axis', [123456789012, 0]],
    // Long shape repr: here numpy's growth-axis slack pushes the data offset from 128 to 192.
    ['w_16d', new Array<number>(16).fill(1)],
    ['w_3x2x1x1x1x1x1x1x1x1x1x1x1x1x1x1', [3, 2, ...new Array<number>(14).fill(1)]],
  ];

  beforeAll(async () => {
    for (const [name, shape] of shapes) {
      const arr = specialArray(shape);
      await writeNpy(join(dir, `${name}.npy`), arr);
      writeFileSync(join(dir, `${name}.bin`), rawBytes(arr.data));
    }
  });

  it('numpy loads every written file with the same dtype, shape and bit-identical data, and np.save of it reproduces the file byte for byte', () => {
    expect(python(NUMPY_CHECKER, JSON.stringify(shapes)).trim()).toBe('ok');
  });

  it('writeNpy then readNpy round-trips shape and bits exactly', async () => {
    for (const [name, shape] of shapes) {
      const back = await readNpy(join(dir, `${name}.npy`));
      expect(back.shape).toEqual(shape);
      expect(bits(back.data)).toEqual(bits(specialArray(shape).data));
    }
  });
});

// ---------------------------------------------------------------------------
// Format details

describe('formatNpy layout', () => {
  it('writes version 1.0 with data starting at a multiple of 64 bytes and a header ending in a newline', () => {
    for (const shape of [[], [0], [7], [3, 4], [2, 3, 4, 5, 6, 7]]) {
      const bytes = formatNpy(specialArray(shape));
      expect(bytes[6]).toBe(1);
      expect(bytes[7]).toBe(0);
      const hlen = bytes[8]! | (bytes[9]! << 8);
      const dataStart = 10 + hlen;
      expect(dataStart % 64).toBe(0);
      expect(bytes[dataStart - 1]).toBe(0x0a);
      expect(bytes.length - dataStart).toBe(8 * shape.reduce((a, b) => a * b, 1));
    }
  });

  it('switches to version 2.0 (uint32 header length) when the header exceeds 65535 bytes, and parseNpy reads it back', () => {
    const shape = new Array<number>(30000).fill(1); // "1, " x 30000 > 64 KiB of header
    const arr: NpyArray = { shape, data: Float64Array.of(-0) };
    const bytes = formatNpy(arr);
    expect(bytes[6]).toBe(2);
    const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    expect(hlen).toBeGreaterThan(65535);
    expect((12 + hlen) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(bits(back.data)).toEqual([0x8000000000000000n]);
  });

  it('formatNpy honours the byteOffset of a Float64Array view (writes only the viewed elements)', () => {
    const big = Float64Array.from([9, 1, 2, 3, 9]);
    const back = parseNpy(formatNpy({ shape: [3], data: big.subarray(1, 4) }));
    expect(Array.from(back.data)).toEqual([1, 2, 3]);
  });

  it('formatNpy rejects data whose length differs from the product of the shape', () => {
    expect(() => formatNpy({ shape: [3, 4], data: new Float64Array(11) })).toThrow(/11 elements.*\(3, 4\) needs 12/);
    expect(() => formatNpy({ shape: [], data: new Float64Array(0) })).toThrow(RangeError);
  });

  it('formatNpy rejects negative, fractional and non-finite shape entries', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 60]) {
      expect(() => formatNpy({ shape: [bad], data: new Float64Array(0) }), String(bad)).toThrow(RangeError);
    }
  });
});

describe('parseNpy header syntax accepted', () => {
  const variants: Array<[string, string]> = [
    ['keys in a different order', "{'shape': (3, 4), 'descr': '<f8', 'fortran_order': False}"],
    ['no trailing comma', "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}"],
    ['extra whitespace, tabs and newlines', "{ 'descr' :\t'<f8' ,\n 'fortran_order' : False , 'shape' : ( 3 ,4 , ) , }  \n"],
    ['double-quoted strings', '{"descr": "<f8", "fortran_order": False, "shape": (3, 4)}'],
    ['Python 2 long suffixes in a v1.0 header', "{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }"],
  ];
  for (const [label, header] of variants) {
    it(`reads a header with ${label}`, () => {
      const arr = parseNpy(craft(header, TWELVE));
      expect(arr.shape).toEqual([3, 4]);
      expect(Array.from(arr.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    });
  }

  it('reads shape () as a scalar with one element and (5,) as a vector', () => {
    expect(parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", f8(2.5)))).toEqual({
      shape: [],
      data: Float64Array.of(2.5),
    });
    expect(parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (5,)}", f8(1, 2, 3, 4, 5))).shape).toEqual([5]);
  });

  it('reads zero-size shapes, including a zero next to a huge dimension, as empty data', () => {
    for (const shape of ['(0,)', '(4, 0)', '(0, 9007199254740991)']) {
      const arr = parseNpy(craft(`{'descr': '<f8', 'fortran_order': True, 'shape': ${shape}}`));
      expect(arr.data.length).toBe(0);
    }
  });

  it('reads a hand-crafted version 2.0 file (uint32 header length)', () => {
    const arr = parseNpy(craft(GOOD_HEADER, TWELVE, { major: 2, pad: true }));
    expect(arr.shape).toEqual([3, 4]);
    expect(arr.data[11]).toBe(11);
  });

  it('reads a hand-crafted version 3.0 file (uint32 header length, UTF-8 header)', () => {
    const arr = parseNpy(craft(GOOD_HEADER, TWELVE, { major: 3, pad: true, utf8: true }));
    expect(arr.shape).toEqual([3, 4]);
  });

  it('transposes a hand-crafted Fortran-order 2x3 file into C order', () => {
    // Column-major storage of [[1, 2, 3], [4, 5, 6]].
    const arr = parseNpy(craft("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}", f8(1, 4, 2, 5, 3, 6)));
    expect(Array.from(arr.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads data at any byte offset of the input and returns a copy independent of it', () => {
    const file = formatNpy(specialArray([3, 4]));
    for (let shift = 0; shift < 8; shift++) {
      const backing = new Uint8Array(file.length + 8);
      backing.set(file, shift);
      const view = backing.subarray(shift, shift + file.length);
      const arr = parseNpy(view);
      expect(bits(arr.data)).toEqual(bits(specialArray([3, 4]).data));
      backing.fill(0);
      expect(bits(arr.data)).toEqual(bits(specialArray([3, 4]).data));
    }
  });

  it('parses a 100 MB array at a misaligned offset exactly', () => {
    const n = (100 * 1024 * 1024) / 8;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i += 4099) data[i] = i;
    const file = formatNpy({ shape: [n / 1024, 1024], data });
    const backing = new Uint8Array(file.length + 1);
    backing.set(file, 1); // misaligned
    const arr = parseNpy(backing.subarray(1));
    expect(arr.data.length).toBe(n);
    expect(arr.data[4099 * 100]).toBe(4099 * 100);
  });
});

// ---------------------------------------------------------------------------
// Malformed input

const NUMPY_BAD_DTYPES = String.raw`
import sys
import numpy as np
d = sys.argv[1]
np.save(f'{d}/f4.npy', np.arange(3, dtype='<f4'))
np.save(f'{d}/i8.npy', np.arange(3, dtype='<i8'))
np.save(f'{d}/be.npy', np.arange(3, dtype='>f8'))
np.save(f'{d}/obj.npy', np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save(f'{d}/struct.npy', np.zeros(3, dtype=[('a', '<f8'), ('b', '<i4')]))
np.save(f'{d}/c16.npy', np.zeros(3, dtype='<c16'))
`;

describe('numpy files with other dtypes are rejected by readNpy with an NpyFormatError naming the dtype', () => {
  beforeAll(() => {
    python(NUMPY_BAD_DTYPES);
  });

  async function readError(name: string): Promise<NpyFormatError> {
    const path = join(dir, name);
    const err = await readNpy(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NpyFormatError);
    const npyErr = err as NpyFormatError;
    expect(npyErr.file).toBe(path);
    expect(npyErr.message.startsWith(`${path}: `)).toBe(true);
    return npyErr;
  }

  it("'<i8' gives exactly \"<path>: dtype '<i8' is not float64 (nntk reads float64 arrays only)\"", async () => {
    const err = await readError('i8.npy');
    expect(err.message).toBe(`${join(dir, 'i8.npy')}: dtype '<i8' is not float64 (nntk reads float64 arrays only)`);
  });
  it("'<f4' is rejected as not float64", async () => {
    expect((await readError('f4.npy')).message).toMatch(/dtype '<f4' is not float64/);
  });
  it("'>f8' is rejected with a message that says big-endian", async () => {
    expect((await readError('be.npy')).message).toMatch(/dtype '>f8' is big-endian/);
  });
  it("'|O' object arrays are rejected as not float64", async () => {
    expect((await readError('obj.npy')).message).toMatch(/dtype '\|O' is not float64/);
  });
  it('structured dtypes are rejected and called structured', async () => {
    expect((await readError('struct.npy')).message).toMatch(/dtype \[\('a', '<f8'\), \('b', '<i4'\)\] is a structured dtype/);
  });
  it("'<c16' complex arrays are rejected as not float64", async () => {
    expect((await readError('c16.npy')).message).toMatch(/dtype '<c16' is not float64/);
  });
});

describe('malformed bytes are rejected by parseNpy with a helpful NpyFormatError', () => {
  const good = craft(GOOD_HEADER, TWELVE, { pad: true });

  it('bad magic: says it is not a .npy file and shows the bytes found', () => {
    const err = catchNpyError(() => parseNpy(ascii('PK\x03\x04 this is a zip'), 'x.npy'));
    expect(err.file).toBe('x.npy');
    expect(err.message).toMatch(/^x\.npy: not a \.npy file: expected magic .* found 50 4b 03 04 20 74/);
    expect(catchNpyError(() => parseNpy(new Uint8Array(0))).message).toMatch(/found an empty file/);
  });

  it('unsupported versions 4.0 and 1.1 are rejected naming the version', () => {
    expect(catchNpyError(() => parseNpy(craft(GOOD_HEADER, TWELVE, { major: 4 }))).message).toMatch(/unsupported \.npy format version 4\.0/);
    expect(catchNpyError(() => parseNpy(craft(GOOD_HEADER, TWELVE, { minor: 1 }))).message).toMatch(/version 1\.1/);
  });

  it('truncated header: cut inside the header, inside the length field, or inside the version', () => {
    expect(catchNpyError(() => parseNpy(good.subarray(0, 40))).message).toMatch(
      /truncated header: header length field says 118 bytes but only 30 bytes follow/,
    );
    expect(catchNpyError(() => parseNpy(good.subarray(0, 9))).message).toMatch(/truncated header.*header-length field/);
    expect(catchNpyError(() => parseNpy(good.subarray(0, 7))).message).toMatch(/truncated header.*version field/);
  });

  it('truncated data: gives expected and actual byte counts', () => {
    const err = catchNpyError(() => parseNpy(good.subarray(0, good.length - 8), 'x.npy'));
    expect(err.message).toBe(
      'x.npy: truncated data: shape (3, 4) of float64 needs 96 data bytes but 88 bytes follow the header (which ends at byte 128)',
    );
  });

  it('trailing data: gives expected and actual byte counts', () => {
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(catchNpyError(() => parseNpy(longer)).message).toMatch(/trailing data: .*needs 96 data bytes but 99 bytes/);
  });

  it("'=f8', '|f8' and 'f8' are rejected because they do not state little-endian order", () => {
    for (const d of ['=f8', '|f8', 'f8']) {
      const h = `{'descr': '${d}', 'fortran_order': False, 'shape': (3, 4)}`;
      expect(catchNpyError(() => parseNpy(craft(h, TWELVE))).message).toMatch(/does not state little-endian/);
    }
  });

  it("'<d' is rejected with a message saying only the canonical '<f8' spelling is read", () => {
    const h = "{'descr': '<d', 'fortran_order': False, 'shape': (3, 4)}";
    expect(catchNpyError(() => parseNpy(craft(h, TWELVE))).message).toMatch(/dtype '<d' is not spelled '<f8'/);
  });

  it("'>d' is rejected with a message that says big-endian", () => {
    const h = "{'descr': '>d', 'fortran_order': False, 'shape': (3, 4)}";
    expect(catchNpyError(() => parseNpy(craft(h, TWELVE))).message).toMatch(/big-endian/);
  });

  it('missing key: names the missing key', () => {
    const err = catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False}", TWELVE)));
    expect(err.message).toMatch(/missing key\(s\) 'shape'/);
  });

  it('unexpected or duplicated keys are rejected by name', () => {
    expect(catchNpyError(() => parseNpy(craft(`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'x': 1}`, TWELVE))).message).toMatch(
      /unexpected key\(s\) 'x'/,
    );
    expect(catchNpyError(() => parseNpy(craft(`{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}`, TWELVE))).message).toMatch(
      /key 'descr' appears twice/,
    );
  });

  it('malformed dict syntax is reported with the position in the header', () => {
    const cases: Array<[string, RegExp]> = [
      ["{'descr': '<f8' 'fortran_order': False, 'shape': (3, 4)}", /malformed header: expected ',' or '}' at character 16/],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)", /malformed header: expected ',' or '}'|unexpected end/],
      ["{'descr': '<f8, 'fortran_order': False, 'shape': (3, 4)}", /malformed header/],
      ["{'descr': '<f8', 'fortran_order': false, 'shape': (3, 4)}", /unexpected name 'false'/],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)} junk", /unexpected text after the header dict/],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}", /malformed number/],
      ["{'descr': '<f8', 'fortran_order': False, 'shape': (,)}", /unexpected character ","/],
      ['', /unexpected end of header/],
      ["['descr', '<f8']", /expected a dict/],
      [`{'descr': ${'('.repeat(10000)}}`, /nesting deeper than/],
    ];
    for (const [header, re] of cases) {
      expect(catchNpyError(() => parseNpy(craft(header, TWELVE))).message, header.slice(0, 80)).toMatch(re);
    }
  });

  it('a version 3.0 header that is not valid UTF-8 is rejected', () => {
    const bytes = craft(GOOD_HEADER, TWELVE, { major: 3, pad: true });
    bytes[12 + 3] = 0xff;
    expect(catchNpyError(() => parseNpy(bytes)).message).toMatch(/not valid UTF-8/);
  });

  it('negative shape: names the negative dimension', () => {
    const err = catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3)}")));
    expect(err.message).toMatch(/shape \(-1, 3\): dimension 0 is negative \(-1\)/);
  });

  it('non-tuple and non-integer shapes are rejected', () => {
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': [3, 4]}", TWELVE))).message).toMatch(
      /shape must be a tuple/,
    );
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (12)}", TWELVE))).message).toMatch(
      /shape must be a tuple of integers, found 12/,
    );
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': ('3',)}"))).message).toMatch(
      /entry 0 is not an integer/,
    );
  });

  it('huge shapes are rejected as too large before any allocation', () => {
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776)}"))).message).toMatch(
      /too large/,
    );
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}"))).message).toMatch(
      /dimension 0 is too large/,
    );
  });

  it('fortran_order must be a bool', () => {
    expect(catchNpyError(() => parseNpy(craft("{'descr': '<f8', 'fortran_order': 1, 'shape': (3, 4)}", TWELVE))).message).toMatch(
      /fortran_order must be True or False, found 1/,
    );
  });

  it('errors without a name are prefixed with "npy data" and have file undefined', () => {
    const err = catchNpyError(() => parseNpy(ascii('nope')));
    expect(err.file).toBeUndefined();
    expect(err.message.startsWith('npy data: ')).toBe(true);
    expect(err.name).toBe('NpyFormatError');
  });
});
