import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Flag = string;
type Result = number;

/**
 * The addon's functions: Fortran BLAS/LAPACK semantics (column-major, LAPACK
 * argument order), each returning LAPACK's `info` (0 for BLAS). Every routine
 * also exists as `<name>Async`, which runs on the addon's BLAS thread and
 * resolves to the same number. Only `lib/linalg` calls these.
 */
export interface NativeRoutines {
  dgemm(ta: Flag, tb: Flag, m: number, n: number, k: number, alpha: number, a: Float64Array, lda: number,
    b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): Result;
  dsyrk(uplo: Flag, trans: Flag, n: number, k: number, alpha: number, a: Float64Array, lda: number,
    beta: number, c: Float64Array, ldc: number): Result;
  dtrsm(side: Flag, uplo: Flag, transa: Flag, diag: Flag, m: number, n: number, alpha: number,
    a: Float64Array, lda: number, b: Float64Array, ldb: number): Result;
  dpotrf(uplo: Flag, n: number, a: Float64Array, lda: number): Result;
  dpotrs(uplo: Flag, n: number, nrhs: number, a: Float64Array, lda: number, b: Float64Array, ldb: number): Result;
  dposv(uplo: Flag, n: number, nrhs: number, a: Float64Array, lda: number, b: Float64Array, ldb: number): Result;
  dsyevd(jobz: Flag, uplo: Flag, n: number, a: Float64Array, lda: number, w: Float64Array): Result;
  dsyevr(jobz: Flag, range: Flag, uplo: Flag, n: number, a: Float64Array, lda: number, vl: number, vu: number,
    il: number, iu: number, abstol: number, w: Float64Array, z: Float64Array, ldz: number, m: Int32Array): Result;
  /** Offset of the first NaN/±Inf in a general ('G') matrix or a triangle ('U'/'L'), or −1. */
  nonfinite(uplo: Flag, m: number, n: number, a: Float64Array, lda: number): Result;
  /**
   * The Jacobian columns of nc neurons at m points (row-major m × nc·(k+1)) from their σ, σ′ (m × nc) and
   * X̃ (m × k); with L (nc row-major lower (k+1)² blocks) each row segment is then multiplied by L_i⁻¹.
   * σ and σ′ are read with row stride ldf (default nc): the first nc columns of wider arrays.
   */
  jacobianblock(k: number, nc: number, m: number, xt: Float64Array, value: Float64Array, slope: Float64Array,
    c: Float64Array, scale: number, l: Float64Array | null, out: Float64Array, ldf?: number): Result;
  /**
   * The Cholesky factors of the n blocks Sᵢ + λI (q×q row-major, lower triangle) into `l`, and optionally the
   * panel t (q × n·q row-major) of the Tᵢ = Lᵢ⁻ᵀ side by side. Returns 0, or i·q + m for the first block i
   * that is not positive definite (m: the order of its failing leading minor).
   */
  blockfactors(q: number, n: number, lambda: number, s: Float64Array, l: Float64Array, t: Float64Array | null): Result;
  /** x ← Aᵢ⁻¹·x for each of its n segments of q, Aᵢ = Lᵢ·Lᵢᵀ from blockfactors' l. */
  blocksolve(q: number, n: number, l: Float64Array, x: Float64Array): Result;
  /**
   * The Jacobian columns of nc neurons at m points whitened by their factors (as jacobianblock with L) from
   * the chunk's part of a blockfactors panel: q rows of ldt entries, the chunk's nc·(k+1) columns first;
   * σ and σ′ with row stride ldf (default nc).
   */
  whitenedjacobian(k: number, nc: number, m: number, xt: Float64Array, value: Float64Array, slope: Float64Array,
    c: Float64Array, scale: number, t: Float64Array, ldt: number, out: Float64Array, ldf?: number): Result;
  /**
   * λ_min of each of the n symmetric q×q blocks of s (row-major) into out, by dsyevr. Returns 0 or LAPACK's
   * info for the first block that did not converge.
   */
  smallesteigenvalues(q: number, n: number, s: Float64Array, out: Float64Array): Result;
  /** out[j] += Σᵢ w[i]·a[j·nc + i] (a m × nc row-major), each product rounded and added in order of i. */
  weightedrowsums(m: number, nc: number, a: Float64Array, w: Float64Array, out: Float64Array): Result;
  /** out[j·nc + i] = a[j·nc + i]·s[i] (m × nc row-major). */
  scaledcolumns(m: number, nc: number, a: Float64Array, s: Float64Array, out: Float64Array): Result;
  /**
   * σ, σ′, σ″ of activation number `kind` (order of ACTIVATIONS) at U = X̃·Wᵀ (m × nc row-major; X̃ m × k,
   * W nc × k); null outputs are skipped. With `weights` (nc) and `scaled` (m × nc, both or neither), also
   * scaled[j·nc + i] = σ′[j·nc + i]·weights[i].
   */
  activations(kind: number, k: number, nc: number, m: number, xt: Float64Array, w: Float64Array,
    value: Float64Array | null, slope: Float64Array | null, curvature: Float64Array | null,
    weights?: Float64Array | null, scaled?: Float64Array | null): Result;
  /**
   * σ″ of activation number `kind` from its σ and σ′ (n entries each) where activations forms it from them
   * (tanh, sin, relu): returns 0, bitwise what activations writes; 1 (nothing written) for the others.
   */
  curvaturefromfeatures(kind: number, n: number, value: Float64Array, slope: Float64Array, curvature: Float64Array): Result;
}

export type RoutineName = keyof NativeRoutines;

type AsyncRoutines = {
  [K in RoutineName as `${K}Async`]: (...args: Parameters<NativeRoutines[K]>) => Promise<Result>;
};

/** What the tests can make fail through `__failNextAllocation` (native/faults.h). */
export type FaultSite =
  | 'activations'
  | 'jacobianblock'
  | 'blockfactors'
  | 'whitenedjacobian'
  | 'smallesteigenvalues'
  | 'dsyevd' | 'dsyevr' | 'queue' | 'queuethread' | 'threads';

export interface NativeAddon extends NativeRoutines, AsyncRoutines {
  setThreads(n: number): void;
  getThreads(): number;
  config(): { openblas: string; processors: number };
  /**
   * For the tests only: the next call of `site` fails its allocation number
   * `skip` (default 0; −1 disarms) as if malloc had returned null ('queue':
   * the async call's own allocation; 'queuethread': the start of the async
   * queue's thread, at the first async call of the environment; 'threads':
   * thread start number `skip` of the next parallel loop, whose part then
   * runs on the calling thread).
   * Returns how many faults of `site` have fired so far.
   */
  __failNextAllocation(site: FaultSite, skip?: number): number;
}

/** The status a native call returns when its workspace could not be allocated. */
export const OUT_OF_MEMORY = -2147483648;

/** What an async call resolves to when the call itself could not be queued. */
export const QUEUE_OUT_OF_MEMORY = -2147483647;

/** What an async call resolves to when the queue's thread could not be started. */
export const QUEUE_THREAD_FAILED = -2147483646;

const require = createRequire(import.meta.url);
// lib/linalg/native.ts and dist/linalg/native.js both sit two levels below the package root.
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

export const native = (require('node-gyp-build') as (root: string) => NativeAddon)(packageRoot);
