#!/usr/bin/env python3
"""scipy.linalg's answers for test/decompositions.test.ts.

    python3 test/reference/decomposition_cases.py OUTDIR

Writes OUTDIR/*.npy (little-endian float64, C order) and OUTDIR/manifest.json,
a JSON list of cases:

    {
      "id":      "eigh/lower/n30/graded/subsetByValue",
      "routine": "eigh",                       # cholesky | choFactor | choSolve | eigh
      "options": {"lower": true, ...},         # nntk's options object; ±Infinity as the strings "-Infinity"/"Infinity"
      "a": "….npy", "b": "….npy",              # the inputs (the triangle not read holds NaN in "garbage" cases)
      "expected": {"c": "….npy"} | {"x": …} | {"w": …, "v": …},   # what scipy returned
      "n": 30, "norm2": …, "cond": …,          # ‖A‖₂ and κ₂(A) of the symmetric matrix the triangle defines
      "gaps": "….npy"                          # eigh: each returned eigenvalue's distance to the rest of the spectrum
    }

The matrices are Q·diag(λ)·Qᵀ with Q orthogonal and λ designed; ‖A‖₂, κ₂(A)
and the gaps come from scipy's eigenvalues of the stored matrix. Row-major
throughout: numpy's a[i, j] is Matrix element (i, j). Each matrix has its own
numpy default_rng seeded by a CRC of what it is, so cases are deterministic
and independent of each other.
"""

import json
import sys
import zlib
from pathlib import Path

import numpy as np
import scipy.linalg as sla

SIZES = (1, 4, 30, 120)
SPD_CONDS = (1e1, 1e6, 1e11)
SPECTRA = ("uniform", "graded")


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def from_spectrum(rng, eigenvalues):
    n = len(eigenvalues)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(r))
    a = (q * eigenvalues) @ q.T
    return (a + a.T) / 2


def spd(n, cond):
    rng = rng_for("spd", n, cond)
    return from_spectrum(rng, np.geomspace(1.0, 1.0 / cond, n) if n > 1 else np.ones(1))


def symmetric(n, kind):
    rng = rng_for("symmetric", n, kind)
    if kind == "uniform":
        values = rng.uniform(-1.0, 1.0, n)
    else:
        # Magnitudes from 1 down to 1e-8, random signs: small eigenvalues beside large ones.
        values = np.geomspace(1.0, 1e-8, n) * rng.choice([-1.0, 1.0], n) if n > 1 else np.ones(1)
    return from_spectrum(rng, values)


def with_garbage(a, lower):
    """a with NaN in the triangle the routine must not read."""
    g = a.copy()
    rows, cols = np.triu_indices(len(a), 1) if lower else np.tril_indices(len(a), -1)
    g[rows, cols] = np.nan
    return g


class Cases:
    def __init__(self, outdir):
        self.outdir = Path(outdir)
        self.cases = []
        self.count = 0

    def save(self, array):
        self.count += 1
        name = f"{self.count:04d}.npy"
        np.save(self.outdir / name, np.ascontiguousarray(array, dtype="<f8"))
        return name

    def add(self, id, routine, options, a, expected, b=None, **extra):
        case = {"id": id, "routine": routine, "options": options, "a": self.save(a)}
        if b is not None:
            case["b"] = self.save(b)
        case["expected"] = {k: self.save(v) for k, v in expected.items()}
        for k, v in extra.items():
            case[k] = self.save(v) if isinstance(v, np.ndarray) else v
        self.cases.append(case)

    def write(self):
        (self.outdir / "manifest.json").write_text(json.dumps(self.cases, indent=1))


def facts(a):
    w = np.linalg.eigvalsh(a)
    norm2 = float(np.max(np.abs(w)))
    return w, norm2, float(norm2 / np.min(np.abs(w)))


