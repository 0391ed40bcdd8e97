/**
 * Property-based fuzzing (fast-check) of the two places where untrusted
 * bytes and text enter nntk: the .npy reader and the command line.
 *
 * Every property runs with one seed per run (NNTK_FUZZ_SEED replays one; a
 * failure's message names it), counts how many cases reached each branch
 * (printed after the run) and asserts a minimum for the branches that matter,
 * so that no check can silently run 0 times.
 *
 * .npy (parseNpy), about 13,500 generated cases per run:
 *   - every outcome is a correct parse or an NpyFormatError: never another
 *     exception, never a slow case (each parse is timed; a hang would show
 *     as a case far beyond SLOW_MS);
 *   - a successful parse is always *explained by the bytes*: its data is the
 *     tail of the input read in C order, or in Fortran order transposed by an
 *     independent (naive index arithmetic) implementation; valid headers over
 *     random data and valid headers with whitespace or tokens inserted make
 *     the parses that reach this check (hundreds per run, asserted);
 *   - valid files (formatNpy of random shapes and random bit patterns, NaN
 *     payloads and -0 included; hand-written Fortran-order files) round-trip
 *     bitwise, at any byte offset of the input;
 *   - headers assembled from parts, each part valid or not (magic, version,
 *     descr '<f8' '>f8' '|O' …, fortran_order, shape spellings, key order,
 *     extra/missing/duplicate keys, garbage after the dict, data length):
 *     the parse succeeds exactly when every part is valid (an oracle
 *     independent of the parser), and then gives the expected array;
 *   - mutated valid files (bit flips, truncation, insertion, deletion,
 *     appended bytes): flips confined to the data change exactly those bits.
 *
 * CLI:
 *   - in-process, parseArgs over the real option table of every command (the
 *     tables are captured by wrapping defineCommand): the result is parsed
 *     values or a UsageError, never another exception; success implies the
 *     argv obeys the grammar (checked by an independent recogniser) and a
 *     grammar violation is always a UsageError;
 *   - the number parser over random text and ranges;
 *   - 200 end-to-end runs of `node dist/cli/main.js <argv>` on argv that
 *     fail at argument parsing or ask for help (so nothing is computed or
 *     written): the exit code is the one predicted (0 help, 2 usage), stderr
 *     is empty or one `nntk: ` line (no stack trace, no "Error:" dump), stdout
 *     is empty or help, and the working directory stays empty.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NpyFormatError, formatNpy, parseNpy, type NpyArray } from '../lib/io/npy.js';
import { number, parseArgs, wantsHelp, type Options } from '../lib/cli/args.js';
import type { CommandSpec } from '../lib/cli/command.js';
import { UsageError } from '../lib/cli/failures.js';

// Capture each command's spec (name and option table) as the command modules define them.
const captured = vi.hoisted(() => [] as Array<CommandSpec<Options>>);
vi.mock('../lib/cli/command.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../lib/cli/command.js')>();
  return {
    ...real,
    defineCommand: <O extends Options>(spec: CommandSpec<O>) => {
      captured.push(spec as unknown as CommandSpec<Options>);
      return real.defineCommand(spec);
    },
  };
});
// Every command module (all of lib/cli/commands/), imported for its side effect on `captured`.
const COMMANDS_DIR = fileURLToPath(new URL('../lib/cli/commands/', import.meta.url));
for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts')).sort()) {
  await import(join(COMMANDS_DIR, file));
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

/** A hang guard, not a performance check: a parse of a few hundred bytes takes microseconds. */
const SLOW_MS = 5000;

/**
 * The seed of every property and sample in this file: NNTK_FUZZ_SEED=<integer> replays a run,
 * otherwise each run draws a fresh one. A failure's message starts with the seed to replay it.
 */
const SEED = (() => {
  const text = process.env.NNTK_FUZZ_SEED;
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || Math.abs(seed) >= 2 ** 31) throw new Error(`NNTK_FUZZ_SEED must be a 32-bit integer, got ${JSON.stringify(text)}`);
  return seed;
})();

