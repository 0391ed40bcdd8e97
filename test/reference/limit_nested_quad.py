#!/usr/bin/env python3
"""Independent reference for the infinite-width kernel's two Gaussian
expectations (docs/math.md §5), entry by entry, by nested scipy.integrate.quad
(QUADPACK) in standard form:

    A = E[φ(u)φ(u′)],  B = E[φ′(u)φ′(u′)],  u = a z₁,  u′ = b(ρ z₁ + √(1−ρ²) z₂),

z₁, z₂ independent standard normal, a² = Σ₁₁, b² = Σ₂₂, ρ = Σ₁₂/(ab), and
Σ the covariance of (w·x + b, w·x′ + b) computed here from X. The inner
integral over z₂ breaks at the z₂ where u′ = 0 (where φ bends), the outer at
z₁ = 0; both are truncated to |z| ≤ 12 (the density there is 5e-32).

    python3 test/reference/limit_nested_quad.py < request.json > answer.json

request: {"activation", "X": [[...], ...], "sigmaW", "sigmaB", "bias"};
answer: {"A", "B", "inputs", "error", "errorA", "errorB"}: M×M lists
(lower triangle mirrored), errorA and errorB the bounds for A and B, inputs
= x̃·x̃′, error = a bound on |A − Â| + |B − B̂|·|x̃·x̃′| from QUADPACK's
estimates (outer estimate plus the largest inner estimate, for each of A and B)
and 16ε·(|A| + |B||x̃·x̃′|) for rounding.
"""

import json
import warnings
import math
import sys

import numpy as np
from scipy.integrate import quad
from scipy.special import expit

LIMIT = 12.0
OUTER = dict(epsabs=1e-13, epsrel=1e-13, limit=400)
INNER = dict(epsabs=1e-14, epsrel=1e-13, limit=400)
PDF = 1.0 / math.sqrt(2.0 * math.pi)


def functions(name):
    """φ, φ′ and bounds on E|φ(a z)|, E|φ′(a z)| (|tanh|, σ, σ′, tanh′ ≤ 1; softplus ≤ log 2 + u⁺)."""
    one = lambda a: 1.0
    if name == "tanh":
        return math.tanh, lambda u: 1.0 - math.tanh(u) ** 2, one, one
    if name == "sigmoid":
        return (lambda u: float(expit(u))), (lambda u: float(expit(u) * expit(-u))), one, one
    if name == "softplus":
        return (lambda u: float(np.logaddexp(0.0, u))), (lambda u: float(expit(u))), (lambda a: math.log(2.0) + a * PDF), one
    if name == "erf":
        return math.erf, (lambda u: 2.0 / math.sqrt(math.pi) * math.exp(-u * u)), one, (lambda a: 2.0 / math.sqrt(math.pi))
    if name == "sin":
        return math.sin, math.cos, one, one
    if name == "relu":
        # The kink at u = 0 is where both rules split (z₁ = 0 outside, the conditional root inside).
        return (lambda u: max(0.0, u)), (lambda u: 1.0 if u > 0 else 0.0), (lambda a: a * PDF), one
    raise SystemExit(f"unknown activation {name}")


def expectation(f, mean_abs, a, b, rho):
    """E[f(a z₁) f(b(ρ z₁ + √(1−ρ²) z₂))] and an error bound; mean_abs(a) bounds E|f(a z)|."""
    tau = b * math.sqrt(max(0.0, 1.0 - rho * rho))
    inner_error = [0.0]

    def inner(z1):
        mu = b * rho * z1
        if tau < 1e-300:
            return f(mu)
        kink = min(LIMIT, max(-LIMIT, -mu / tau))
        total = 0.0
        for lo, hi in ((-LIMIT, kink), (kink, LIMIT)):
            if hi > lo:
                v, e = quad(lambda z2: f(mu + tau * z2) * PDF * math.exp(-0.5 * z2 * z2), lo, hi, **INNER)
                total += v
                inner_error[0] = max(inner_error[0], e)
        return total

    total = 0.0
    outer_error = 0.0
    for lo, hi in ((-LIMIT, 0.0), (0.0, LIMIT)):
        v, e = quad(lambda z1: f(a * z1) * PDF * math.exp(-0.5 * z1 * z1) * inner(z1), lo, hi, **OUTER)
        total += v
        outer_error += e
    # The inner errors enter the outer integral weighted by |f(a z₁)|·density: at most E|f(a z)| times the largest.
    return total, outer_error + 2 * inner_error[0] * mean_abs(a)


def main():
    warnings.simplefilter("ignore")
    req = json.load(sys.stdin)
    f, df, f_abs, df_abs = functions(req["activation"])
    X = np.asarray(req["X"], dtype=float)
    m = X.shape[0]
    sw, sb, bias = req["sigmaW"], req["sigmaB"], req["bias"]
    V = sw * X
    Xt = X
    if bias:
        V = np.hstack([V, np.full((m, 1), sb)])
        Xt = np.hstack([X, np.ones((m, 1))])
    S = V @ V.T
    P = Xt @ Xt.T
    A = np.zeros((m, m))
    B = np.zeros((m, m))
    E = np.zeros((m, m))
    EA = np.zeros((m, m))
    EB = np.zeros((m, m))
    for i in range(m):
        for j in range(i + 1):
            a, b = math.sqrt(S[i, i]), math.sqrt(S[j, j])
            rho = 0.0 if a == 0 or b == 0 else max(-1.0, min(1.0, S[i, j] / (a * b)))
            va, ea = expectation(f, f_abs, a, b, rho)
            vb, eb = expectation(df, df_abs, a, b, rho)
            A[i, j] = A[j, i] = va
            B[i, j] = B[j, i] = vb
            EA[i, j] = EA[j, i] = ea + 16 * 2.2e-16 * abs(va)
            EB[i, j] = EB[j, i] = eb + 16 * 2.2e-16 * abs(vb)
            E[i, j] = E[j, i] = ea + eb * abs(P[i, j]) + 16 * 2.2e-16 * (abs(va) + abs(vb) * abs(P[i, j]))
    json.dump({"A": A.tolist(), "B": B.tolist(), "inputs": P.tolist(), "error": E.tolist(), "errorA": EA.tolist(), "errorB": EB.tolist()}, sys.stdout)


main()
