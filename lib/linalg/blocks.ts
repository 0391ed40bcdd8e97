/**
 * The smallest eigenvalue of one small symmetric q×q block of S (q = d + 2,
 * usually < 20), blocks stored row-major one after another in a Float64Array
 * (block i at offset i·q²): for small q a native call per block would cost
 * more than its arithmetic. The factors of A's blocks and the solves with them
 * are native, all blocks in one call (lib/method/newton.ts, factorBlocks), and
 * past q = 10 so are these eigenvalues (lib/method/curvature.ts).
 */

/**
 * The smallest eigenvalue of the symmetric block at `offset`, by cyclic
 * Jacobi rotations on a copy in `work` (q² entries): accurate to a few ulps
 * of the block's norm, and exact for the 0 blocks of relu's S.
 */
export function smallestEigenvalue(a: Float64Array, offset: number, q: number, work: Float64Array): number {
  for (let i = 0; i < q * q; i++) work[i] = a[offset + i]!;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < q; i++) {
      diag += work[i * q + i]! ** 2;
      for (let j = i + 1; j < q; j++) off += work[i * q + j]! ** 2;
    }
    if (off <= 1e-34 * diag || off === 0) break;
    for (let p = 0; p < q; p++) {
      for (let r = p + 1; r < q; r++) {
        const apr = work[p * q + r]!;
        if (apr === 0) continue;
        const app = work[p * q + p]!;
        const arr = work[r * q + r]!;
        // The rotation that zeroes (p, r), computed stably (Golub & Van Loan §8.5.2).
        const theta = (arr - app) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < q; k++) {
          const akp = work[k * q + p]!;
          const akr = work[k * q + r]!;
          work[k * q + p] = c * akp - s * akr;
          work[k * q + r] = s * akp + c * akr;
        }
        for (let k = 0; k < q; k++) {
          const apk = work[p * q + k]!;
          const ark = work[r * q + k]!;
          work[p * q + k] = c * apk - s * ark;
          work[r * q + k] = s * apk + c * ark;
        }
      }
    }
  }
  let min = Infinity;
  for (let i = 0; i < q; i++) min = Math.min(min, work[i * q + i]!);
  return min;
}