/** fc.assert with the file's seed and a replay hint on failure. */
function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, numRuns: number): void {
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    throw new Error(`fuzz failure; replay with NNTK_FUZZ_SEED=${SEED}\n${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** How many generated cases reached each branch of each property (printed after the run; minimums asserted per test). */
const reached = new Map<string, number>();
function reach(branch: string): void {
  reached.set(branch, (reached.get(branch) ?? 0) + 1);
}
function count(branch: string): number {
  return reached.get(branch) ?? 0;
}
afterAll(() => {
  const lines = [...reached.entries()].map(([branch, n]) => `  ${String(n).padStart(6)}  ${branch}`);
  console.log(`fuzz (NNTK_FUZZ_SEED=${SEED}): cases per property and branch\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------
// .npy helpers

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const SPECIAL_BITS = [
  0x7ff8000000000000n, // NaN
  0x7ff8000000000123n, // quiet NaN with payload
  0x7ff0000000000001n, // signalling NaN
  0xfff0000000000001n, // negative signalling NaN
  0xfff8dead0000beefn, // negative NaN with payload
  0x8000000000000000n, // -0
  0x0000000000000000n, // +0
  0x7ff0000000000000n, // +Inf
  0xfff0000000000000n, // -Inf
  0x0000000000000001n, // smallest subnormal
  0x800fffffffffffffn, // negative largest subnormal
  0x7fefffffffffffffn, // largest finite
];

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function bytesOf(data: Float64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(bytesOf(a)), Buffer.from(bytesOf(b))) === 0;
}

function fromBits(words: readonly bigint[]): Float64Array {
  return new Float64Array(BigUint64Array.from(words).buffer);
}

/** C-order data → the same array's Fortran-order storage, by index arithmetic (independent of lib/io/npy.ts). */
function toFortran(c: Float64Array, shape: readonly number[]): Float64Array {
  const out = new Float64Array(c.length);
  for (let ci = 0; ci < c.length; ci++) out[fortranOffset(ci, shape)] = c[ci]!;
  return out;
}

/** Fortran storage → C order. */
function fromFortran(f: Float64Array, shape: readonly number[]): Float64Array {
  const out = new Float64Array(f.length);
  for (let ci = 0; ci < f.length; ci++) out[ci] = f[fortranOffset(ci, shape)]!;
  return out;
}

/** Offset in Fortran storage of the element at C offset ci. */
function fortranOffset(ci: number, shape: readonly number[]): number {
  let rest = ci;
  let offset = 0;
  let stride = 1;
  const index: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = rest % shape[k]!;
    rest = Math.floor(rest / shape[k]!);
  }
  for (let k = 0; k < shape.length; k++) {
    offset += index[k]! * stride;
    stride *= shape[k]!;
  }
  return offset;
}

/** A .npy file with the given header dict text, padded as numpy pads, in the given version's encoding. */
function npyFile(dict: string, payload: Uint8Array, version: readonly [number, number] = [1, 0], pad = true): Uint8Array {
  const major = version[0];
  const lenBytes = major === 1 || major === 0 || major > 3 ? 2 : 4;
  const encode = (s: string) => (major === 3 ? new TextEncoder().encode(s) : Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff));
  let header = encode(dict);
  if (pad) {
    const padded = dict + ' '.repeat(63 - ((6 + 2 + lenBytes + header.length) % 64)) + '\n';
    header = encode(padded);
  }
  const out = new Uint8Array(8 + lenBytes + header.length + payload.length);
  out.set(MAGIC);
  out[6] = version[0];
  out[7] = version[1];
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, 8 + lenBytes);
  out.set(payload, 8 + lenBytes + header.length);
  return out;
}

const shapeText = (shape: readonly number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

type Outcome = { ok: true; array: NpyArray } | { ok: false; error: NpyFormatError };

/** parseNpy, timed; anything thrown other than an NpyFormatError fails the property with the input in the report. */
function outcome(bytes: Uint8Array): Outcome {
  const started = performance.now();
  try {
    return { ok: true, array: parseNpy(bytes, 'fuzz.npy') };
  } catch (error) {
    if (!(error instanceof NpyFormatError)) {
      throw new Error(`parseNpy threw ${String(error)} (not an NpyFormatError) on ${Buffer.from(bytes.subarray(0, 200)).toString('hex')}`, {
        cause: error,
      });
    }
    if (!error.message.startsWith('fuzz.npy: ') || error.file !== 'fuzz.npy') throw new Error(`NpyFormatError without the file name: ${error.message}`);
    return { ok: false, error };
  } finally {
    const ms = performance.now() - started;
    if (ms > SLOW_MS) throw new Error(`parseNpy took ${ms.toFixed(0)} ms on ${bytes.length} bytes`);
  }
}

/**
 * A successful parse must be explained by the bytes: shape entries are safe
 * non-negative integers, the data has product(shape) elements in a fresh
 * buffer, and equals the input's last 8·n bytes read in C order or in
 * Fortran order.
 */
function checkExplained(bytes: Uint8Array, { shape, data }: NpyArray): void {
  expect(Array.isArray(shape)).toBe(true);
  for (const d of shape) expect(Number.isSafeInteger(d) && d >= 0, `dimension ${d}`).toBe(true);
  expect(data).toBeInstanceOf(Float64Array);
  expect(data.length).toBe(product(shape));
  expect(data.byteOffset).toBe(0);
  expect(data.buffer).not.toBe(bytes.buffer);
  const tail = new Float64Array(new Uint8Array(bytes.subarray(bytes.length - data.byteLength)).buffer);
  expect(sameBits(data, tail) || sameBits(data, fromFortran(tail, shape)), 'data is neither the C- nor the Fortran-order tail').toBe(true);
}

// ---------------------------------------------------------------------------
// .npy arbitraries

const wordArb = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...SPECIAL_BITS) }, { weight: 3, arbitrary: fc.bigInt(0n, 2n ** 64n - 1n) });
const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 });
/** A random float64 array: random shape (scalars, empty and 1–4-D), random bit patterns. */
const arrayArb: fc.Arbitrary<NpyArray> = shapeArb.chain((shape) =>
  fc.array(wordArb, { minLength: product(shape), maxLength: product(shape) }).map((words) => ({ shape, data: fromBits(words) })),
);

