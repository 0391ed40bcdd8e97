/**
 * Errors across a thread boundary. Structured cloning keeps only the message
 * of an Error (its class and fields are lost), so a worker encodes what it
 * throws and the caller rebuilds an instance of the same class, with the
 * same name, message, stack, own fields and cause.
 */
import * as errors from '../errors.js';
import { AtomicWriteError } from '../io/atomic.js';
import { NpyFormatError } from '../io/npy.js';
import { DivergenceError } from '../method/train.js';

/** An error as plain data: what postMessage can carry. */
export interface EncodedError {
  /** The constructor's name, the key of the class on the receiving side. */
  className: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties (name, routine, info, …) that structured cloning can carry. */
  fields: Record<string, unknown>;
  cause?: EncodedError | { value: unknown };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Every error class a worker of this project can throw, by constructor name. */
const CLASSES: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>(
  [
    Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
    ...Object.values(errors),
    AtomicWriteError, NpyFormatError, DivergenceError,
  ].map((c) => [c.name, c]),
);

/** The project's error classes that `decodeError` rebuilds (for tests). */
export function knownErrorClasses(): readonly ErrorClass[] {
  return [...CLASSES.values()];
}

export function encodeError(error: unknown): EncodedError {
  if (!(error instanceof Error)) return { className: 'Error', message: String(error), stack: undefined, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'cause' && cloneable(value)) fields[key] = value;
  }
  const encoded: EncodedError = { className: error.constructor.name, message: error.message, stack: error.stack, fields };
  if ('cause' in error) encoded.cause = error.cause instanceof Error ? encodeError(error.cause) : cloneable(error.cause) ? { value: error.cause } : { value: String(error.cause) };
  return encoded;
}

/** An instance of the encoded error's class (Error for a class this project does not know, with its name kept). */
export function decodeError(encoded: EncodedError): Error {
  const known = CLASSES.get(encoded.className);
  const error = Object.create((known ?? Error).prototype as object) as Error;
  // message, stack and cause are own non-enumerable properties of a thrown Error: the same here.
  Object.defineProperty(error, 'message', { value: encoded.message, writable: true, configurable: true });
  if (encoded.stack !== undefined) Object.defineProperty(error, 'stack', { value: encoded.stack, writable: true, configurable: true });
  if (encoded.cause !== undefined) {
    const cause = 'className' in encoded.cause ? decodeError(encoded.cause) : encoded.cause.value;
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
  }
  Object.assign(error, encoded.fields);
  if (known === undefined && !('name' in encoded.fields)) error.name = encoded.className;
  return error;
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
