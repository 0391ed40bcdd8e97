/**
 * Model directories: c.npy (N, or N×C for C > 1 outputs), W.npy (N×d), b.npy
 * (N; absent without bias) and model.json = {"width": N, "dim": d,
 * "activation": "tanh", "beta": 0.5, "bias": true} with "outputs": C for
 * C > 1 (a model.json without it is a single-output model, as every one
 * written before several outputs existed); `nntk train` adds train.json, the record of the run that
 * produced the model (its history), from which --resume continues. Reading
 * checks model.json's fields and types, the arrays' shapes against width and
 * dim, and that b.npy is present exactly when the model has a bias; every
 * message names the offending file.
 *
 * A model directory is written as a unit (replaceDirectory): a reader, and a
 * run killed at any instant of the write, leaves the old model or the new
 * one, whole. Reading applies the same recovery rule (resolveDirectory), and
 * checks that the directory it read from was not replaced while it read.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTIVATIONS, formatNpy, replaceDirectory, resolveDirectory, TwoLayerNetwork, writeFileDurable, type Activation, type NetworkConfig } from '../index.js';
import { exists } from '../io/atomic.js';
import { readArray, shapeText } from './arrays.js';
import { Failure } from './failures.js';

/** The files of a model directory; anything else in it is the user's and is kept across writes. */
const MODEL_FILES = ['model.json', 'c.npy', 'W.npy', 'b.npy', 'train.json'] as const;

/** How often a read is retried when a writer replaced the directory meanwhile. */
const READ_ATTEMPTS = 10;

export async function readModel(dir: string): Promise<TwoLayerNetwork> {
  return readConsistently(dir, readModelFiles);
}

/** The train.json of a model directory (parsed JSON), or null when it has none. */
export async function readRunRecord(dir: string): Promise<unknown> {
  return readConsistently(dir, async (where) => {
    const path = join(where, 'train.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new Failure(`${path}: not valid JSON (${(error as Error).message})`);
    }
  });
}

/**
 * Writes the model (and `run`, the train.json record, when given) as a new
 * unit in place of `dir`; the parent directories are created if missing.
 */
export async function writeModel(dir: string, net: TwoLayerNetwork, run?: unknown): Promise<void> {
  const { width, dim, activation, beta, bias } = net.config;
  const outputs = net.outputs;
  await replaceDirectory(
    dir,
    async (staging) => {
      await writeFileDurable(join(staging, 'c.npy'), formatNpy({ shape: outputs === 1 ? [width] : [width, outputs], data: net.c }));
      await writeFileDurable(join(staging, 'W.npy'), formatNpy({ shape: [width, dim], data: net.W.data }));
      if (net.b !== null) await writeFileDurable(join(staging, 'b.npy'), formatNpy({ shape: [width], data: net.b }));
      const json = outputs === 1 ? { width, dim, activation, beta, bias } : { width, dim, activation, beta, bias, outputs };
      await writeFileDurable(join(staging, 'model.json'), `${JSON.stringify(json, null, 2)}\n`);
      if (run !== undefined) await writeFileDurable(join(staging, 'train.json'), `${JSON.stringify(run)}\n`);
    },
    { owned: MODEL_FILES },
  );
}

/**
 * Runs `read` on the directory that holds the model `dir` now, again if that
 * directory was replaced (a new inode) or vanished while `read` ran, whether
 * `read` succeeded or failed.
 */
async function readConsistently<T>(dir: string, read: (where: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const where = await resolveDirectory(dir);
    if (where === null) throw new Failure(`model directory ${dir} does not exist`);
    const before = await stat(where).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    // Gone between the lookup and now: a writer is swapping it.
    if (before === null && attempt < READ_ATTEMPTS) continue;
    if (before === null) throw new Failure(`${dir} was replaced ${READ_ATTEMPTS} times while being read (another process is writing it)`);
    if (!before.isDirectory()) throw new Failure(`${dir}: not a directory (a model is a directory with model.json, c.npy, W.npy, b.npy)`);
    let value: T;
    try {
      value = await read(where);
    } catch (error) {
      // An error is the directory's only if the directory stayed the same while it was read.
      if (attempt < READ_ATTEMPTS && !(await same(where, before))) continue;
      throw error;
    }
    if (await same(where, before)) return value;
    if (attempt === READ_ATTEMPTS) throw new Failure(`${dir} was replaced ${READ_ATTEMPTS} times while being read (another process is writing it)`);
  }
}

