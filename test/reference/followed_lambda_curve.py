#!/usr/bin/env python3
"""Independent numpy reference for the linearised Newton flow with a λ that
changes every step (lib/experiments/linearised-steps.ts, linearisedNewtonCurve;
docs/math.md §4: the Gauss–Newton kernel is K (K + λI)⁻¹).

    python3 test/reference/followed_lambda_curve.py < request.json

The request is a list of cases {"m", "kernel" (m×m, row-major, flat), "r0",
"alpha", "lambdas"}; the answer is a list of curves [|r_0|, |r_1|, …], with
r_{t+1} = r_t − alpha·K·solve(K + lambdas[t]·I, r_t) iterated in the original
basis (no eigen-decomposition).
"""
import json
import sys

import numpy as np


def curve(kernel, r0, alpha, lambdas):
    m = kernel.shape[0]
    r = r0.copy()
    out = [float(np.linalg.norm(r))]
    for lam in lambdas:
        r = r - alpha * (kernel @ np.linalg.solve(kernel + lam * np.eye(m), r))
        out.append(float(np.linalg.norm(r)))
    return out


def main():
    out = []
    for case in json.load(sys.stdin):
        m = case["m"]
        kernel = np.array(case["kernel"], dtype=np.float64).reshape(m, m)
        out.append(curve(kernel, np.array(case["r0"], dtype=np.float64), case["alpha"], case["lambdas"]))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
