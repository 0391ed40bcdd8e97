/**
 * `--distributed` for kernel, eig and step: the shared options, and running a
 * command's body on every rank of an mpirun (docs/distributed.md). Only rank
 * 0 prints; a failure agreed on by the ranks (DistributedError) is reported
 * once, by rank 0, and every rank exits with 1; a failure that was not agreed
 * on aborts every rank, so that none is left waiting in a collective.
 */
import { distributed, DistributedError, DistributedUnavailableError } from '../index.js';
import { flag, number, optional } from './args.js';
import { classify, EXIT, Failure, UsageError } from './failures.js';

type Session = InstanceType<typeof distributed.Session>;

function grid(text: string, name: string): [number, number] {
  try {
    return distributed.parseGrid(text);
  } catch {
    throw new UsageError(`${name} expects PxQ with positive integers (e.g. 2x3), got '${text}'`);
  }
}

/** The options every distributed command takes. */
export const DISTRIBUTED_OPTIONS = {
  distributed: flag('run on the ranks of mpirun with ScaLAPACK (docs/distributed.md)'),
  grid: optional('PxQ', '--distributed: the process grid, P*Q = the rank count (default: the most nearly square)', grid),
  block: optional('NB', `--distributed: the block size of the block-cyclic layout (default ${distributed.DEFAULT_BLOCK})`, number({ integer: true, min: 1 })),
};

interface DistributedValues {
  distributed: boolean;
  grid: [number, number] | undefined;
  block: number | undefined;
}

/** --grid and --block without --distributed are usage errors. */
export function checkDistributedFlags(o: DistributedValues): void {
  if (o.distributed) return;
  if (o.grid !== undefined) throw new UsageError('--grid applies to --distributed only');
  if (o.block !== undefined) throw new UsageError('--block applies to --distributed only');
}

/** Runs `body` on this rank inside a Session, and the exit code of the rank. */
export async function underMpi(o: DistributedValues, body: (session: Session) => Promise<void>): Promise<number> {
  let session: Session;
  try {
    session = new distributed.Session({ ...(o.grid === undefined ? {} : { grid: o.grid }), ...(o.block === undefined ? {} : { block: o.block }) });
  } catch (error) {
    if (error instanceof DistributedUnavailableError || error instanceof RangeError) throw new Failure(error.message);
    throw error;
  }
  try {
    await body(session);
    session.end();
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DistributedError) {
      session.end();
      if (session.rank === 0) throw error;
      return EXIT.failure;
    }
    process.stderr.write(`nntk: rank ${session.rank}: ${classify(error).reason}; aborting every rank\n`);
    session.mpi.abort(EXIT.failure);
    return EXIT.failure;
  }
}
