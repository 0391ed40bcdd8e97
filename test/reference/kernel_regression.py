#!/usr/bin/env python3
"""Independent scipy reference for the kernel-regression predictors of docs/math.md §9.

    python3 test/reference/kernel_regression.py < request.json > answer.json

The request is a JSON list of cases {"m", "c", "ms", "K", "cross", "r0", "f0", "ridge",
"when"}: K the m×m training kernel, cross the ms×m cross-kernel, r0 = f₀(X) − y (m×c)
and f0 = f₀(X*) (ms×c), all flat row-major; "when" is {"time": t} (t may be the string
"inf") or {"steps": s, "stepSize": a}. The answer lists, per case, {"test", "trainChange"}:
f₀(X*) − cross·w and −K·w, the change of f at the training points (flat), with w
computed without an eigen-decomposition:

    t finite   w = ∫₀ᵗ e^(−τ(K + ρI)) dτ · r0, the top-right block of expm(t·[[−Kρ, I], [0, 0]])
               (Van Loan, "Computing integrals involving the matrix exponential", 1978)
    s steps    w = a·Σ_{k<s} (I − a·Kρ)^k · r0, summed term by term
    t → ∞      w = Kρ⁻¹ · r0 by scipy.linalg.solve (assume_a='pos')

where Kρ = K + ρI.
"""
import json
import sys

import numpy as np
import scipy.linalg


def coefficients(K, r0, ridge, when):
    m = K.shape[0]
    Kr = K + ridge * np.eye(m)
    if "time" in when:
        t = when["time"]
        if t == "inf":
            return scipy.linalg.solve(Kr, r0, assume_a="pos")
        block = np.zeros((2 * m, 2 * m))
        block[:m, :m] = -Kr
        block[:m, m:] = np.eye(m)
        return scipy.linalg.expm(t * block)[:m, m:] @ r0
    s, a = when["steps"], when["stepSize"]
    w = np.zeros_like(r0)
    term = a * r0
    for _ in range(s):
        w += term
        term = term - a * (Kr @ term)
    return w


def main():
    answers = []
    for case in json.load(sys.stdin):
        m, c, ms = case["m"], case["c"], case["ms"]
        K = np.array(case["K"], dtype=np.float64).reshape(m, m)
        cross = np.array(case["cross"], dtype=np.float64).reshape(ms, m)
        r0 = np.array(case["r0"], dtype=np.float64).reshape(m, c)
        f0 = np.array(case["f0"], dtype=np.float64).reshape(ms, c)
        w = coefficients(K, r0, case["ridge"], case["when"])
        answers.append({"test": (f0 - cross @ w).ravel().tolist(), "trainChange": (-K @ w).ravel().tolist()})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
