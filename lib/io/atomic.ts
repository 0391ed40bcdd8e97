/**
 * Crash-safe writing: a reader of a file or of a directory written here sees
 * the previous content or the new one, whole, whatever instant the writer is
 * killed at (SIGKILL, power loss after the fsyncs, a full disk).
 *
 * A file `dir/name` is written to a temporary `dir/.name.tmp-<pid>-<random>`
 * in the same directory (so the rename cannot cross file systems), every
 * byte is written and fsync'ed, the temporary is renamed over `name`
 * (rename(2) replaces the target atomically), and `dir` is fsync'ed so the
 * rename itself is durable.
 *
 * A directory `parent/D` (a model: several files that must match) is
 * replaced as a unit. rename(2) cannot replace a non-empty directory and
 * renameat2(RENAME_EXCHANGE) is out of Node's reach, so the swap takes two
 * renames, and the names of the siblings say how far it got:
 *
 *   1. `.D.tmp-<id>`  is filled and fsync'ed          (incomplete: never read)
 *   2. `.D.tmp-<id>` → `.D.new-<id>`                   (complete, not yet in force)
 *   3. `D`           → `.D.old-<id>`                   (the commit point)
 *   4. `.D.new-<id>` → `D`
 *   5. `.D.old-<id>` is removed
 *
 * The only state without `D` is between 3 and 4, and then `.D.new-<id>` is
 * complete; so the rule "read `D`; if it is missing, read `.D.new-*`, else
 * the `.D.old-*` of a dead writer" ({@link resolveDirectory}) always finds
 * the old unit or the new one, never a mix. The next writer of `D` applies the same rule on disk
 * ({@link recoverDirectory}): it rolls a swap killed between 3 and 4 forward,
 * and removes the siblings left by dead writers. A sibling is removed only if
 * it is provably ours (the exact name pattern) and stale (its pid no longer
 * runs), so a concurrent writer's work in progress is never touched.
 * Concurrent writers of the same target are not supported (each write is
 * whole; which one wins is unspecified).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { NntkError } from '../errors.js';
import { checkOptionKeys, keysOf } from '../options.js';

/**
 * A write that did not happen: the target (a file or a directory) is as it
 * was before. `code` is the errno code that stopped it (ENOSPC, EDQUOT, EIO…).
 */
export class AtomicWriteError extends NntkError {
  readonly target: string;
  readonly code: string | undefined;

  constructor(target: string, existed: boolean, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const kept = existed ? `the previous ${target} is intact` : `${target} was not created`;
    const why =
      code === 'ENOSPC'
        ? `no space left on device writing ${target}`
        : code === 'EDQUOT'
          ? `disk quota exceeded writing ${target}`
          : `cannot write ${target} (${cause instanceof Error ? cause.message : String(cause)})`;
    super(`${why}; ${kept}`, { cause });
    this.target = target;
    this.code = code;
  }
}

