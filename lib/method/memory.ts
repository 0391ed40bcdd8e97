/**
 * Refusing, before allocating, what the machine cannot hold: the M×M
 * matrices of the kernel path grow with M², the blocks of S with N·q².
 */
import { totalmem } from 'node:os';
import { MemoryLimitError } from '../errors.js';
import { KEEP_BYTES } from '../linalg/workspace.js';
import { CHUNK_BYTES, keptFeatureBytes } from '../model/network.js';

/** Read once: every Newton step asks, and the answer does not change. */
const MACHINE_BYTES = totalmem();

/** Throws MemoryLimitError when `bytes` exceed the machine's memory. */
export function requireMemory(what: string, bytes: number): void {
  if (bytes > MACHINE_BYTES) {
    throw new MemoryLimitError(what, bytes, MACHINE_BYTES, 'the M×M kernels grow with M² and the blocks of S with N·q²: use fewer points or neurons');
  }
}

/**
 * What the kernel path holds at once for M points and N neurons of q
 * parameters: a few M×M matrices (the kernel, Q, the factor of M·I + Q),
 * the N blocks of S, their factors and (q ≥ 11) the panel of the Lᵢ⁻ᵀ,
 * and one chunk of work arrays (with the stored pre-activations from k = 16
 * inputs on: a third more), or, within KEEP_BYTES, the features of all
 * neurons kept between the passes with two more arrays of their size.
 */
export function kernelPathBytes(m: number, n: number, q: number): number {
  const kept = keptFeatureBytes(m, n) <= KEEP_BYTES ? keptFeatureBytes(m, n) : 0;
  return 8 * (3 * m * m + 3 * n * q * q + 4 * n * q) + Math.max((4 / 3) * CHUNK_BYTES, 8 * m * (2 + q), kept);
}