function canonicalDict(shape: readonly number[], fortran: boolean): string {
  return `{'descr': '<f8', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText(shape)}, }`;
}

/** A valid file for `array`, in C or Fortran order, in version 1, 2 or 3. */
const validFileArb = fc.record({ array: arrayArb, fortran: fc.boolean(), major: fc.constantFrom(1, 2, 3) }).map(({ array, fortran, major }) => {
  const payload = fortran ? toFortran(array.data, array.shape) : array.data;
  return { array, fortran, bytes: npyFile(canonicalDict(array.shape, fortran), bytesOf(payload), [major, 0]) };
});

/** A valid header for a random shape, over random bytes whose length is right half of the time. */
const headerOverRandomDataArb = fc
  .record({ shape: shapeArb, fortran: fc.boolean(), major: fc.constantFrom(1, 2, 3), lengthRight: fc.boolean(), delta: fc.integer({ min: 1, max: 24 }), seed: fc.nat() })
  .chain(({ shape, fortran, major, lengthRight, delta }) => {
    const exact = 8 * product(shape);
    const length = lengthRight ? exact : Math.max(0, exact + (exact > 0 && delta % 2 === 0 ? -Math.min(delta, exact) : delta));
    return fc.uint8Array({ minLength: length, maxLength: length }).map((data) => ({
      bytes: npyFile(canonicalDict(shape, fortran), data, [major, 0]),
      lengthRight: length === exact,
    }));
  });

/** The tokens of a canonical header, as a Python literal is split into them. */
function headerTokens(shape: readonly number[], fortran: boolean): string[] {
  const dims = shape.length === 1 ? [String(shape[0]), ','] : shape.flatMap((d, i) => (i === 0 ? [String(d)] : [',', String(d)]));
  return ['{', "'descr'", ':', "'<f8'", ',', "'fortran_order'", ':', fortran ? 'True' : 'False', ',', "'shape'", ':', '(', ...dims, ')', ',', '}'];
}

/**
 * A valid header whose tokens get something inserted between them: whitespace only in half the
 * cases (the header stays valid), header tokens or random text in the others (mostly invalid).
 */
const tokenisedHeaderArb = fc
  .record({ shape: shapeArb, fortran: fc.boolean(), major: fc.constantFrom(1, 2, 3), onlyWhitespace: fc.boolean(), words: fc.array(wordArb, { maxLength: 700 }) })
  .chain(({ shape, fortran, major, onlyWhitespace, words }) => {
    const tokens = headerTokens(shape, fortran);
    const whitespace = fc.constantFrom('', '', '', ' ', '\t', '\n', '  ');
    const anything = fc.oneof({ weight: 3, arbitrary: whitespace }, { weight: 1, arbitrary: headerTokenArb });
    return fc.array(onlyWhitespace ? whitespace : anything, { minLength: tokens.length + 1, maxLength: tokens.length + 1 }).map((gaps) => {
      const dict = gaps.map((gap, i) => gap + (tokens[i] ?? '')).join('');
      const n = product(shape);
      const logical = fromBits(Array.from({ length: n }, (_, i) => words[i % Math.max(1, words.length)] ?? BigInt(i)));
      return { bytes: npyFile(dict, bytesOf(fortran ? toFortran(logical, shape) : logical), [major, 0]), onlyWhitespace: gaps.every((g) => /^[ \t\n]*$/.test(g)) };
    });
  });

interface Part {
  text: string;
  ok: boolean;
}
const good = (text: string): Part => ({ text, ok: true });
const bad = (text: string): Part => ({ text, ok: false });

const descrArb: fc.Arbitrary<Part> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(good("'<f8'"), good('"<f8"')) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...["'>f8'", "'<f4'", "'|O'", "'<i8'", "'=f8'", "'f8'", "'|f8'", "'<d'", "'>d'", "'d'", "'<c16'", "'<U8'", "'|b1'", "'<M8[ns]'", "'<F8'"].map(bad),
      ...["'< f8'", "'<f8 '", "''", "None", '8', "('<f8',)", "{'a': 1}", "[('a', '<f8')]", "[('a', '<f8'), ('b', '<i4')]", "'<f8\\n'", "'<f8é'", "b'<f8'"].map(bad),
    ),
  },
);

const fortranArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom({ text: 'True', ok: true, value: true }, { text: 'False', ok: true, value: false }) },
  { weight: 1, arbitrary: fc.constantFrom(...['1', '0', 'None', "'True'", 'true', 'TRUE', 'Tru', '(True,)', 'False False'].map((text) => ({ text, ok: false, value: false }))) },
);

