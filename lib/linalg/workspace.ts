import { totalmem } from 'node:os';

/**
 * The most a workspace keeps between the passes of one computation (the
 * features σ, σ′, σ″ of every neuron, TwoLayerNetwork.features): min(1 GiB,
 * 1/16 of the machine's memory). Within it a Newton step evaluates them once;
 * beyond it every pass streams over 64 MiB chunks and evaluates them again.
 */
export const KEEP_BYTES = Math.min(2 ** 30, Math.floor(totalmem() / 16));

/**
 * Float64Arrays reused across the chunks and passes of one computation. A
 * fresh large array is zero pages that fault in as they are first written
 * (≈ 225 000 page faults, a third of a second, per Newton step at M = 1024,
 * N = 8192); a reused one is already mapped.
 */
export class Workspace {
  private readonly arrays = new Map<string, Float64Array>();
  private kept: { owner: object; key: object; names: readonly string[]; value: unknown } | null = null;
  /** What may be kept, in bytes (KEEP_BYTES unless given: a smaller one makes every pass stream). */
  readonly keepBytes: number;
  private grown = 0;

  constructor(keepBytes = KEEP_BYTES) {
    if (!(keepBytes >= 0)) throw new RangeError(`workspace: keepBytes must be a number ≥ 0, got ${keepBytes}`);
    this.keepBytes = keepBytes;
  }

  /**
   * Keeps `value`, computed by `owner` for `key` into the named arrays, until
   * one of those arrays is asked for again.
   */
  keep(owner: object, key: object, names: readonly string[], value: unknown): void {
    this.kept = { owner, key, names, value };
  }

  /** What `owner` kept for `key`, if its arrays have not been handed out since. */
  recall(owner: object, key: object): unknown {
    return this.kept !== null && this.kept.owner === owner && this.kept.key === key ? this.kept.value : undefined;
  }

  /** How many arrays this workspace has allocated (or grown): constant once the computations it serves repeat. */
  get allocations(): number {
    return this.grown;
  }

  /**
   * `length` entries of the array named `name`, grown when too short. Its
   * contents are whatever was left there: write before reading. A view stays
   * valid until the same name is asked for again.
   */
  array(name: string, length: number): Float64Array {
    if (this.kept?.names.includes(name)) this.kept = null;
    let array = this.arrays.get(name);
    if (array === undefined || array.length < length) {
      array = new Float64Array(length);
      this.arrays.set(name, array);
      this.grown++;
    }
    return array.length === length ? array : array.subarray(0, length);
  }
}
