/**
 * How a command can fail, and the exit code each failure gives:
 *   0 success, 1 numerical or I/O failure, 2 usage error, 130 interrupted (SIGINT).
 * The library throws NntkError subclasses for numerical outcomes and Node
 * throws errno errors for files; the CLI adds the two kinds below.
 */
import { NntkError } from '../index.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Bad command-line arguments: unknown option, missing or malformed value, unknown command. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure its message fully explains: a file that cannot be used (wrong
 * shape, bad model.json, …; the message names it), or an error relayed from
 * the training worker.
 */
export class Failure extends Error {
  override readonly name = 'Failure';
}

/** The exit code and the one-line reason for an error thrown by a command. */
export function classify(error: unknown): { code: number; reason: string } {
  if (error instanceof UsageError) return { code: EXIT.usage, reason: error.message };
  if (error instanceof Failure || error instanceof NntkError) return { code: EXIT.failure, reason: error.message };
  if (isErrno(error)) return { code: EXIT.failure, reason: describeErrno(error) };
  if (error instanceof Error) return { code: EXIT.failure, reason: `${error.name}: ${error.message}` };
  return { code: EXIT.failure, reason: String(error) };
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

const VERBS: Record<string, string> = { open: 'cannot open', stat: 'cannot access', mkdir: 'cannot create directory', unlink: 'cannot remove' };

/** "cannot open /tmp/X.npy: no such file or directory" from Node's "ENOENT: no such file or directory, open '/tmp/X.npy'". */
function describeErrno(error: NodeJS.ErrnoException): string {
  const what = /^[A-Z0-9_]+: ([^,]*)/.exec(error.message)?.[1] ?? error.code!;
  const verb = VERBS[error.syscall!] ?? `${error.syscall} failed on`;
  return error.path === undefined ? `${error.syscall}: ${what}` : `${verb} ${error.path}: ${what}`;
}
