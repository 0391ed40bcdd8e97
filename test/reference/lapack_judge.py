#!/usr/bin/env python3
"""Measures the errors of nntk's BLAS/LAPACK results for test/lapack-agreement.test.ts.

    python3 test/reference/lapack_judge.py OUTDIR

OUTDIR holds the cases that lapack_cases.py wrote (manifest.json and the
input arrays). The test sends one JSON request per line on stdin,

    {"id": "<case id>", "outputs": {"C": "<file>.npy", ...}}

naming .npy files (in OUTDIR) with the arrays nntk returned, and reads one
JSON line back: {"metrics": {name: value}} or {"error": "..."}.

Every metric is an error measured from the case's inputs and nntk's outputs
alone, with the products formed by accurate.product (exact splits, long
double sums), so neither another BLAS nor float64 rounding enters the
measurement. The bounds the metrics are held to live in the test.
"""

import json
import sys
import traceback
from pathlib import Path

import numpy as np
import scipy.linalg as sla

from accurate import LD, product


def triangle(a, uplo, unit_diagonal=False):
    """The uplo triangle of a, zero elsewhere (ones on the diagonal if unit)."""
    t = np.tril(a) if uplo == "lower" else np.triu(a)
    if unit_diagonal:
        np.fill_diagonal(t, 1.0)
    return t


def symmetric_from(a, uplo):
    t = triangle(a, uplo)
    return t + t.T - np.diag(np.diag(t))


def componentwise(error, scale):
    """max_ij |error_ij| / scale_ij (0/0 counts as 0, x/0 as infinite, NaN as infinite).

    The error, formed in long double, is rounded to float64 first: a relative change of 2⁻⁵³ in a
    measured error is immaterial, and float64 arithmetic is vectorised where long double's is not."""
    error = np.abs(np.asarray(error, dtype=np.float64))
    if error.size == 0:
        return 0.0
    if np.isnan(error).any():
        return float("inf")
    scale = np.asarray(scale, dtype=np.float64)
    ratio = np.where(scale > 0, error / np.where(scale > 0, scale, 1), np.where(error > 0, np.inf, 0))
    return float(np.max(ratio))


