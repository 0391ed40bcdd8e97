#!/usr/bin/env python3
"""Random cases for test/lapack-agreement.test.ts.

    python3 test/reference/lapack_cases.py OUTDIR

Writes OUTDIR/*.npy (little-endian float64, C order) and OUTDIR/manifest.json,
a JSON list of cases:

    {
      "id":       "potrf/upper/n200/cond1e+12/garbage-nan",
      "routine":  "potrf",                  # the nntk function to call
      "options":  {"uplo": "upper"},        # the TypeScript options object, as passed
      "inputs":   {"A": "….npy"},           # the routine's matrix arguments
      "aux":      {…},                      # further arrays only the checks use
      "n": 200, "cond": 1e12, "norm2": 1.0, # what the tolerances depend on (designed κ₂ and ‖A‖₂)
      "spectrumError": 1e-15,               # how far A's eigenvalues may lie from the designed ones
      "group": "κ=1e+12",                   # how the test's summary groups the errors
      "async": false                        # also run the *Async twin (bitwise equal)
    }

Sizes are 1, 2, 17, 200 and 1000; every option combination is covered up to
200, and at 1000 as well except for the eigensolvers (a representative subset,
to keep the suite fast).

Row-major throughout, as in nntk: numpy's A[i, j] is Matrix element (i, j).

No case carries a result computed by another BLAS or LAPACK: lapack_judge.py
measures nntk's outputs against the inputs (residuals formed exactly, see
accurate.py). The eigen cases are built from a designed spectrum
(Q·diag(λ)·Qᵀ, Q orthogonal), which is their reference: "spectrumError"
bounds how far the eigenvalues of the stored A may lie from it, by Weyl's
theorem for ‖A − Q·Λ·Qᵀ‖₂ and Ostrowski's for Q's departure from
orthogonality, both measured accurately.

Everything is deterministic. Each random matrix comes from its own
numpy default_rng, seeded by a CRC of what the matrix is (for example
("spd", 200, 1e12)), so adding or removing a case changes no other case, and a
matrix used by several cases (potrf, potrs and posv share their SPD matrices)
is generated and written once.

The triangle a routine must not read is filled with garbage: NaN, or the large
finite 1e300 (which would wreck the result if it were read, without tripping
nntk's NaN/Inf check on the triangle that is read).
"""

import json
import sys
import zlib
from pathlib import Path

import numpy as np
import scipy.linalg as sla

from accurate import LD, product

SIZES = (1, 2, 17, 200, 1000)
LARGE = 1000
# Conditioning of the SPD matrices: "well" and the two ill-conditioned levels.
SPD_CONDS = (1e1, 1e8, 1e12)
# Spectra of the symmetric indefinite matrices given to the eigensolvers.
SPECTRA = ("random", "spread", "clustered")
SPREAD_COND = 1e14
GARBAGE = {"nan": np.nan, "1e300": 1e300}


def rng_for(*key):
    """An independent generator for the object named by `key`."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def orthogonal(rng, n):
    """A Haar-distributed random orthogonal matrix."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def from_spectrum(rng, eigenvalues):
    """Q·diag(eigenvalues)·Qᵀ, made exactly symmetric (both triangles hold the same bits), and a bound on how
    far its eigenvalues lie from `eigenvalues`: ‖A − Q·Λ·Qᵀ‖_F (Weyl) + ‖QᵀQ − I‖_F·max|λ| (Ostrowski)."""
    q = orthogonal(rng, len(eigenvalues))
    a = (q * eigenvalues) @ q.T
    a = (a + a.T) / 2
    rounding = product(q * eigenvalues, q.T) - a.astype(LD)
    departure = product(q.T, q) - np.eye(len(eigenvalues), dtype=LD)
    bound = np.sqrt(np.sum(rounding**2)) + np.sqrt(np.sum(departure**2)) * np.max(np.abs(eigenvalues))
    return a, float(bound) * (1 + 1e-6)  # the factor covers the long double evaluation of the bound itself


def keep_triangle(a, uplo, garbage, unit_diagonal=False):
    """`a` with the triangle that must not be read (and the diagonal, if unit) set to `garbage`."""
    n = a.shape[0]
    out = a.copy()
    offset = 0 if unit_diagonal else 1
    unread = np.triu_indices(n, offset) if uplo == "lower" else np.tril_indices(n, -offset)
    out[unread] = garbage
    return out


def triangle(a, uplo):
    return np.tril(a) if uplo == "lower" else np.triu(a)


