#!/usr/bin/env python3
"""Independent numpy reference for the linearised step counts of
docs/math.md §6 (lib/experiments/linearised-steps.ts).

    python3 test/reference/uniformity_prediction.py < request.json

The request is a list of cases {"m", "kernel" (m×m, row-major, flat), "r0",
"step", "target"}; the answer is a list of {"root", "iterated"}:

    root      the real s* solving Σᵢ cᵢ²ρᵢ^(2s) = target², ρᵢ = 1 − step·max(μᵢ, 0),
              cᵢ = ⟨vᵢ, r0⟩ from numpy.linalg.eigh, found by scipy's brentq
              on the logarithm (0 when |r0| ≤ target; null when it never falls
              below): the integer prediction is ceil(s*)
    iterated  the first s with |r_s| ≤ target when r_{s+1} = r_s − step·K·r_s
              is iterated in the original basis (no eigen-decomposition), up
              to 20 000 steps; null beyond
"""
import json
import math
import sys

import numpy as np
from scipy.optimize import brentq


def root(kernel, r0, step, target):
    mu, v = np.linalg.eigh(kernel)
    c2 = (v.T @ r0) ** 2
    rho = np.abs(1.0 - step * np.maximum(mu, 0.0))
    if math.sqrt(c2.sum()) <= target:
        return 0.0
    keep = c2 > 0
    c2, rho = c2[keep], rho[keep]
    if np.any(rho > 1.0):
        return None
    stuck = c2[rho == 1.0].sum()
    if stuck >= target * target:
        return None
    decaying = rho < 1.0
    c2, log_rho = c2[decaying], np.log(np.where(rho[decaying] > 0, rho[decaying], 1e-300))

    def excess(s):
        return math.log(stuck + float(np.sum(c2 * np.exp(2.0 * s * log_rho)))) - 2.0 * math.log(target)

    high = 1.0
    while excess(high) > 0:
        high *= 2.0
    return brentq(excess, 0.0, high, xtol=1e-12, rtol=1e-15, maxiter=500)


def iterated(kernel, r0, step, target, limit=20000):
    r = r0.copy()
    for s in range(limit + 1):
        if np.linalg.norm(r) <= target:
            return s
        r = r - step * (kernel @ r)
    return None


def main():
    out = []
    for case in json.load(sys.stdin):
        m = case["m"]
        kernel = np.array(case["kernel"], dtype=np.float64).reshape(m, m)
        r0 = np.array(case["r0"], dtype=np.float64)
        out.append({
            "root": root(kernel, r0, case["step"], case["target"]),
            "iterated": iterated(kernel, r0, case["step"], case["target"]),
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