/** A shape and a spelling of it; `ok` says whether nntk must accept the spelling (v1/v2 accept Python 2's `3L`, v3 does not). */
const shapePartArb = fc
  .record({
    shape: shapeArb,
    style: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('canonical', 'tight', 'spaced', 'plus') },
      { weight: 1, arbitrary: fc.constantFrom('long', 'list', 'noComma', 'float', 'string', 'negative', 'leadingZero', 'hex') },
    ),
  })
  .map(({ shape, style }) => {
    const join = (items: string[], open = '(', close = ')') => (items.length === 1 ? `${open}${items[0]},${close}` : `${open}${items.join(', ')}${close}`);
    const dims = shape.map(String);
    switch (style) {
      case 'canonical':
        return { shape, text: shapeText(shape), ok: true, longSuffix: false };
      case 'tight':
        return { shape, text: `(${dims.map((d) => `${d},`).join('')})`, ok: true, longSuffix: false };
      case 'spaced':
        return { shape, text: `( ${dims.join(' ,\t')}${dims.length === 1 ? ' ,' : ''} )`, ok: true, longSuffix: false };
      case 'plus':
        return { shape, text: join(dims.map((d) => `+${d}`)), ok: true, longSuffix: false };
      case 'long':
        return { shape, text: join(dims.map((d) => `${d}L`)), ok: true, longSuffix: shape.length > 0 };
      case 'list':
        return { shape, text: `[${dims.join(', ')}]`, ok: false, longSuffix: false };
      case 'noComma':
        return { shape, text: shape.length === 1 ? `(${dims[0]})` : `[${dims.join(', ')}]`, ok: false, longSuffix: false };
      case 'float':
        return { shape, text: join([...dims, '1'].map((d) => `${d}.0`)), ok: false, longSuffix: false };
      case 'string':
        return { shape, text: join([...dims, '1'].map((d) => `'${d}'`)), ok: false, longSuffix: false };
      case 'negative':
        return { shape, text: join([...dims, '-1']), ok: false, longSuffix: false };
      case 'leadingZero':
        return { shape, text: join([...dims, '07']), ok: false, longSuffix: false };
      default:
        return { shape, text: join([...dims, '0x1']), ok: false, longSuffix: false };
    }
  });

const WHITESPACE = /^[ \t\n\r\f]*$/;
const tailArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\f'), maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\n', 'x', '#', '}', ',', '\0', '\v', 'é', '\u2028', '{', "'"), minLength: 1, maxLength: 6 }) },
);

/**
 * A header assembled from parts, each valid or not, with the oracle's verdict:
 * the file must parse exactly when every part is valid.
 */
const assembledArb = fc
  .record({
    version: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom<[number, number]>([1, 0], [2, 0], [3, 0]) },
      { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })) },
    ),
    descr: descrArb,
    fortran: fortranArb,
    shape: shapePartArb,
    order: fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]),
    keyQuote: fc.constantFrom("'", '"'),
    space: fc.constantFrom('', ' ', '  ', '\t', '\n'),
    trailingComma: fc.boolean(),
    keyEdit: fc.oneof({ weight: 8, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('extra', 'duplicate', 'missing', 'misspelt') }),
    tail: tailArb,
    dataDelta: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -9, max: 9 }) }),
    words: fc.array(wordArb, { maxLength: 700 }),
  })
  .map((p) => {
    const [major, minor] = p.version;
    const versionOk = (major === 1 || major === 2 || major === 3) && minor === 0;
    const shapeOk = p.shape.ok && !(p.shape.longSuffix && major === 3);
    const q = p.keyQuote;
    const entries: Array<[string, string]> = [
      [`${q}descr${q}`, p.descr.text],
      [`${q}fortran_order${q}`, p.fortran.text],
      [`${q}shape${q}`, p.shape.text],
    ];
    let ordered = p.order.map((i) => entries[i]!);
    if (p.keyEdit === 'extra') ordered.push([`${q}extra${q}`, '1']);
    if (p.keyEdit === 'duplicate') ordered.push(ordered[0]!);
    if (p.keyEdit === 'missing') ordered = ordered.slice(1);
    if (p.keyEdit === 'misspelt') ordered[0] = [ordered[0]![0].replace(/^(.)(.)/, '$1X'), ordered[0]![1]];
    const s = p.space;
    const dict = `{${s}${ordered.map(([k, v]) => `${k}${s}:${s}${v}`).join(`,${s}`)}${p.trailingComma ? ',' : ''}${s}}${p.tail}`;
    const n = product(p.shape.shape);
    const logical = fromBits(Array.from({ length: n }, (_, i) => p.words[i % Math.max(1, p.words.length)] ?? BigInt(i)));
    const stored = p.fortran.value ? toFortran(logical, p.shape.shape) : logical;
    let payload = bytesOf(stored);
    if (p.dataDelta > 0) payload = Uint8Array.from([...payload, ...new Array<number>(p.dataDelta).fill(7)]);
    if (p.dataDelta < 0) payload = payload.subarray(0, Math.max(0, payload.length + p.dataDelta));
    const dataOk = payload.length === 8 * n;
    const valid =
      versionOk && p.descr.ok && p.fortran.ok && shapeOk && p.keyEdit === 'none' && WHITESPACE.test(p.tail) && dataOk;
    return { bytes: npyFile(dict, payload, p.version), valid, shape: p.shape.shape, logical, dict };
  });

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'set'; at: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
);

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(input);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' || m.kind === 'truncate' ? 1 : 0));
    if (m.kind === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
    else if (m.kind === 'set' && b.length > 0) b[at] = m.value;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else if (m.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.count)]);
  }
  return b;
}

