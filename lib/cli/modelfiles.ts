/**
 * Model directories: c.npy (N), W.npy (N×d), b.npy (N; absent without bias)
 * and model.json = {"width": N, "dim": d, "activation": "tanh", "beta": 0.5,
 * "bias": true}. Reading checks model.json's fields and types, the arrays'
 * shapes against width and dim, and that b.npy is present exactly when the
 * model has a bias; every message names the offending file.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACTIVATIONS, TwoLayerNetwork, type Activation, type NetworkConfig } from '../index.js';
import { readArray, shapeText, writeMatrix, writeVector } from './arrays.js';
import { Failure } from './failures.js';

export async function readModel(dir: string): Promise<TwoLayerNetwork> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new Failure(`model directory ${dir} does not exist`) : error;
  });
  if (!info.isDirectory()) throw new Failure(`${dir}: not a directory (a model is a directory with model.json, c.npy, W.npy, b.npy)`);
  const config = parseConfig(join(dir, 'model.json'), await readFile(join(dir, 'model.json'), 'utf8'));
  const { width: n, dim: d, bias } = config;
  const c = await readShaped(join(dir, 'c.npy'), [n], 'c (width N)');
  const W = await readShaped(join(dir, 'W.npy'), [n, d], 'W (width N × dim d)');
  const bPath = join(dir, 'b.npy');
  const hasB = await exists(bPath);
  if (bias && !hasB) throw new Failure(`${bPath}: missing, but ${join(dir, 'model.json')} says "bias": true`);
  if (!bias && hasB) throw new Failure(`${bPath}: present, but ${join(dir, 'model.json')} says "bias": false (remove one or the other)`);
  const b = bias ? await readShaped(bPath, [n], 'b (width N)') : undefined;
  return TwoLayerNetwork.fromArrays(config, b === undefined ? { c, W } : { c, W, b });
}

/** Writes the four files (creating the directory); a stale b.npy of an earlier model with bias is removed. */
export async function writeModel(dir: string, net: TwoLayerNetwork): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeVector(join(dir, 'c.npy'), net.c);
  await writeMatrix(join(dir, 'W.npy'), net.W);
  const b = net.b;
  if (b === null) await rm(join(dir, 'b.npy'), { force: true });
  else await writeVector(join(dir, 'b.npy'), b);
  const { width, dim, activation, beta, bias } = net.config;
  await writeFile(join(dir, 'model.json'), `${JSON.stringify({ width, dim, activation, beta, bias }, null, 2)}\n`);
}

const FIELDS = ['width', 'dim', 'activation', 'beta', 'bias'] as const;

function parseConfig(path: string, text: string): NetworkConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Failure(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Failure(`${path}: expected a JSON object`);
  const fields = json as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Failure(`${path}: unknown field(s) ${unknown.join(', ')}; expected ${FIELDS.join(', ')}`);
  const missing = FIELDS.filter((k) => !(k in fields));
  if (missing.length > 0) throw new Failure(`${path}: missing field(s) ${missing.join(', ')}`);
  const { width, dim, activation, beta, bias } = fields;
  const bad = (field: string, expected: string, value: unknown) => new Failure(`${path}: "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(width) || (width as number) < 1) throw bad('width', 'an integer ≥ 1', width);
  if (!Number.isSafeInteger(dim) || (dim as number) < 1) throw bad('dim', 'an integer ≥ 1', dim);
  if (typeof activation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw bad('activation', `one of ${ACTIVATIONS.map((a) => `"${a}"`).join(', ')}`, activation);
  }
  if (typeof beta !== 'number' || !(beta >= 0.5 && beta <= 1)) throw bad('beta', 'a number in [0.5, 1]', beta);
  if (typeof bias !== 'boolean') throw bad('bias', 'true or false', bias);
  return { width: width as number, dim: dim as number, activation: activation as Activation, beta, bias };
}

async function readShaped(path: string, shape: number[], what: string): Promise<Float64Array> {
  const array = await readArray(path);
  if (array.shape.length !== shape.length || array.shape.some((s, i) => s !== shape[i])) {
    throw new Failure(`${path}: ${what} must have shape ${shapeText(shape)} per model.json, found shape ${shapeText(array.shape)}`);
  }
  return array.data;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
