/**
 * The optional MPI addon (native/mpi/, nntk_mpi.node), loaded on first use:
 * the core library works without it, and a missing build is reported in one
 * line that says how to get it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DistributedUnavailableError } from '../errors.js';

/** The bindings of native/mpi/bindings.h. Only lib/distributed calls these. */
export interface MpiAddon {
  init(): { rank: number; size: number };
  finalize(): void;
  rank(): number;
  size(): number;
  barrier(): void;
  /** x ← sum ('s'), max ('x') or min ('n') over the ranks, in place. */
  allreduce(x: Float64Array, op: 's' | 'x' | 'n'): void;
  /** x ← root's x, byte for byte. */
  bcast(x: Float64Array | Uint8Array, root: number): void;
  abort(code: number): void;
  gridInit(nprow: number, npcol: number): { context: number; myrow: number; mycol: number };
  gridExit(context: number): void;
  numroc(n: number, nb: number, iproc: number, nprocs: number): number;
  /** 1-based local index → 1-based global index. */
  indxl2g(local: number, nb: number, iproc: number, nprocs: number): number;
  descinit(m: number, n: number, nb: number, context: number, lld: number): Int32Array;
  pdpotrf(uplo: 'L' | 'U', n: number, a: Float64Array, desca: Int32Array): number;
  pdpotrs(uplo: 'L' | 'U', n: number, nrhs: number, a: Float64Array, desca: Int32Array, b: Float64Array, descb: Int32Array): number;
  pdsyevd(n: number, a: Float64Array, desca: Int32Array, w: Float64Array, z: Float64Array, descz: Int32Array): number;
  pdsyev(n: number, a: Float64Array, desca: Int32Array, w: Float64Array): number;
  /** The pairs il..iu (1-based) by MRRR: [info, values found, vectors found]; the vectors are Z's first columns. */
  pdsyevr(n: number, a: Float64Array, desca: Int32Array, il: number, iu: number, w: Float64Array, z: Float64Array, descz: Int32Array): Int32Array;
  pdtran(m: number, n: number, alpha: number, a: Float64Array, desca: Int32Array, beta: number, c: Float64Array, descc: Int32Array): number;
  /** '' on success, else what failed. `local` is this rank's part in ScaLAPACK's column-major layout. */
  writeNpy(path: string, header: Uint8Array, m: number, n: number, nb: number, nprow: number, npcol: number, local: Float64Array): string;
}

/** What the user is told when the addon is absent. */
export const UNAVAILABLE_MESSAGE =
  'the distributed addon (nntk_mpi.node) is not built; install OpenMPI and ScaLAPACK ' +
  '(apt-get install openmpi-bin libopenmpi-dev libscalapack-openmpi-dev) and rebuild nntk (npm rebuild nntk), see docs/distributed.md';

// lib/distributed/addon.ts and dist/distributed/addon.js both sit two levels below the package root.
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
let loaded: MpiAddon | null = null;

/** The MPI addon; throws DistributedUnavailableError when it was not built. */
export function mpiAddon(): MpiAddon {
  if (loaded !== null) return loaded;
  const path = ['Release', 'Debug'].map((kind) => `${packageRoot}build/${kind}/nntk_mpi.node`).find((p) => existsSync(p));
  if (path === undefined || process.env.NNTK_NO_MPI === '1') throw new DistributedUnavailableError(UNAVAILABLE_MESSAGE);
  loaded = createRequire(import.meta.url)(path) as MpiAddon;
  return loaded;
}

/** Whether the MPI addon is built (it can be loaded). */
export function distributedAvailable(): boolean {
  try {
    mpiAddon();
    return true;
  } catch (error) {
    if (error instanceof DistributedUnavailableError) return false;
    throw error;
  }
}