/** Random text made of the pieces of .npy headers and of things that break parsers. */
const headerTokenArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '{', '}', '(', ')', '[', ']', ',', ':', "'", '"', '\\', ' ', '\n', '\t', 'L', '-', '+', '.', '0', '1', '3', '07', '-1',
      '99999999999999999999', '9007199254740993', 'True', 'False', 'None', 'true', "'descr'", "'fortran_order'", "'shape'",
      "'<f8'", "'>f8'", "'|O'", "{'descr': '<f8', 'fortran_order': False, 'shape': (", "), }", '((((((((((', '))))))))))',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);

// ---------------------------------------------------------------------------
// .npy properties (runs add up to 13,500)

describe('parseNpy under fuzzing: a correct parse or an NpyFormatError, nothing else', () => {
  it('random byte strings (2,000), random bytes after a valid magic and version (1,500), and a valid header over random data (1,500): explained parse or NpyFormatError', () => {
    check(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = outcome(bytes);
        reach(`random bytes: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
        if (r.ok) checkExplained(bytes, r.array);
      }),
      2000,
    );
    check(
      fc.property(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 300 }), (major, rest) => {
        const bytes = Uint8Array.from([...MAGIC, major, 0, ...rest]);
        const r = outcome(bytes);
        reach(`random bytes after magic and version: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
        if (r.ok) checkExplained(bytes, r.array);
      }),
      1500,
    );
    // The data's length is right half of the time, so about half of these parse and are checked against the bytes.
    check(
      fc.property(headerOverRandomDataArb, ({ bytes, lengthRight }) => {
        const r = outcome(bytes);
        reach(`valid header over random data: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
        expect(r.ok, r.ok ? '' : r.error.message).toBe(lengthRight);
        if (r.ok) checkExplained(bytes, r.array);
      }),
      1500,
    );
    // ≈ 750 of 1,500 expected each way (p = 1/2; a standard deviation is 19): a minimum of 600 can only fail if the generator breaks.
    expect(count('valid header over random data: parsed, explained by the bytes')).toBeGreaterThanOrEqual(600);
    expect(count('valid header over random data: NpyFormatError')).toBeGreaterThanOrEqual(600);
  });

  it('random header text built from header tokens, unicode and nesting (1,000), and valid headers with tokens inserted between theirs (1,000), with a consistent length field', () => {
    check(
      fc.property(
        fc.array(headerTokenArb, { maxLength: 40 }),
        fc.constantFrom<[number, number]>([1, 0], [2, 0], [3, 0]),
        fc.array(wordArb, { maxLength: 20 }),
        fc.boolean(),
        (tokens, version, words, pad) => {
          const bytes = npyFile(tokens.join(''), bytesOf(fromBits(words)), version, pad);
          const r = outcome(bytes);
          reach(`random header tokens: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
          if (r.ok) checkExplained(bytes, r.array);
        },
      ),
      1000,
    );
    check(
      fc.property(tokenisedHeaderArb, ({ bytes, onlyWhitespace }) => {
        const r = outcome(bytes);
        reach(`valid header, tokens inserted: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
        // Whitespace between the tokens of a Python literal never changes its value.
        if (onlyWhitespace) expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (r.ok) checkExplained(bytes, r.array);
      }),
      1000,
    );
    // Half the cases insert whitespace only (all parse); a few others parse too: ≥ 500 expected, a standard deviation is 16.
    expect(count('valid header, tokens inserted: parsed, explained by the bytes')).toBeGreaterThanOrEqual(400);
    expect(count('valid header, tokens inserted: NpyFormatError')).toBeGreaterThanOrEqual(300);
  });

  it('formatNpy output round-trips bitwise (NaN payloads, -0, subnormals, ±Inf), at any byte offset (1,500)', () => {
    check(
      fc.property(arrayArb, fc.integer({ min: 0, max: 15 }), (array, shift) => {
        const file = formatNpy(array);
        const backing = new Uint8Array(file.length + 16).fill(0xa5);
        backing.set(file, shift);
        const r = outcome(backing.subarray(shift, shift + file.length));
        reach(`formatNpy round trip: ${r.ok ? 'parsed' : 'NpyFormatError'}`);
        expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (!r.ok) return;
        expect(r.array.shape).toEqual(array.shape);
        expect(sameBits(r.array.data, array.data)).toBe(true);
      }),
      1500,
    );
  });

  it('Fortran-order files (versions 1, 2, 3) read as the C-order array, compared with an independent transposition (1,000)', () => {
    check(
      fc.property(validFileArb, ({ array, fortran, bytes }) => {
        const r = outcome(bytes);
        reach(`valid files, C and Fortran order: ${r.ok ? `parsed (${fortran ? 'Fortran' : 'C'} order)` : 'NpyFormatError'}`);
        expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
        if (!r.ok) return;
        expect(r.array.shape).toEqual(array.shape);
        expect(sameBits(r.array.data, array.data), `fortran_order ${String(fortran)}`).toBe(true);
      }),
      1000,
    );
  });

  it('headers assembled from valid and invalid parts parse exactly when every part is valid (2,000)', () => {
    let accepted = 0;
    check(
      fc.property(assembledArb, ({ bytes, valid, shape, logical, dict }) => {
        const r = outcome(bytes);
        reach(`headers from parts: ${r.ok ? 'every part valid, parsed' : 'some part invalid, NpyFormatError'}`);
        expect(r.ok, `${dict}: ${r.ok ? 'accepted' : r.error.message}`).toBe(valid);
        if (!r.ok) return;
        accepted++;
        expect(r.array.shape).toEqual(shape);
        expect(sameBits(r.array.data, logical)).toBe(true);
      }),
      2000,
    );
    // The generator is meant to produce both outcomes in quantity.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(1700);
  });

  it('mutated valid files (bit flips, truncation, insertion, deletion, overwrites): parse explained by the bytes, or NpyFormatError (1,500)', () => {
    check(
      fc.property(validFileArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), ({ bytes }, mutations) => {
        const mutated = mutate(bytes, mutations);
        const r = outcome(mutated);
        reach(`mutated valid files: ${r.ok ? 'parsed, explained by the bytes' : 'NpyFormatError'}`);
        if (r.ok) checkExplained(mutated, r.array);
      }),
      1500,
    );
    // Only mutations that all land in the data keep a file valid: ≈ 6% parse (≈ 85, a standard deviation is 9), so a
    // minimum of 40 fails only if the generator stops producing them.
    expect(count('mutated valid files: parsed, explained by the bytes')).toBeGreaterThanOrEqual(40);
    expect(count('mutated valid files: NpyFormatError')).toBeGreaterThanOrEqual(1000);
  });

  it('bit flips confined to the data region change exactly those bits of the result (500)', () => {
    check(
      fc.property(
        arrayArb.filter((a) => a.data.length > 0),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 63 })), { minLength: 1, maxLength: 6 }),
        (array, flips) => {
          const file = formatNpy(array);
          const start = file.length - array.data.byteLength;
          const expected = new Float64Array(array.data);
          const words = new BigUint64Array(expected.buffer);
          for (const [element, bit] of flips) {
            const i = element % array.data.length;
            words[i] = words[i]! ^ (1n << BigInt(bit));
            file[start + 8 * i + (bit >> 3)] = file[start + 8 * i + (bit >> 3)]! ^ (1 << (bit & 7));
          }
          const r = outcome(file);
          reach(`bit flips in the data: ${r.ok ? 'parsed, exactly those bits changed' : 'NpyFormatError'}`);
          expect(r.ok).toBe(true);
          if (r.ok) expect(sameBits(r.array.data, expected)).toBe(true);
        },
      ),
      500,
    );
  });
});

// ---------------------------------------------------------------------------
// CLI: argument parsing in-process

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const PLAUSIBLE = ['1', '2', '4', '0.5', '0.75', '1e-3', 'auto', 'tanh', 'sin', 'relu', 'ntk', 'nntk', 'newton', 'gd', 'dense', 'kernel', 'x.npy', 'dir'];
const STRANGE = [
  '', ' ', '0', '-1', '1e', '1e400', '-1e-400', '0x10', '0b1', '1_000', 'NaN', 'Infinity', '-Infinity', '.5', '5.', '+4', '-0', ' 3', '3 ', '٣',
  '4294967296', '9007199254740993', '1.5', 'TANH', '-', '--', '---', '-h', '--help', '=', 'é', '\u0000', '\n', '\u202e', '😀',
];
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAUSIBLE) },
  { weight: 3, arbitrary: fc.constantFrom(...STRANGE) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

/** argv for one command: random tokens, or a plausible command line with some noise. */
function argvArb(options: Options): fc.Arbitrary<string[]> {
  const keys = Object.keys(options);
  const flags = keys.map(flagName);
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...flags) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...flags), valueArb).map(([f, v]) => `${f}=${v}`) },
    { weight: 3, arbitrary: valueArb },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((s) => `--${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('--', '-', '---width', '--=', '--=1', '--help=1', '-width', '--WIDTH', '--width-', '--no-bias=', '—width') },
  );
  const random = fc.array(token, { maxLength: 14 });
  // Values each option accepts, found by trying the plausible ones: so that a good share of argv parse.
  const accepted = (key: string) =>
    PLAUSIBLE.filter((v) => {
      try {
        options[key]!.parse(v, flagName(key));
        return true;
      } catch {
        return false;
      }
    });
  const optionValue = (key: string) => {
    const ok = accepted(key);
    return ok.length === 0 ? valueArb : fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ok) }, { weight: 1, arbitrary: valueArb });
  };
  const required = keys.filter((k) => options[k]!.required);
  const optional = keys.filter((k) => !options[k]!.required);
  const plausible = fc
    .tuple(
      fc.shuffledSubarray(required, { minLength: Math.max(0, required.length - 1) }),
      fc.shuffledSubarray(optional, { maxLength: Math.min(3, optional.length) }),
      fc.tuple(...keys.map((key) => fc.tuple(optionValue(key), fc.boolean()))),
      fc.oneof({ weight: 3, arbitrary: fc.constant([] as Array<[number, string]>) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), token), { minLength: 1, maxLength: 2 }) }),
    )
    .map(([req, opt, values, noise]) => {
      const argv: string[] = [];
      for (const key of [...req, ...opt]) {
        const [value, inline] = values[keys.indexOf(key)]!;
        if (options[key]!.placeholder === null) argv.push(flagName(key));
        else if (inline) argv.push(`${flagName(key)}=${value}`);
        else argv.push(flagName(key), value);
      }
      for (const [at, t] of noise) argv.splice(at % (argv.length + 1), 0, t);
      return argv;
    });
  return fc.oneof(random, plausible);
}