class Manifest:
    def __init__(self, outdir):
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.cases = []
        self.files = set()
        self.garbage_turn = 0

    def save(self, name, array):
        """Writes `array` as NAME.npy once (shared arrays are saved under one name) and returns the file name."""
        file = name.replace("/", "_") + ".npy"
        if file not in self.files:
            np.save(self.outdir / file, np.ascontiguousarray(array, dtype="<f8"))
            self.files.add(file)
        return file

    def next_garbage(self):
        """Alternates NaN and 1e300 between cases."""
        self.garbage_turn += 1
        return ("nan", "1e300")[self.garbage_turn % 2]

    def add(self, id, routine, options, inputs, aux=None, run_async=False, **extra):
        def files(section, arrays):
            return {
                role: value if isinstance(value, str) else self.save(f"{id}/{section}-{role}", value)
                for role, value in (arrays or {}).items()
            }

        self.cases.append(
            {
                "id": id,
                "routine": routine,
                "options": options,
                "inputs": files("input", inputs),
                "aux": files("aux", aux),
                "async": run_async,
                **extra,
            }
        )

    def write(self):
        with open(self.outdir / "manifest.json", "w") as f:
            json.dump(self.cases, f, indent=1, allow_nan=False)


# --------------------------------------------------------------------------- BLAS


def gemm_cases(out):
    combos = [(ta, tb) for ta in (False, True) for tb in (False, True)]
    for ta, tb in combos:
        name = ("T" if ta else "N") + ("T" if tb else "N")
        rng = rng_for("gemm-shapes", name)
        shapes = []
        # Random m, k, n from SIZES, keeping each product to at most 4e7 multiply-adds;
        # the full 1000×1000×1000 product only for NN and TT.
        while len(shapes) < 5:
            shape = tuple(int(s) for s in rng.choice(SIZES, 3))
            if np.prod(shape) <= 4e7 and shape not in shapes:
                shapes.append(shape)
        if name in ("NN", "TT"):
            shapes.append((LARGE, LARGE, LARGE))
        for index, (m, k, n) in enumerate(shapes):
            rng = rng_for("gemm", name, m, k, n)
            a = rng.standard_normal((k, m) if ta else (m, k))
            b = rng.standard_normal((n, k) if tb else (k, n))
            alpha = float(rng.uniform(-2, 2))
            # The first case of each combination has β = 0 and C full of NaN: β = 0 must ignore C.
            ignore_c = index == 0
            beta = 0.0 if ignore_c else float(rng.uniform(-2, 2))
            c = np.full((m, n), np.nan) if ignore_c else rng.standard_normal((m, n))
            out.add(
                f"gemm/{name}/{m}x{k}x{n}" + ("/beta0-nanC" if ignore_c else ""),
                "gemm",
                {"transA": ta, "transB": tb, "alpha": alpha, "beta": beta},
                {"A": a, "B": b, "C": c},
                run_async=(m, k, n) == (LARGE, LARGE, LARGE) and name == "TT",
            )


def syrk_cases(out):
    # (n, k): C is n×n, A is n×k (or k×n with trans).
    shapes = [(1, 1), (2, 17), (17, 2), (200, 1000), (LARGE, 200)]
    for n, k in shapes:
        for trans in (False, True):
            for uplo in ("lower", "upper"):
                rng = rng_for("syrk", n, k, trans, uplo)
                a = rng.standard_normal((k, n) if trans else (n, k))
                alpha = float(rng.uniform(-2, 2))
                beta = float(rng.uniform(-2, 2))
                c = rng.standard_normal((n, n))
                # NaN in the other triangle of C half of the time: it must be neither read nor written.
                nan_other = trans
                if nan_other:
                    c = keep_triangle(c, uplo, np.nan)
                out.add(
                    f"syrk/{'T' if trans else 'N'}/{uplo}/n{n}k{k}" + ("/nan-other-triangle" if nan_other else ""),
                    "syrk",
                    {"trans": trans, "uplo": uplo, "alpha": alpha, "beta": beta},
                    {"A": a, "C": c},
                    run_async=n == LARGE and trans and uplo == "upper",
                )


def well_conditioned_triangular(rng, n, uplo):
    """Strictly diagonally dominant: off-diagonal entries in (−1/n, 1/n), |diagonal| in [1, 2]; κ₂ ≤ 2 here."""
    a = rng.uniform(-1, 1, (n, n)) / n
    np.fill_diagonal(a, rng.choice([-1.0, 1.0], n) * rng.uniform(1, 2, n))
    return triangle(a, uplo)


