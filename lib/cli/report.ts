/**
 * The output channels of a command: human-readable notes on stderr
 * (`nntk CMD: …`), a status line the experiments rewrite in place on a
 * terminal, their SVG figures, and, for step and train, one JSON summary
 * line on stdout.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

export function note(command: string, message: string): void {
  process.stderr.write(`nntk ${command}: ${message}\n`);
}

export function summary(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

const CLEAR_LINE = '\r\x1b[2K';

/** `nntk CMD: message` on stderr: rewriting the previous status on a terminal, one line per message otherwise. */
export function status(command: string, message: string): void {
  const tty = process.stderr.isTTY;
  process.stderr.write(`${tty ? CLEAR_LINE : ''}nntk ${command}: ${message}${tty ? '' : '\n'}`);
}

/** A note that first clears a status line left on the terminal. */
export function noteOverStatus(command: string, message: string): void {
  process.stderr.write(`${process.stderr.isTTY ? CLEAR_LINE : ''}nntk ${command}: ${message}\n`);
}

/** Clears the status line before the results are printed (a no-op off a terminal). */
export function clearStatus(): void {
  if (process.stderr.isTTY) process.stderr.write(CLEAR_LINE);
}

/** Writes each figure atomically into `dir` (created if missing) and says so; nothing when there are none. */
export async function writeFigures(command: string, dir: string, figures: Record<string, string>): Promise<void> {
  if (Object.keys(figures).length === 0) return;
  await mkdir(dir, { recursive: true });
  for (const [name, svg] of Object.entries(figures)) await writeFileAtomic(join(dir, name), svg);
  note(command, `wrote the figures to ${dir}`);
}