class Judge:
    def __init__(self, outdir):
        self.outdir = Path(outdir)
        self.cases = {c["id"]: c for c in json.loads((self.outdir / "manifest.json").read_text())}

    def load(self, file):
        return np.load(self.outdir / file)

    def metrics(self, case, outputs):
        routine = case["routine"]
        inputs = {role: self.load(file) for role, file in case["inputs"].items()}
        aux = {role: self.load(file) for role, file in case["aux"].items()}
        out = {role: self.load(file) for role, file in outputs.items()}
        return getattr(self, routine if routine not in ("syevd", "syevr") else "eigen")(case, case["options"], inputs, aux, out)

    # ------------------------------------------------------------------ BLAS

    def gemm(self, case, o, inputs, aux, out):
        a = inputs["A"].T if o["transA"] else inputs["A"]
        b = inputs["B"].T if o["transB"] else inputs["B"]
        alpha, beta = LD(o["alpha"]), LD(o["beta"])
        exact = alpha * product(a, b)
        scale = abs(o["alpha"]) * (np.abs(a) @ np.abs(b))
        if o["beta"] != 0:
            exact = exact + beta * inputs["C"].astype(LD)
            scale = scale + abs(o["beta"]) * np.abs(inputs["C"])
        return {"componentwise": componentwise(out["C"] - exact, scale)}

    def syrk(self, case, o, inputs, aux, out):
        a = inputs["A"].T if o["trans"] else inputs["A"]
        keep = triangle(np.ones_like(out["C"]), o["uplo"]) == 1
        c0 = np.where(keep, inputs["C"], 0.0)
        exact = LD(o["alpha"]) * product(a, a.T) + LD(o["beta"]) * c0.astype(LD)
        scale = abs(o["alpha"]) * (np.abs(a) @ np.abs(a).T) + abs(o["beta"]) * np.abs(c0)
        return {"componentwise": componentwise(np.where(keep, out["C"] - exact, 0), scale)}

    def trsm(self, case, o, inputs, aux, out):
        t = triangle(inputs["A"], o["uplo"], o["unitDiagonal"])
        op_t = t.T if o["transA"] else t
        x, b = out["B"], inputs["B"]
        alpha_b = LD(o["alpha"]) * b.astype(LD)
        if o["side"] == "left":
            residual = product(op_t, x) - alpha_b
            scale = np.abs(op_t) @ np.abs(x)
        else:
            residual = product(x, op_t) - alpha_b
            scale = np.abs(x) @ np.abs(op_t)
        return {"backward": componentwise(residual, scale + np.abs(o["alpha"] * b))}

    # ------------------------------------------------------------------ Cholesky

    def factor(self, f, s, uplo):
        """Componentwise backward error of a Cholesky factor: |G·Gᵀ − A| / (|G|·|G|ᵀ), G = L or Uᵀ."""
        g = triangle(f, uplo)
        if uplo == "upper":
            g = g.T
        return componentwise(product(g, g.T) - s.astype(LD), np.abs(g) @ np.abs(g).T), g

    def exact_solutions(self, s, b):
        """Rows x with x·A = b (A = s symmetric), by iterative refinement with accurate residuals."""
        c = sla.cho_factor(s)
        x = sla.cho_solve(c, b.T).T.astype(LD)
        for _ in range(8):
            r = b.astype(LD) - product(x, s)
            x = x + sla.cho_solve(c, np.asarray(r, dtype=np.float64).T).T.astype(LD)
        return x

    def solution(self, s, g, x, b, norm2):
        """Backward error |X·A − B| / (|X|·|G|·|G|ᵀ) and the forward error of every row against the exact one."""
        backward = componentwise(product(x, s) - b.astype(LD), (np.abs(x) @ np.abs(g)) @ np.abs(g).T)
        exact = self.exact_solutions(s, b)
        forward = np.sqrt(np.sum((x - exact) ** 2, axis=1)) / np.sqrt(np.sum(exact**2, axis=1))
        # ‖|G|·|G|ᵀ‖₂ ≤ ‖G‖_F²: the forward-error bound's normwise backward error, relative to ‖A‖₂.
        return {"backward": backward, "forward": float(np.max(forward)), "factorGrowth": float(np.sum(g**2)) / norm2}

    def potrf(self, case, o, inputs, aux, out):
        s = symmetric_from(inputs["A"], o["uplo"])
        backward, _ = self.factor(out["F"], s, o["uplo"])
        return {"factorBackward": backward}

    def potrs(self, case, o, inputs, aux, out):
        g = triangle(inputs["F"], o["uplo"])
        if o["uplo"] == "upper":
            g = g.T
        return self.solution(aux["A"], g, out["X"], inputs["B"], case["norm2"])

    def posv(self, case, o, inputs, aux, out):
        s = symmetric_from(inputs["A"], o["uplo"])
        backward, g = self.factor(out["F"], s, o["uplo"])
        return {"factorBackward": backward, **self.solution(s, g, out["X"], inputs["B"], case["norm2"])}

    # ------------------------------------------------------------------ eigen

    def eigen(self, case, o, inputs, aux, out):
        w = out["values"].astype(LD)
        spectrum = aux["spectrum"]
        result = {"valueError": float(np.max(np.abs(w - spectrum), initial=0.0))}
        if "vectors" in out:
            s = symmetric_from(inputs["A"], o["uplo"])
            v = out["vectors"]  # rows are the eigenvectors
            residual = np.asarray(product(v, s) - w[:, None] * v.astype(LD), dtype=np.float64)
            result["residual"] = float(np.max(np.sqrt(np.sum(residual**2, axis=1)), initial=0.0))
            gram = np.asarray(product(v, v.T) - np.eye(len(w), dtype=LD), dtype=np.float64)
            result["orthogonality"] = float(np.max(np.abs(gram), initial=0.0))
        return result


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR")
    judge = Judge(sys.argv[1])
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = {"metrics": judge.metrics(judge.cases[request["id"]], request["outputs"])}
        except Exception:
            reply = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