def trsm_cases(out):
    for n in SIZES:
        for uplo in ("lower", "upper"):
            for unit in (False, True):
                rng = rng_for("trsm-A", n, uplo, unit)
                t = well_conditioned_triangular(rng, n, uplo)
                if unit:
                    np.fill_diagonal(t, 1.0)
                # BLAS never scans A, so NaN in the unread triangle (and the unread unit diagonal) is the sharpest probe.
                a_file = out.save(f"trsm/A/n{n}/{uplo}/{'unit' if unit else 'nonunit'}", keep_triangle(t, uplo, np.nan, unit))
                for side in ("left", "right"):
                    for trans in (False, True):
                        rng = rng_for("trsm-B", n, uplo, unit, side, trans)
                        r = int(rng.choice((1, 2, 17, 200)))
                        b = rng.standard_normal((n, r) if side == "left" else (r, n))
                        alpha = float(rng.uniform(-2, 2))
                        out.add(
                            f"trsm/{side}/{uplo}/{'T' if trans else 'N'}/{'unit' if unit else 'nonunit'}/n{n}r{r}",
                            "trsm",
                            {"side": side, "uplo": uplo, "transA": trans, "unitDiagonal": unit, "alpha": alpha},
                            {"A": a_file, "B": b},
                            n=n,
                            run_async=n == LARGE and side == "right" and uplo == "upper" and trans and not unit,
                        )


# --------------------------------------------------------------------------- Cholesky

_spd_cache = {}


def spd(n, cond):
    """Q·diag(logspace(0, −log10 κ))·Qᵀ: ‖A‖₂ = 1, κ₂(A) = κ (for n ≥ 2)."""
    key = (n, cond)
    if key not in _spd_cache:
        a, error = from_spectrum(rng_for("spd", n, cond), np.logspace(0, -np.log10(cond), n))
        _spd_cache[key] = (a, f"spd/n{n}/cond{cond:.0e}", error)
    return _spd_cache[key]


def spd_cond(n, cond):
    """κ₂ of spd(n, cond): a 1×1 matrix has κ₂ = 1."""
    return 1.0 if n == 1 else cond


def cholesky_cases(out):
    for n in SIZES:
        for cond in SPD_CONDS:
            a, a_name, spectrum_error = spd(n, cond)
            a_file = out.save(a_name, a)
            for uplo in ("lower", "upper"):
                lower = uplo == "lower"
                # potrs's input: any factor will do (its error is part of what the judge measures against A).
                factor = sla.cholesky(a, lower=lower)
                common = {"n": n, "cond": spd_cond(n, cond), "norm2": 1.0, "spectrumError": spectrum_error, "group": f"κ={cond:.0e}"}
                label = f"{uplo}/n{n}/cond{cond:.0e}"
                big = n == LARGE

                garbage = out.next_garbage()
                out.add(
                    f"potrf/{label}/garbage-{garbage}",
                    "potrf",
                    {"uplo": uplo},
                    {"A": keep_triangle(a, uplo, GARBAGE[garbage])},
                    **common,
                    run_async=big and cond == 1e12 and lower,
                )

                # potrs takes scipy's factor, with garbage in the other triangle.
                garbage = out.next_garbage()
                f_file = out.save(f"{a_name}/factor-{uplo}-garbage-{garbage}", keep_triangle(factor, uplo, GARBAGE[garbage]))
                for nrhs in (1, 17):
                    rng = rng_for("potrs-B", n, cond, uplo, nrhs)
                    b = rng.standard_normal((nrhs, n))
                    out.add(
                        f"potrs/{label}/nrhs{nrhs}/garbage-{garbage}",
                        "potrs",
                        {"uplo": uplo},
                        {"F": f_file, "B": b},
                        {"A": a_file},
                        **common,
                        run_async=big and cond == 1e8 and not lower and nrhs == 17,
                    )

                garbage = out.next_garbage()
                rng = rng_for("posv-B", n, cond, uplo)
                b = rng.standard_normal((int(rng.choice((1, 2, 17))), n))
                out.add(
                    f"posv/{label}/nrhs{b.shape[0]}/garbage-{garbage}",
                    "posv",
                    {"uplo": uplo},
                    {"A": keep_triangle(a, uplo, GARBAGE[garbage]), "B": b},
                    **common,
                    run_async=big and cond == 1e1 and not lower,
                )


# --------------------------------------------------------------------------- eigen

_sym_cache = {}


def symmetric(n, spectrum):
    """A symmetric indefinite matrix with a designed spectrum: A, the spectrum (ascending), ‖A‖₂ and how far
    A's eigenvalues may lie from the designed ones (from_spectrum)."""
    key = (n, spectrum)
    if key not in _sym_cache:
        rng = rng_for("sym", n, spectrum)
        if spectrum == "random":  # a GOE matrix's eigenvalues (well separated); only the numbers are used
            g = rng.standard_normal((n, n))
            values = sla.eigvalsh((g + g.T) / 2)
        elif spectrum == "spread":  # ±logspace(0, −14): κ₂ = 1e14, magnitudes over 14 decades
            values = rng.choice([-1.0, 1.0], n) * np.logspace(0, -np.log10(SPREAD_COND), n)
        else:  # clustered: four values, exactly repeated or within 1e-9 of each other
            values = rng.choice([-2.0, -0.5, 1.0, 3.0], n)
            values[: min(n, 2)] = values[0]  # a repeated pair even at n = 2
            jitter = rng.random(n) < 0.5
            values[jitter] += 1e-9 * rng.standard_normal(jitter.sum())
        a, error = from_spectrum(rng, values)
        _sym_cache[key] = (a, np.sort(values), float(np.max(np.abs(values))), error)
    return _sym_cache[key]