def cholesky_cases(out):
    for n in SIZES:
        for cond in SPD_CONDS:
            a = spd(n, cond)
            _, norm2, kappa = facts(a)
            for lower in (False, True):
                for garbage in (False, True):
                    tri = "lower" if lower else "upper"
                    given = with_garbage(a, lower) if garbage else a
                    tag = f"{tri}/n{n}/cond{cond:.0e}{'/garbage' if garbage else ''}"
                    common = dict(n=n, norm2=norm2, cond=kappa)
                    c = sla.cholesky(given, lower=lower, check_finite=False)
                    out.add(f"cholesky/{tag}", "cholesky", {"lower": lower}, given, {"c": c}, **common)
                    factor, _ = sla.cho_factor(given, lower=lower, check_finite=False)
                    out.add(f"choFactor/{tag}", "choFactor", {"lower": lower}, given, {"c": factor}, **common)
                    rng = rng_for("rhs", n, cond)
                    for k in (1, 3):
                        b = rng.standard_normal((n, k))
                        x = sla.cho_solve((factor, lower), b, check_finite=False)
                        out.add(f"choSolve/{tag}/k{k}", "choSolve", {"lower": lower}, given, {"x": x}, b=b, **common)
                    v = rng.standard_normal(n)
                    x = sla.cho_solve((factor, lower), v, check_finite=False)
                    out.add(f"choSolve/{tag}/vector", "choSolve", {"lower": lower}, given, {"x": x}, b=v, **common)


def gaps_of(spectrum, chosen):
    """Each chosen eigenvalue's distance to the other eigenvalues of the whole spectrum (inf when n = 1)."""
    gaps = []
    for i in chosen:
        others = np.delete(spectrum, i)
        gaps.append(np.min(np.abs(others - spectrum[i])) if len(others) else np.inf)
    return np.array(gaps, dtype=float)


def value_window(w):
    """(vl, vu] around the middle third of the spectrum, its ends halfway between eigenvalues."""
    n = len(w)
    lo, hi = n // 3, max(n // 3, 2 * n // 3 - 1)
    vl = (w[lo - 1] + w[lo]) / 2 if lo > 0 else w[0] - 1
    vu = (w[hi] + w[hi + 1]) / 2 if hi + 1 < n else w[-1] + 1
    return float(vl), float(vu)


def eigh_cases(out):
    for n in SIZES:
        for kind in SPECTRA:
            a = symmetric(n, kind)
            w_all, norm2, kappa = facts(a)
            mid = (w_all[n // 2 - 1] + w_all[n // 2]) / 2 if n > 1 else w_all[0] + 1
            subsets = {
                "all": {},
                "subsetByIndex": {"subsetByIndex": [n // 4, max(n // 4, n - 2)]},
                "subsetByIndexLast": {"subsetByIndex": [n - 1, n - 1]},
                "subsetByValue": {"subsetByValue": list(value_window(w_all))},
                "subsetByValueBelow": {"subsetByValue": ["-Infinity", float(mid)]},
                "subsetByValueAbove": {"subsetByValue": [float(mid), "Infinity"]},
            }
            for lower in (True, False):
                for garbage in (False, True):
                    given = with_garbage(a, lower) if garbage else a
                    tri = "lower" if lower else "upper"
                    for name, subset in subsets.items():
                        drivers = ("evr", "evd") if name == "all" else ("evr",)
                        for driver in drivers:
                            for only in (False, True):
                                options = {"lower": lower, "driver": driver, **subset}
                                if only:
                                    options["eigvalsOnly"] = True
                                scipy_subset = {}
                                if "subsetByIndex" in subset:
                                    scipy_subset["subset_by_index"] = subset["subsetByIndex"]
                                if "subsetByValue" in subset:
                                    scipy_subset["subset_by_value"] = [float(v) for v in subset["subsetByValue"]]
                                result = sla.eigh(given, lower=lower, driver=driver, eigvals_only=only,
                                                  check_finite=False, **scipy_subset)
                                w, v = (result, None) if only else result
                                chosen = [int(np.argmin(np.abs(w_all - x))) for x in w]
                                expected = {"w": w} if only else {"w": w, "v": v}
                                out.add(f"eigh/{tri}/n{n}/{kind}/{name}/{driver}{'/values' if only else ''}"
                                        f"{'/garbage' if garbage else ''}", "eigh", options, given, expected,
                                        n=n, norm2=norm2, cond=kappa, gaps=gaps_of(w_all, chosen))


def main():
    out = Cases(sys.argv[1])
    cholesky_cases(out)
    eigh_cases(out)
    out.write()


if __name__ == "__main__":
    main()