/**
 * An independent recogniser of the option grammar: `--name`, `--name=value`,
 * `--name value` (value not starting with `--`), known names once each, no
 * positionals, every required option present. Values are not checked.
 */
function grammatical(argv: readonly string[], options: Options): boolean {
  const byFlag = new Map(Object.entries(options).map(([key, option]) => [flagName(key), { key, option }]));
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--')) return false;
    const eq = token.indexOf('=');
    const found = byFlag.get(eq < 0 ? token : token.slice(0, eq));
    if (found === undefined || seen.has(found.key)) return false;
    seen.add(found.key);
    if (found.option.placeholder === null) {
      if (eq >= 0) return false;
    } else if (eq < 0) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return false;
      i++;
    }
  }
  return Object.entries(options).every(([key, option]) => !option.required || seen.has(key));
}

type Parsed = { ok: true; values: Record<string, unknown> } | { ok: false; error: UsageError };

function tryParse(argv: readonly string[], options: Options): Parsed {
  try {
    return { ok: true, values: parseArgs(argv, options) as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw new Error(`parseArgs threw ${String(error)} (not a UsageError) on ${JSON.stringify(argv)}`, { cause: error });
    }
    expect(error.message.length).toBeGreaterThan(0);
    return { ok: false, error };
  }
}

