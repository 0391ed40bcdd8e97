/**
 * Round-off bounds for the tests, in the notation of Higham, "Accuracy and
 * Stability of Numerical Algorithms" (2nd ed., 2002): u is the unit roundoff
 * of float64 (round to nearest), γₙ = n·u / (1 − n·u) bounds the relative
 * error accumulated by n roundings (Lemma 3.1). Every bound a test derives
 * from these names the theorem it comes from.
 */

/** Unit roundoff of float64: u = ε/2 = 2⁻⁵³. */
export const U = Number.EPSILON / 2;

/** γₙ = n·u / (1 − n·u): n roundings in a row multiply by at most 1 + γₙ (Higham, Lemma 3.1). */
export function gamma(n: number): number {
  if (!(n >= 0) || n * U >= 1) throw new RangeError(`gamma: n·u must lie in [0, 1), got n = ${n}`);
  return (n * U) / (1 - n * U);
}

/**
 * LAPACK's own test threshold (TESTING/EIG, e.g. dsyt21; dtest.in): a test ratio
 * ‖residual‖/(n·ε·‖A‖) up to 30 passes. Used as the p(n) = 30·n of LAPACK's
 * backward-error statement for the symmetric eigenproblem (Users' Guide §4.7:
 * the computed pairs are exact for A + E, ‖E‖₂ ≤ p(n)·ε·‖A‖₂).
 */
export const LAPACK_THRESHOLD = 30;

/** max_i |x_i|. */
export function normInf(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/**
 * κ∞(L) = ‖L‖∞·‖L⁻¹‖∞ of the lower-triangular q×q block at `offset` (row-major).
 * L⁻¹ is formed column by column by substitution; its own rounding changes
 * κ by a relative O(q·u·κ), negligible beside the bounds it enters.
 */
export function lowerTriangularCondition(l: ArrayLike<number>, offset: number, q: number): number {
  const inverse = new Float64Array(q * q);
  for (let c = 0; c < q; c++) {
    for (let i = c; i < q; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[offset + i * q + k]! * inverse[k * q + c]!;
      inverse[i * q + c] = s / l[offset + i * q + i]!;
    }
  }
  const rowSums = (a: (i: number, k: number) => number): number => {
    let m = 0;
    for (let i = 0; i < q; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += Math.abs(a(i, k));
      m = Math.max(m, s);
    }
    return m;
  };
  return rowSums((i, k) => l[offset + i * q + k]!) * rowSums((i, k) => inverse[i * q + k]!);
}
