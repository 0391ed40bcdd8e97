/**
 * The errors nntk throws for numerical outcomes and bad data. Wrong argument
 * types and out-of-range arguments are reported with the built-in TypeError
 * and RangeError before any native call; everything else is an NntkError.
 */
export class NntkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A LAPACK routine returned a non-zero `info`. */
export class LapackError extends NntkError {
  readonly routine: string;
  readonly info: number;

  constructor(routine: string, info: number, message?: string) {
    super(
      message ??
        (info < 0
          ? `${routine}: LAPACK rejected argument ${-info} (info = ${info}); this is a bug in nntk, please report it`
          : `${routine} failed (LAPACK info = ${info})`),
    );
    this.routine = routine;
    this.info = info;
  }
}

/**
 * A Cholesky factorisation met a leading minor that is not positive definite.
 * `minor` is its order (1-based, LAPACK's `info`): rows and columns
 * 0 … minor−1 of the matrix are not positive definite.
 */
export class NotPositiveDefiniteError extends LapackError {
  readonly minor: number;

  constructor(routine: string, minor: number, argument: string) {
    super(
      routine,
      minor,
      `${routine}: ${argument} is not positive definite: the leading minor of order ${minor} is not (LAPACK info = ${minor})`,
    );
    this.minor = minor;
  }
}

/** An eigensolver did not converge (LAPACK `info` > 0). */
export class ConvergenceError extends LapackError {
  constructor(routine: string, info: number, detail: string) {
    super(routine, info, `${routine}: ${detail} (LAPACK info = ${info})`);
  }
}

/** A NaN or an infinity where nntk needs finite numbers. */
export class NonFiniteError extends NntkError {
  /** The argument's name, e.g. `A`. */
  readonly argument: string;
  /** The position of the first bad entry (row, column for a matrix). */
  readonly index: readonly number[];
  readonly value: number;

  constructor(routine: string, argument: string, index: readonly number[], value: number) {
    super(`${routine}: ${argument}[${index.join(', ')}] is ${value}; nntk needs finite numbers here`);
    this.argument = argument;
    this.index = index;
    this.value = value;
  }
}

/** A native routine could not allocate its workspace, or an async call could not be queued (or the queue's thread started). */
export class AllocationError extends NntkError {
  /** The routine or kernel that failed, e.g. `syevd`, `activations`. */
  readonly routine: string;

  constructor(routine: string, what: string) {
    super(`${routine}: could not allocate ${what}`);
    this.routine = routine;
  }
}

/**
 * An adaptive quadrature could not meet its tolerance: `index` is the worst
 * entry (row, column), `error` its estimated absolute error (Infinity when
 * the rule cannot even be set up), `target` the absolute error asked for
 * (NaN when unknown).
 */
export class QuadratureError extends NntkError {
  readonly routine: string;
  readonly index: readonly number[];
  readonly error: number;
  readonly target: number;

  constructor(routine: string, index: readonly number[], error: number, target: number) {
    super(
      Number.isFinite(error)
        ? `${routine}: the quadrature of entry [${index.join(', ')}] reached an estimated error of ${error.toExponential(2)}, above the target ${target.toExponential(2)}: the tolerance cannot be met for these inputs`
        : `${routine}: the quadrature of entry [${index.join(', ')}] cannot be done: its integrand varies too fast for the rule (scale too large)`,
    );
    this.routine = routine;
    this.index = index;
    this.error = error;
    this.target = target;
  }
}

/**
 * A computation that exists for single-output networks only was asked of a
 * network of C > 1 outputs (docs/math.md §8).
 */
export class UnsupportedOutputsError extends NntkError {
  readonly outputs: number;

  constructor(where: string, outputs: number) {
    super(`${where}: not available for a network of C = ${outputs} outputs (only C = 1)`);
    this.outputs = outputs;
  }
}

/** A computation refused before allocating: its estimated memory is beyond the limit. */
export class MemoryLimitError extends NntkError {
  readonly bytes: number;
  readonly limit: number;

  constructor(what: string, bytes: number, limit: number, hint: string) {
    super(`${what} needs an estimated ${formatBytes(bytes)}, beyond the limit of ${formatBytes(limit)}; ${hint}`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 40) return `${(bytes / 2 ** 40).toFixed(1)} TiB`;
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * A worker thread ended without a result: it exited (`exitCode`), ran out of
 * memory, or failed while loading (`cause` holds the error then).
 */
export class WorkerError extends NntkError {
  /** The thread's exit code when it exited, else null. */
  readonly exitCode: number | null;

  constructor(message: string, exitCode: number | null, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/**
 * The distributed path (docs/distributed.md) cannot run: the MPI addon
 * (nntk_mpi.node) was not built, because OpenMPI and ScaLAPACK were missing.
 */
export class DistributedUnavailableError extends NntkError {}

/**
 * A failure on one rank of a distributed computation, thrown on every rank
 * with the same message (`rank`: the lowest rank that failed) so that all of
 * them stop together instead of waiting in a collective.
 */
export class DistributedError extends NntkError {
  /** The lowest rank on which the failure happened. */
  readonly rank: number;

  constructor(rank: number, message: string) {
    super(`rank ${rank}: ${message}`);
    this.rank = rank;
  }
}