describe('CLI argument parsing under fuzzing', () => {
  it('the option tables of the commands were captured (all of lib/cli/commands/)', () => {
    expect(captured.map((s) => s.name)).toEqual(expect.arrayContaining(['eig', 'init', 'kernel', 'step', 'train']));
  });

  it('every command: parsed values or a UsageError; success ⇔ grammatical and values accepted (1,000 per command)', () => {
    for (const spec of captured) {
      let parsed = 0;
      check(
        fc.property(argvArb(spec.options), (argv) => {
          const r = tryParse(argv, spec.options);
          const ok = grammatical(argv, spec.options);
          if (!ok) expect(r.ok, `${spec.name} ${JSON.stringify(argv)} is not grammatical but parsed`).toBe(false);
          reach(`parseArgs ${spec.name}: ${r.ok ? 'parsed, grammatical' : 'UsageError'}`);
          if (!r.ok) return;
          parsed++;
          expect(ok, `${spec.name} ${JSON.stringify(argv)} parsed but is not grammatical`).toBe(true);
          for (const [key, option] of Object.entries(spec.options)) {
            const given = argv.some((t) => t === flagName(key) || t.startsWith(`${flagName(key)}=`));
            const value = r.values[key];
            if (option.placeholder === null) expect(value).toBe(given);
            else if (given || option.required) expect(value, key).not.toBeUndefined();
            else expect(value).toBe(option.fallback?.value);
            if (typeof value === 'number') expect(Number.isFinite(value), `${key} = ${value}`).toBe(true);
            if (typeof value === 'string') expect(value.length, key).toBeGreaterThan(0);
          }
          expect(Object.keys(r.values).every((k) => k in spec.options)).toBe(true);
        }),
        1000,
      );
      expect(parsed, `${spec.name}: too few argv parsed for the property to mean much`).toBeGreaterThan(50);
    }
  });

  it('number(): a finite value equal to Number(text) within the range, or a UsageError (2,000)', () => {
    const rangeArb = fc.record(
      { integer: fc.boolean(), min: fc.integer({ min: -5, max: 5 }), above: fc.double({ min: -5, max: 5, noNaN: true }), max: fc.integer({ min: -5, max: 10 }) },
      { requiredKeys: [] },
    );
    const textArb = fc.oneof(fc.constantFrom(...STRANGE, ...PLAUSIBLE), fc.double().map(String), fc.string({ unit: 'binary', maxLength: 10 }), fc.stringMatching(/^[+-]?\d{0,3}\.?\d{0,3}(e[+-]?\d{1,3})?$/));
    check(
      fc.property(rangeArb, textArb, (range, text) => {
        let value: number;
        try {
          value = number(range)(text, '--x');
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          reach('number(): UsageError');
          expect(error.message.startsWith('--x ')).toBe(true);
          return;
        }
        reach('number(): a value in range');
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBe(Number(text));
        expect(/^\s|\s$|0x|Infinity|NaN/i.test(text)).toBe(false);
        if (range.integer) expect(Number.isSafeInteger(value)).toBe(true);
        if (range.min !== undefined) expect(value).toBeGreaterThanOrEqual(range.min);
        if (range.above !== undefined) expect(value).toBeGreaterThan(range.above);
        if (range.max !== undefined) expect(value).toBeLessThanOrEqual(range.max);
      }),
      2000,
    );
    // Random ranges reject most numbers: ≈ 7% are accepted (≈ 140, a standard deviation is 11); 80 is far below.
    expect(count('number(): a value in range')).toBeGreaterThanOrEqual(80);
    expect(count('number(): UsageError')).toBeGreaterThanOrEqual(1000);
  });
});