def boundary(w, lo, hi, norm2):
    """A value between w[p−1] and w[p] for the p in [lo, hi] with the widest gap (p = 0 and n are below/above the spectrum)."""
    n = len(w)

    def gap(p):
        return norm2 if p in (0, n) else w[p] - w[p - 1]

    p = max(range(lo, hi + 1), key=gap)
    value = w[0] - norm2 if p == 0 else w[-1] + norm2 if p == n else (w[p - 1] + w[p]) / 2
    # The gap must dwarf any eigenvalue error (~1e-13·‖A‖₂), or the count could legitimately differ.
    assert gap(p) > 1e-8 * norm2, (n, p, gap(p))
    return p, float(value)


def windows(n):
    """Index windows for the lower and the upper end of a selection: around n/4 and 3n/4."""
    lo = (max(0, n // 4 - n // 8), n // 4 + n // 8)
    hi = (max(lo[1] + 1, 3 * n // 4 - n // 8), min(n, 3 * n // 4 + n // 8 + 1))
    return lo, hi


def eigen_cases(out):
    # At n = 1000 only a representative subset of the combinations, for time.
    large_syevd = {("random", "lower", True), ("spread", "upper", True), ("clustered", "lower", True),
                   ("random", "upper", False), ("spread", "lower", False)}
    large_syevr = {("all", "random", "upper", True), ("index", "spread", "lower", True),
                   ("value", "clustered", "upper", True), ("value", "random", "lower", True),
                   ("index", "random", "lower", False), ("value", "spread", "upper", False)}
    for n in SIZES:
        for spectrum in SPECTRA:
            a, w_all, norm2, spectrum_error = symmetric(n, spectrum)
            for uplo in ("lower", "upper"):
                lower = uplo == "lower"
                garbage = out.next_garbage()
                a_file = out.save(f"sym/n{n}/{spectrum}/{uplo}/garbage-{garbage}", keep_triangle(a, uplo, GARBAGE[garbage]))
                common = {"n": n, "norm2": norm2, "spectrumError": spectrum_error, "group": spectrum}
                label = f"{spectrum}/{uplo}/n{n}/garbage-{garbage}"

                for vectors in (True, False):
                    if n == LARGE and (spectrum, uplo, vectors) not in large_syevd:
                        continue
                    out.add(
                        f"syevd/{label}/{'vectors' if vectors else 'values'}",
                        "syevd",
                        {"vectors": vectors, "uplo": uplo},
                        {"A": a_file},
                        {"spectrum": w_all},
                        **common,
                        run_async=n == LARGE and spectrum == "spread" and vectors,
                    )

                rng = rng_for("syevr-select", n, spectrum, uplo)
                (lo0, lo1), (hi0, hi1) = windows(n)
                il = int(rng.integers(lo0, lo1 + 1))
                iu = int(rng.integers(max(hi0, il + 1), hi1 + 1))
                pl, vl = boundary(w_all, lo0, lo1, norm2)
                pu, vu = boundary(w_all, max(hi0, pl + 1), max(hi1, pl + 1), norm2)
                selections = {
                    "all": ({}, slice(None)),
                    "index": ({"select": {"index": [il, iu]}}, slice(il, iu)),
                    "value": ({"select": {"value": [vl, vu]}}, slice(pl, pu)),
                }
                for kind, (select, selected) in selections.items():
                    for vectors in (True, False):
                        if n == LARGE and (kind, spectrum, uplo, vectors) not in large_syevr:
                            continue
                        out.add(
                            f"syevr/{kind}/{label}/{'vectors' if vectors else 'values'}",
                            "syevr",
                            {"vectors": vectors, "uplo": uplo} | select,
                            {"A": a_file},
                            {"spectrum": w_all[selected]},
                            **common,
                            run_async=n == LARGE and kind == "index" and vectors,
                        )


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    out = Manifest(sys.argv[1])
    gemm_cases(out)
    syrk_cases(out)
    trsm_cases(out)
    cholesky_cases(out)
    eigen_cases(out)
    out.write()


if __name__ == "__main__":
    main()
