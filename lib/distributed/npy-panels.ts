/**
 * A distributed matrix to and from one row-major float64 .npy file, each
 * rank reading or writing only its own part: reads by positioned reads of
 * whole file rows (one row at a time, so O(M) scratch), writes by MPI-IO
 * (native/mpi/panels.cc) into a temporary that rank 0 renames, as
 * lib/io/atomic.ts does for one process.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AtomicWriteError } from '../io/atomic.js';
import { formatNpyHeader, NpyFormatError } from '../io/npy.js';
import type { Layout, Session } from './session.js';

/** Shape and data offset of a little-endian float64, C-order .npy file. */
export function readNpyHeader(path: string, fd: number): { shape: number[]; offset: number } {
  const start = Buffer.alloc(12);
  readSync(fd, start, 0, 12, 0);
  const fail = (why: string): never => {
    throw new NpyFormatError(why, path);
  };
  if (start.toString('latin1', 1, 6) !== 'NUMPY' || start[0] !== 0x93) fail('not a .npy file (bad magic)');
  const major = start[6]!;
  const lengthBytes = major === 1 ? 2 : 4;
  const length = major === 1 ? start.readUInt16LE(8) : start.readUInt32LE(8);
  const header = Buffer.alloc(length);
  readSync(fd, header, 0, length, 8 + lengthBytes);
  const text = header.toString('latin1');
  if (!/'descr':\s*'<f8'/.test(text)) fail("the distributed path reads float64 ('<f8') arrays only");
  if (!/'fortran_order':\s*False/.test(text)) fail('the distributed path reads C-order arrays only');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shape === undefined) fail('no shape in the header');
  return { shape: shape!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number), offset: 8 + lengthBytes + length };
}

/**
 * This rank's part of the m×n matrix in `path` (column-major, ScaLAPACK's
 * local layout), with `mirror` also the transposed part Kᵀ[R, C] = K[C, R]
 * (for the symmetry check).
 */
export function readLocal(path: string, layout: Layout, offset: number, mirror: boolean): { local: Float64Array; mirrored: Float64Array | null } {
  const { rows, cols, n } = layout;
  const lr = rows.length;
  const local = new Float64Array(lr * cols.length);
  const mirrored = mirror ? new Float64Array(lr * cols.length) : null;
  const row = new Float64Array(n);
  const bytes = new Uint8Array(row.buffer);
  const fd = openSync(path, 'r');
  try {
    const readRow = (i: number) => {
      const got = readSync(fd, bytes, 0, bytes.length, offset + i * n * 8);
      if (got !== bytes.length) throw new NpyFormatError(`the data ends inside row ${i}`, path);
    };
    for (let il = 0; il < lr; il++) {
      readRow(rows[il]!);
      for (let jl = 0; jl < cols.length; jl++) local[il + jl * lr] = row[cols[jl]!]!;
    }
    if (mirrored !== null) {
      for (let jl = 0; jl < cols.length; jl++) {
        readRow(cols[jl]!);
        for (let il = 0; il < lr; il++) mirrored[il + jl * lr] = row[rows[il]!]!;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { local, mirrored };
}

/**
 * Writes the m×n matrix whose local parts (ScaLAPACK's column-major layout)
 * the ranks hold as one row-major .npy, atomically: every rank writes its part into the same temporary at
 * once, then rank 0 renames it over `path` (a reader sees the old file or
 * the new one, whole). Collective; a failure on any rank is thrown on all.
 */
export async function writeLocal(session: Session, path: string, layout: Layout, local: Float64Array): Promise<void> {
  const { m, n } = layout;
  // One temporary name for all ranks: rank 0's.
  const suffix = new Uint8Array(randomBytes(8));
  session.mpi.bcast(suffix, 0);
  const pid = new Float64Array([process.pid]);
  session.broadcast(pid);
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${pid[0]}-${Buffer.from(suffix).toString('hex')}`);
  const failure = session.mpi.writeNpy(temporary, formatNpyHeader([m, n]), m, n, session.block, session.nprow, session.npcol, local);
  await session.agree(() => {
    if (failure !== '') {
      if (session.rank === 0) rmSync(temporary, { force: true });
      throw new AtomicWriteError(path, false, new Error(failure));
    }
    if (session.rank !== 0) return;
    try {
      renameSync(temporary, path);
      const dir = openSync(dirname(path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new AtomicWriteError(path, false, error);
    }
  });
}