async function same(path: string, before: { dev: number; ino: number }): Promise<boolean> {
  const after = await stat(path).catch(() => null);
  return after !== null && after.dev === before.dev && after.ino === before.ino;
}

async function readModelFiles(dir: string): Promise<TwoLayerNetwork> {
  const config = parseConfig(join(dir, 'model.json'), await readFile(join(dir, 'model.json'), 'utf8'));
  const { width: n, dim: d, bias } = config;
  const outputs = config.outputs ?? 1;
  const c = await readShaped(join(dir, 'c.npy'), outputs === 1 ? [n] : [n, outputs], outputs === 1 ? 'c (width N)' : 'c (width N × outputs C)');
  const W = await readShaped(join(dir, 'W.npy'), [n, d], 'W (width N × dim d)');
  const bPath = join(dir, 'b.npy');
  const hasB = await exists(bPath);
  if (bias && !hasB) throw new Failure(`${bPath}: missing, but ${join(dir, 'model.json')} says "bias": true`);
  if (!bias && hasB) throw new Failure(`${bPath}: present, but ${join(dir, 'model.json')} says "bias": false (remove one or the other)`);
  const b = bias ? await readShaped(bPath, [n], 'b (width N)') : undefined;
  return TwoLayerNetwork.fromArrays(config, b === undefined ? { c, W } : { c, W, b });
}

const FIELDS = ['width', 'dim', 'activation', 'beta', 'bias'] as const;
/** Fields a model.json may leave out: `outputs` (C) is 1 then. */
const OPTIONAL_FIELDS = ['outputs'] as const;

function parseConfig(path: string, text: string): NetworkConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Failure(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Failure(`${path}: expected a JSON object`);
  const fields = json as Record<string, unknown>;
  const known: readonly string[] = [...FIELDS, ...OPTIONAL_FIELDS];
  const unknown = Object.keys(fields).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Failure(`${path}: unknown field(s) ${unknown.join(', ')}; expected ${FIELDS.join(', ')} (and optionally ${OPTIONAL_FIELDS.join(', ')})`);
  const missing = FIELDS.filter((k) => !(k in fields));
  if (missing.length > 0) throw new Failure(`${path}: missing field(s) ${missing.join(', ')}`);
  const { width, dim, activation, beta, bias, outputs = 1 } = fields;
  const bad = (field: string, expected: string, value: unknown) => new Failure(`${path}: "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(width) || (width as number) < 1) throw bad('width', 'an integer ≥ 1', width);
  if (!Number.isSafeInteger(dim) || (dim as number) < 1) throw bad('dim', 'an integer ≥ 1', dim);
  if (typeof activation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw bad('activation', `one of ${ACTIVATIONS.map((a) => `"${a}"`).join(', ')}`, activation);
  }
  if (typeof beta !== 'number' || !(beta >= 0.5 && beta <= 1)) throw bad('beta', 'a number in [0.5, 1]', beta);
  if (typeof bias !== 'boolean') throw bad('bias', 'true or false', bias);
  if (!Number.isSafeInteger(outputs) || (outputs as number) < 1) throw bad('outputs', 'an integer ≥ 1', outputs);
  return { width: width as number, dim: dim as number, activation: activation as Activation, beta, bias, outputs: outputs as number };
}

async function readShaped(path: string, shape: number[], what: string): Promise<Float64Array> {
  const array = await readArray(path);
  if (array.shape.length !== shape.length || array.shape.some((s, i) => s !== shape[i])) {
    throw new Failure(`${path}: ${what} must have shape ${shapeText(shape)} per model.json, found shape ${shapeText(array.shape)}`);
  }
  return array.data;
}
