/**
 * The 2-D block-cyclic distribution of ScaLAPACK (docs/distributed.md): P
 * ranks as a p×q grid (row-major, rank = row·q + col), an M-index range dealt
 * out in blocks of NB, round-robin from process 0.
 */

/** Default block size: a compromise of pdpotrf's (64–128) and pdsyevd's (32–64) best. */
export const DEFAULT_BLOCK = 64;

/** The most nearly square p×q = P with p ≤ q. */
export function chooseGrid(ranks: number): [number, number] {
  if (!Number.isInteger(ranks) || ranks < 1) throw new RangeError(`grid: the rank count must be an integer ≥ 1, got ${ranks}`);
  let p = Math.floor(Math.sqrt(ranks));
  while (ranks % p !== 0) p--;
  return [p, ranks / p];
}

/** "PxQ" → [P, Q]. */
export function parseGrid(text: string): [number, number] {
  const match = /^([1-9][0-9]*)x([1-9][0-9]*)$/.exec(text);
  if (match === null) throw new RangeError(`grid: expected PxQ with positive integers P and Q (e.g. 2x3), got '${text}'`);
  return [Number(match[1]), Number(match[2])];
}

/** The number of the n indices that process `proc` of `procs` holds in blocks of nb (ScaLAPACK's numroc). */
export function localCount(n: number, nb: number, proc: number, procs: number): number {
  const blocks = Math.floor(n / nb);
  let count = Math.floor(blocks / procs) * nb;
  const extra = blocks % procs;
  if (proc < extra) count += nb;
  else if (proc === extra) count += n % nb;
  return count;
}

/** The global indices (0-based, ascending) that process `proc` of `procs` holds. */
export function localIndices(n: number, nb: number, proc: number, procs: number): Int32Array {
  const out = new Int32Array(localCount(n, nb, proc, procs));
  for (let l = 0; l < out.length; l++) out[l] = (Math.floor(l / nb) * procs + proc) * nb + (l % nb);
  return out;
}