// ---------------------------------------------------------------------------
// CLI end to end: node dist/cli/main.js <random argv>

const COMMAND_NAMES = captured.map((s) => s.name);

/** What main.ts must do with argv, or null when argv would run a command (never generated here). */
function predictExit(argv: readonly string[]): 0 | 2 | null {
  const [first, ...rest] = argv;
  if (first === undefined) return 2;
  if (['--help', '-h', '--version', '-V'].includes(first)) return 0;
  if (first === 'help') return rest.length > 1 ? 2 : rest[0] === undefined || COMMAND_NAMES.includes(rest[0]) ? 0 : 2;
  if (first.startsWith('-')) return 2;
  const spec = captured.find((s) => s.name === first);
  if (spec === undefined) return 2;
  if (wantsHelp(rest)) return 0;
  return tryParse(rest, spec.options).ok ? null : 2;
}

const e2eArgvArb = fc
  .oneof(
    { weight: 6, arbitrary: fc.constantFrom(...captured).chain((spec) => argvArb(spec.options).map((argv) => [spec.name, ...argv])) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constant([] as string[]),
        fc.constantFrom(['--help'], ['-h'], ['--version'], ['-V'], ['help'], ['help', 'x', 'y'], ['--width', '3'], ['-x'], ['INIT'], ['']),
        fc.constantFrom(...COMMAND_NAMES).map((name) => ['help', name]),
        fc.tuple(fc.constant('help'), fc.string({ unit: 'binary', maxLength: 6 })),
        fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.array(valueArb, { maxLength: 4 })).map(([c, rest]) => [c, ...rest]),
      ),
    },
  )
  // execve cannot pass NUL; argv that would run a command are not generated.
  .filter((argv) => argv.every((a) => !a.includes('\0')) && predictExit(argv) !== null);

function runCli(argv: readonly string[], cwd: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('the nntk command on random argv, end to end', () => {
  let cwd = '';
  beforeAll(() => {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    cwd = mkdtempSync(join(tmpdir(), 'nntk-fuzz-cli-'));
    // predictExit() knows the commands from the captured specs: if the CLI had one more, an argv
    // predicted "unknown command" could run it. Check the lists agree before running anything.
    const help = spawnSync(process.execPath, [MAIN, '--help'], { cwd, encoding: 'utf8' });
    const listed = [...help.stdout.slice(help.stdout.indexOf('Commands:')).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...COMMAND_NAMES].sort());
  }, 120_000);
  afterAll(() => {
    if (cwd !== '') rmSync(cwd, { recursive: true, force: true });
  });

  it('200 runs: exit 0 (help) or 2 (usage) as predicted, one "nntk: " line or nothing on stderr, no stack trace, nothing written', async () => {
    const cases = fc.sample(e2eArgvArb, { numRuns: 200, seed: SEED });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const argv = cases[next++]!;
        const expected = predictExit(argv);
        const r = await runCli(argv, cwd);
        reach(`nntk <random argv>: exit ${String(r.code)}`);
        const problems: string[] = [];
        if (r.code !== expected) problems.push(`exit ${String(r.code)} (signal ${String(r.signal)}), expected ${String(expected)}`);
        if (/\n\s+at |Error:|Uncaught|node:internal/.test(r.stderr)) problems.push('stack trace or error dump on stderr');
        if (expected === 0 && r.stderr !== '') problems.push('stderr not empty');
        if (expected === 0 && !/^(Usage: nntk |\d+\.\d+\.\d+\n$)/.test(r.stdout)) problems.push('stdout is not help or the version');
        if (expected === 2 && !/^nntk: [^\n]*\n$/.test(r.stderr)) problems.push('stderr is not one "nntk: " line');
        if (expected === 2 && !r.stderr.includes('--help')) problems.push('no --help hint');
        if (expected === 2 && r.stdout !== '') problems.push('stdout not empty');
        if (problems.length > 0) failures.push(`${JSON.stringify(argv)}: ${problems.join('; ')}\n  stderr: ${JSON.stringify(r.stderr.slice(0, 500))}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures, `replay with NNTK_FUZZ_SEED=${SEED}`).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
    // Both kinds of outcome were exercised.
    expect(cases.filter((a) => predictExit(a) === 0).length).toBeGreaterThan(5);
    expect(cases.filter((a) => predictExit(a) === 2).length).toBeGreaterThan(100);
    // A hang guard: 200 Node start-ups take ~25 s on a quiet machine, several times that on a loaded one.
  }, 600_000);
});
