/**
 * Dense kernels for the many tiny q×q blocks of the Newton system (q = d + 2,
 * usually < 20), stored row-major one after another in a Float64Array
 * (block i at offset i·q²). A native call per block would cost more than the
 * block's arithmetic, so they run in JavaScript. (The solve applied to every
 * row of the M × N·q Jacobian is fused into its native assembly:
 * TwoLayerNetwork.jacobianBlock.)
 */

/**
 * Cholesky factor of the block at `offset` in place: the lower triangle
 * becomes L with A = L·Lᵀ (the upper triangle is left as it was). Returns 0,
 * or the order of the first leading minor that is not positive definite.
 */
export function choleskyBlock(a: Float64Array, offset: number, q: number): number {
  for (let j = 0; j < q; j++) {
    const rowJ = offset + j * q;
    let d = a[rowJ + j]!;
    for (let k = 0; k < j; k++) d -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(d > 0)) return j + 1;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < q; i++) {
      const rowI = offset + i * q;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s / ljj;
    }
  }
  return 0;
}

/** x ← L⁻¹·x for the lower-triangular block L at `offset` and x = v[at … at+q). */
export function forwardSubstitute(l: Float64Array, offset: number, q: number, v: Float64Array, at: number): void {
  for (let i = 0; i < q; i++) {
    const row = offset + i * q;
    let s = v[at + i]!;
    for (let k = 0; k < i; k++) s -= l[row + k]! * v[at + k]!;
    v[at + i] = s / l[row + i]!;
  }
}

/** x ← L⁻ᵀ·x for the lower-triangular block L at `offset` and x = v[at … at+q). */
export function backSubstitute(l: Float64Array, offset: number, q: number, v: Float64Array, at: number): void {
  for (let i = q - 1; i >= 0; i--) {
    let s = v[at + i]!;
    for (let k = i + 1; k < q; k++) s -= l[offset + k * q + i]! * v[at + k]!;
    v[at + i] = s / l[offset + i * q + i]!;
  }
}

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
