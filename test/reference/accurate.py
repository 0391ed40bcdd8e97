"""Matrix products accurate far beyond float64, fast enough for n = 1000.

numpy.longdouble (80-bit on x86-64) has no BLAS: its matmul is a plain loop,
minutes at n = 1000. So the products are split into parts whose float64
products are exact (Ozaki, Ogita, Oishi & Rump, "Error-free transformations
of matrix multiplication", Numer. Algorithms 59, 2012):

    A = A_hi + A_lo, B = B_hi + B_lo, row i of A_hi a multiple of 2^(e_i − β),
    column j of B_hi a multiple of 2^(f_j − β), |A_ij| < 2^e_i, |B_ij| < 2^f_j.

With k·2^(2β) ≤ 2^53, every partial sum of A_hi·B_hi is an integer multiple of
2^(e_i + f_j − 2β) below 2^53 units: exact in float64, whatever order or FMA
the BLAS uses, so no implementation's rounding enters it. The rest,
A_hi·B_lo + A_lo·B, is ≤ 2^−β of |A|·|B| and carries float64 errors of γ_k of
that, about k·2^(−53−β)·|A||B| (≈ 1e-19 relative at k = 1000, β = 21):
negligible beside the O(k·u) errors the tests measure. The parts are summed
in long double.
"""

import numpy as np

LD = np.longdouble


def split(a, axis):
    """a = hi + lo with hi on the grid 2^(e − β) of each row (axis=1) or column (axis=0)."""
    k = a.shape[axis]
    bits = (53 - int(np.ceil(np.log2(max(k, 1))))) // 2
    largest = np.max(np.abs(a), axis=axis, keepdims=True)
    _, exponent = np.frexp(largest)  # largest < 2^exponent exactly; 0 for an all-zero row
    unit = np.ldexp(1.0, exponent - bits)
    hi = np.round(a / unit) * unit
    return hi, a - hi


def as_parts(x):
    """A long double (or float64) matrix as float64 parts that sum to it exactly."""
    hi = np.asarray(x, dtype=np.float64)
    if np.asarray(x).dtype != LD:
        return [hi]
    return [hi, np.asarray(np.asarray(x, dtype=LD) - hi, dtype=np.float64)]


def product(a, b):
    """a·b in long double (a, b float64 or long double), as described above."""
    out = None
    for a_part in as_parts(a):
        for b_part in as_parts(b):
            a_hi, a_lo = split(a_part, 1)
            b_hi, b_lo = split(b_part, 0)
            term = (a_hi @ b_hi).astype(LD) + (a_hi @ b_lo + a_lo @ b_part).astype(LD)
            out = term if out is None else out + term
    return out