/** Writes `data` to `path` atomically and durably (see the module comment). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  const existed = await exists(path);
  await removeStaleTemporaries(dir, name);
  const temporary = join(dir, siblingName(name, 'tmp'));
  try {
    await writeFileDurable(temporary, data);
    await rename(temporary, path);
    await syncDirectory(dir);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new AtomicWriteError(path, existed, error);
  }
}

/**
 * Writes a new file with all of `data` and fsyncs it, for files inside a
 * directory that {@link replaceDirectory} is filling (it is not in force yet,
 * so no temporary is needed). Fails if `path` exists.
 */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await failAfterBytes(path, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface ReplaceOptions {
  /**
   * Entries of the current directory that belong to the unit: the new unit
   * has exactly the ones `fill` writes. Every other entry (a user's notes, a
   * history file written next to the model) is carried over by a hard link.
   */
  owned: readonly string[];
}

const REPLACE_OPTIONS = keysOf<ReplaceOptions>({ owned: true });

/**
 * Replaces the directory `target` as a unit by one that `fill` writes into
 * the (empty) directory it is given. The parent is created if missing. The
 * current directory and its ancestors are refused: the swap would move the
 * process's working directory into the old unit, which is then removed.
 * @throws AtomicWriteError when the new unit could not be put in place (`target` is then unchanged).
 */
export async function replaceDirectory(target: string, fill: (staging: string) => Promise<void>, options: ReplaceOptions): Promise<void> {
  checkOptionKeys('replaceDirectory', options, REPLACE_OPTIONS);
  // Absolute, so that `.` or `a/..` has a real name and parent.
  const dir = resolve(target);
  const parent = dirname(dir);
  const name = basename(dir);
  const cwd = process.cwd();
  if (cwd === dir || cwd.startsWith(`${dir}${sep}`)) {
    throw new AtomicWriteError(target, true, new Error('it is or contains the current directory; write to a directory below it'));
  }
  await mkdir(parent, { recursive: true });
  await recoverDirectory(dir);
  const existed = await exists(dir);
  if (existed && !(await stat(dir)).isDirectory()) throw new AtomicWriteError(target, true, new Error('it exists and is not a directory'));
  const id = `${process.pid}-${randomBytes(8).toString('hex')}`;
  const staging = join(parent, `.${name}.tmp-${id}`);
  const complete = join(parent, `.${name}.new-${id}`);
  const previous = join(parent, `.${name}.old-${id}`);
  try {
    await mkdir(staging);
    await fill(staging);
    if (existed) await carryOver(dir, staging, options.owned);
    await syncDirectory(staging);
    await rename(staging, complete);
    await syncDirectory(parent);
    if (existed) await rename(dir, previous);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await rm(complete, { recursive: true, force: true });
    throw new AtomicWriteError(target, existed, error);
  }
  // Committed: from here on a reader finds the new unit (in `complete` until the rename below).
  await rename(complete, dir);
  await syncDirectory(parent);
  // A failure to remove the old unit leaves a sibling that is stale once this process ends; the next write removes it.
  await rm(previous, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * The directory that holds the current unit `dir`: `dir` itself, or, if a
 * swap was cut between its two renames, the sibling the rule of the module
 * comment names. Null when there is none. Changes nothing on disk.
 */
export async function resolveDirectory(dir: string): Promise<string | null> {
  if (await exists(dir)) return dir;
  const siblings = await listSiblings(dir);
  // A running writer's old unit without its new one means its swap has ended (the new unit is `dir`, the old is being removed).
  const pick = siblings.find((s) => s.stage === 'new') ?? siblings.find((s) => s.stage === 'old' && !running(s.pid));
  if (pick !== undefined) return pick.path;
  return (await exists(dir)) ? dir : null;
}

/**
 * Puts the siblings left by dead writers of `dir` in order: a swap cut
 * between its renames is completed (or, without a complete new unit, the old
 * one is put back), and the other stale siblings are removed.
 */
export async function recoverDirectory(dir: string): Promise<void> {
  const stale = (await listSiblings(dir)).filter((s) => !running(s.pid));
  if (!(await exists(dir))) {
    const pick = stale.find((s) => s.stage === 'new') ?? stale.find((s) => s.stage === 'old');
    if (pick !== undefined) {
      await rename(pick.path, dir);
      await syncDirectory(dirname(dir));
    }
  }
  for (const s of stale) await rm(s.path, { recursive: true, force: true });
}

type Stage = 'tmp' | 'new' | 'old';

interface Sibling {
  path: string;
  stage: Stage;
  pid: number;
}

function siblingName(name: string, stage: Stage): string {
  return `.${name}.${stage}-${process.pid}-${randomBytes(8).toString('hex')}`;
}

function siblingPattern(name: string): RegExp {
  return new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|new|old)-(\\d+)-[0-9a-f]{16}$`);
}

/** Siblings of `target` made by this module, 'new' ones first, each stage newest first. */
async function listSiblings(target: string): Promise<Sibling[]> {
  const parent = dirname(target);
  const pattern = siblingPattern(basename(target));
  const names = await readdir(parent).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const found: (Sibling & { mtime: number })[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const path = join(parent, name);
    const info = await stat(path).catch(() => null);
    if (info !== null) found.push({ path, stage: match[1] as Stage, pid: Number(match[2]), mtime: info.mtimeMs });
  }
  const order: Record<Stage, number> = { new: 0, old: 1, tmp: 2 };
  return found.sort((a, b) => order[a.stage] - order[b.stage] || b.mtime - a.mtime);
}

/** Removes the temporaries of `dir/name` whose writer is dead. */
async function removeStaleTemporaries(dir: string, name: string): Promise<void> {
  for (const s of await listSiblings(join(dir, name))) {
    if (s.stage === 'tmp' && !running(s.pid)) await unlink(s.path).catch(() => undefined);
  }
}

/** Hard-links the entries of `from` that the unit does not own into `to`. */
async function carryOver(from: string, to: string, owned: readonly string[]): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (owned.includes(entry.name)) continue;
    if (!entry.isFile()) throw new Error(`${join(from, entry.name)} is not a regular file and would be lost; move it out of ${from}`);
    await link(join(from, entry.name), join(to, entry.name));
  }
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync of a directory makes the renames in it durable; file systems that cannot (EINVAL) have nothing to flush. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EINVAL') throw error;
    });
  } finally {
    await handle.close();
  }
}

/** Whether `path` exists; errors other than ENOENT (a permission, an I/O error) are thrown, not taken for absence. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Test-only fault injection: with NNTK_TEST_WRITE_LIMIT=K in the environment,
 * the write that brings the bytes written by this process past K fails with
 * ENOSPC, as a full disk would. The tests use it where no small file system
 * can be mounted.
 */
let writtenBytes = 0;
async function failAfterBytes(path: string, bytes: number): Promise<void> {
  const limit = process.env.NNTK_TEST_WRITE_LIMIT;
  if (limit === undefined) return;
  writtenBytes += bytes;
  if (writtenBytes > Number(limit)) {
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', syscall: 'write', path });
  }
}
