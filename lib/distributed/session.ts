/**
 * One distributed run: MPI started, the BLACS grid, and the rule that keeps
 * every rank out of a collective another rank will never reach — each step
 * that can fail on some ranks only runs through {@link Session.agree}, which
 * allreduces a failure flag, so that either every rank goes on or every rank
 * throws the same DistributedError (docs/distributed.md, "Faults").
 */
import { DistributedError } from '../errors.js';
import { checkOptionKeys, keysOf } from '../options.js';
import { mpiAddon, type MpiAddon } from './addon.js';
import { chooseGrid, DEFAULT_BLOCK, localIndices } from './grid.js';

export interface SessionOptions {
  /** The process grid [p, q], p·q = the rank count. Default: the most nearly square. */
  grid?: [number, number];
  /** The block size NB of the block-cyclic layout. Default 64. */
  block?: number;
}

const SESSION_OPTIONS = keysOf<SessionOptions>({ grid: true, block: true });

/** Which global rows and columns of an m×n matrix this rank holds. */
export interface Layout {
  m: number;
  n: number;
  /** Global row indices of the local rows (0-based, ascending). */
  rows: Int32Array;
  /** Global column indices of the local columns. */
  cols: Int32Array;
  /** ScaLAPACK's descriptor (local leading dimension max(1, rows.length)). */
  desc: Int32Array;
}

export class Session {
  readonly rank: number;
  readonly size: number;
  readonly nprow: number;
  readonly npcol: number;
  readonly myrow: number;
  readonly mycol: number;
  readonly block: number;
  readonly context: number;
  /** The addon, for the modules of lib/distributed. */
  readonly mpi: MpiAddon;
  private ended = false;

  /** Starts MPI (under mpirun: one call per rank) and makes the grid. */
  constructor(options: SessionOptions = {}) {
    checkOptionKeys('distributed', options, SESSION_OPTIONS);
    const mpi = mpiAddon();
    const { rank, size } = mpi.init();
    const block = options.block ?? DEFAULT_BLOCK;
    const [nprow, npcol] = options.grid ?? chooseGrid(size);
    this.mpi = mpi;
    this.rank = rank;
    this.size = size;
    // Same arguments on every rank, so every rank throws here or none does; MPI ends first.
    const problem =
      !Number.isInteger(block) || block < 1
        ? `the block size must be an integer ≥ 1, got ${block}`
        : !(Number.isInteger(nprow) && Number.isInteger(npcol) && nprow >= 1 && npcol >= 1 && nprow * npcol === size)
          ? `a ${nprow}x${npcol} grid needs ${nprow * npcol} ranks, this run has ${size}`
          : null;
    if (problem !== null) {
      mpi.finalize();
      throw new RangeError(`distributed: ${problem}`);
    }
    const grid = mpi.gridInit(nprow, npcol);
    this.nprow = nprow;
    this.npcol = npcol;
    this.block = block;
    this.context = grid.context;
    this.myrow = grid.myrow;
    this.mycol = grid.mycol;
  }

  /** This rank's part of an m×n matrix. */
  layout(m: number, n: number): Layout {
    const rows = localIndices(m, this.block, this.myrow, this.nprow);
    const cols = localIndices(n, this.block, this.mycol, this.npcol);
    const desc = this.mpi.descinit(m, n, this.block, this.context, Math.max(1, rows.length));
    return { m, n, rows, cols, desc };
  }

  /**
   * Runs `work` on this rank, then decides with every rank: if it threw on
   * any, every rank throws DistributedError with the message of the lowest
   * failing rank; otherwise each returns its own result.
   */
  async agree<T>(work: () => T | Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await work() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return this.settle(outcome);
  }

  /** {@link agree} for synchronous work (the training loop is synchronous): the same agreement, without a promise. */
  agreeNow<T>(work: () => T): T {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: work() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return this.settle(outcome);
  }

  /**
   * An agreement on no work: a rank that failed since its last collective
   * meets the others in an agreement here (every agreement makes the same
   * collective calls), so a sequence of collectives that starts with this
   * never leaves a rank waiting for a failed one.
   */
  rendezvous(): void {
    this.agreeNow(() => undefined);
  }

  /** Sum over the ranks, in place: allreduced, then rank 0's sum broadcast, so that the bits agree on every rank (MPI does not promise it of an allreduce). */
  sum(x: Float64Array): Float64Array {
    this.mpi.allreduce(x, 's');
    this.mpi.bcast(x, 0);
    return x;
  }

  /** The same array on every rank: rank `root`'s. */
  broadcast(x: Float64Array, root = 0): Float64Array {
    this.mpi.bcast(x, root);
    return x;
  }

  /** Leaves BLACS and MPI; the session cannot be used after. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.mpi.finalize();
  }

  /** The value on every rank, or the same DistributedError on every rank if `work` failed on any. */
  private settle<T>(outcome: { ok: true; value: T } | { ok: false; error: unknown }): T {
    // A DistributedError was itself agreed on: every rank holds the same one.
    if (!outcome.ok && outcome.error instanceof DistributedError) throw outcome.error;
    const flag = new Float64Array([outcome.ok ? this.size : this.rank]);
    this.mpi.allreduce(flag, 'n');
    const root = flag[0]!;
    if (outcome.ok && root === this.size) return outcome.value;
    const text = new TextEncoder().encode(outcome.ok ? '' : outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
    const length = new Float64Array([root === this.rank ? text.length : 0]);
    this.mpi.bcast(length, root);
    const message = root === this.rank ? text : new Uint8Array(length[0]!);
    this.mpi.bcast(message, root);
    throw new DistributedError(root, new TextDecoder().decode(message));
  }
}
