/**
 * Reading back the JSON an experiment command wrote with --json, so that
 * `--from-json` can print its table and redraw its figures without rerunning
 * the experiment.
 */
import { readFile } from 'node:fs/promises';
import { Failure } from './failures.js';

/** The kind of JSON value each key must hold. */
export type Shape = Record<string, 'object' | 'array' | 'boolean' | 'number'>;

const ARTICLE: Record<Shape[string], string> = { object: 'an', array: 'an', boolean: 'a', number: 'a' };

/**
 * The parsed object of `path`, checked to have every key of `shape` with a
 * value of its kind; a Failure naming the file and the key otherwise (an
 * unreadable file throws Node's errno error, which the CLI reports).
 */
export async function readResultJson(path: string, shape: Shape): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Failure(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Failure(`${path}: not a JSON object`);
  const object = json as Record<string, unknown>;
  for (const [key, kind] of Object.entries(shape)) {
    const value = object[key];
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== kind) throw new Failure(`${path}: "${key}" must be ${ARTICLE[kind]} ${kind}, found ${value === undefined ? 'nothing' : actual}`);
  }
  return object;
}
