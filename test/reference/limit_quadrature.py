#!/usr/bin/env python3
"""Independent reference for the infinite-width kernels of docs/math.md §5, by
scipy's adaptive quadrature (QUADPACK), for any activation.

    python3 test/reference/limit_quadrature.py DIR

DIR holds X.npy (M×d), optionally X2.npy (M2×d), and request.json

    {"configs": [{"activation", "bias", "sigmaW", "sigmaB"}, ...], "lambda": λ}

and receives limits.json, one entry per config:

    K          K∞(X, X)/M, row-major (M×M)
    Kerror     a bound on the absolute error of every entry of K: the outer
               rule's error estimate, the largest inner one times
               ∫|σ(az)|φ(z)dz, the truncation of both integrals to |z| ≤ 12
               (Gaussian tail < 1e-31 relative), and 64ε·|K| for rounding
    cross      K∞(X2, X)/M (M2×M) and crossError, when X2 is given
    N          (K/M)(λI + K/M)⁻¹ from this K by numpy.linalg.solve (M×M),
    Ncross     (K∞(X2, X)/M)(λI + K/M)⁻¹,
    minA       λ_min(λI + K/M), normN ‖N‖₂, kappaA κ₂(λI + K/M): what the
               error of K and of the solve can grow by in N

Written from docs/math.md alone:

    K∞(x, x′) = E[σ(u)σ(u′)] + E[σ′(u)σ′(u′)]·x̃·x̃′,  (u, u′) ~ N(0, Σ),
    Σ = [[σ_w²|x|² + σ_b², σ_w² x·x′ + σ_b²], [·, σ_w²|x′|² + σ_b²]]

(without bias: no σ_b and x̃ = x). Conditioning u′ on u = a·z, a = √Σ₁₁:
u′ = m·z + s·w with m = Σ₁₂/a, s = √(Σ₂₂ − Σ₁₂²/Σ₁₁), w ~ N(0, 1)
independent of z, so

    E[g(u)h(u′)] = ∫ g(a z) (∫ h(m z + s w) φ(w) dw) φ(z) dz,

two nested 1-D integrals. The outer one is scipy's adaptive Gauss–Kronrod
rule (quad_vec, vectorised over all pairs (x, x′), with its error estimate).
The inner one, for the smooth activations, is the trapezoidal rule with step
h = 0.04 on |w| ≤ 12, exponentially accurate for integrands analytic in a
strip (Trefethen & Weideman, SIAM Review 2014): the poles of tanh(m z + s w)
lie at distance π/(2s) ≥ 0.49 from the real axis for s² ≤ 10.5 (|x| ≤ 3,
σ = 1), so the error is ≈ exp(−2π·0.49/h) < 1e-30; its estimate, the
difference from the rule of step 2h, enters Kerror. For relu the inner
integral is the Gaussian identity E[relu(μ + s w)] = μΦ(μ/s) + sφ(μ/s)
(E[relu′] = Φ(μ/s)), and the outer rule breaks at relu's kink z = 0. a = 0
(u ≡ 0) and s = 0 (x ∥ x′) need no special case: the integrands are then
constant in z or w.
"""

import json
import sys
from pathlib import Path

import numpy as np
from scipy.integrate import quad_vec
from scipy.special import erf, expit, ndtr

EPS = 2.2e-16
LIMIT = 12.0  # |z| ≤ 12: φ(12) = 5e-32, so the tails carry < 1e-31 of any polynomially growing integrand
STEP = 0.04  # the inner trapezoidal rule's step on |w| ≤ 12
STEPS = 300
QUAD = {"epsabs": 1e-15, "epsrel": 1e-13, "norm": "max", "limit": 2000}


def phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def activation(name):
    """σ and σ′, elementwise."""
    if name == "tanh":
        with np.errstate(over="ignore"):
            return np.tanh, lambda u: 1.0 / np.cosh(u) ** 2
    if name == "sigmoid":
        return expit, lambda u: expit(u) * expit(-u)
    if name == "softplus":
        return (lambda u: np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u)))), expit
    if name == "erf":
        return erf, lambda u: 2 / np.sqrt(np.pi) * np.exp(-u * u)
    if name == "sin":
        return np.sin, np.cos
    if name == "relu":
        return (lambda u: np.maximum(u, 0.0)), (lambda u: np.where(u > 0, 1.0, 0.0))
    raise ValueError(f"unknown activation {name!r}")


def relu_gaussian(mean, s, slope):
    """E[relu(mean + s·w)] = mean·Φ(mean/s) + s·φ(mean/s), E[relu′(mean + s·w)] = Φ(mean/s) (s = 0: the point value)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(s > 0, mean / np.where(s > 0, s, 1.0), np.sign(mean) * np.inf)
    if slope:
        return np.where(s > 0, ndtr(t), (mean > 0).astype(float))
    return np.where(s > 0, mean * ndtr(t) + s * phi(np.where(np.isfinite(t), t, 0.0)), np.maximum(mean, 0.0))


def expectations(name, s11, s12, s22):
    """E[σ(u)σ(u′)] and E[σ′(u)σ′(u′)] for vectors of Σ entries, with bounds on their errors."""
    sigma, slope = activation(name)
    a = np.sqrt(s11)
    m = np.where(a > 0, s12 / np.where(a > 0, a, 1.0), 0.0)
    s = np.sqrt(np.maximum(0.0, s22 - np.where(a > 0, s12 * s12 / np.where(a > 0, s11, 1.0), 0.0)))
    inner_error = [np.zeros_like(s11), np.zeros_like(s11)]
    w = np.arange(-STEPS, STEPS + 1) * STEP  # the trapezoidal grid of the inner integral
    weights = STEP * phi(w)

    def inner(z, which):
        h = sigma if which == 0 else slope
        mean = m * z
        if name == "relu":
            return relu_gaussian(mean, s, which == 1)
        values = h(mean[:, None] + s[:, None] * w[None, :]) * weights[None, :]
        fine = values.sum(axis=1)
        coarse = 2 * values[:, ::2].sum(axis=1)  # step 2h: the grid has an odd number of points, the ends included
        inner_error[which] = np.maximum(inner_error[which], np.abs(fine - coarse))
        return fine

    out = []
    for which, g in ((0, sigma), (1, slope)):
        points = [0.0] if name == "relu" else None
        value, err = quad_vec(lambda z: g(a * z) * inner(z, which) * phi(z), -LIMIT, LIMIT, points=points, **QUAD)
        mass, _ = quad_vec(lambda z: np.abs(g(a * z)) * phi(z), -LIMIT, LIMIT, points=points, **QUAD)
        out.append((value, err + inner_error[which] * mass))
    return out


def kernel(config, A, B, m):
    """K∞(A, B)/m and the error bound of every entry."""
    sw, sb, bias = config["sigmaW"], config["sigmaB"], config["bias"]
    offset = sb * sb if bias else 0.0
    At = np.hstack([A, np.ones((A.shape[0], 1))]) if bias else A
    Bt = np.hstack([B, np.ones((B.shape[0], 1))]) if bias else B
    i, j = np.meshgrid(np.arange(A.shape[0]), np.arange(B.shape[0]), indexing="ij")
    i, j = i.ravel(), j.ravel()
    s11 = sw * sw * np.einsum("pk,pk->p", A[i], A[i]) + offset
    s22 = sw * sw * np.einsum("pk,pk->p", B[j], B[j]) + offset
    s12 = sw * sw * np.einsum("pk,pk->p", A[i], B[j]) + offset
    (v, ev), (d, ed) = expectations(config["activation"], s11, s12, s22)
    dot = np.einsum("pk,pk->p", At[i], Bt[j])
    K = (v + d * dot) / m
    E = (ev + ed * np.abs(dot) + 64 * EPS * (np.abs(v) + np.abs(d * dot))) / m
    shape = (A.shape[0], B.shape[0])
    return K.reshape(shape), E.reshape(shape)

def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = Path(argv[1])
    X = np.load(directory / "X.npy")
    X2 = np.load(directory / "X2.npy") if (directory / "X2.npy").exists() else None
    request = json.loads((directory / "request.json").read_text())
    lam = request["lambda"]
    m = X.shape[0]
    out = []
    for config in request["configs"]:
        K, E = kernel(config, X, X, m)
        K = (K + K.T) / 2  # the pairs (i, j) and (j, i) are integrated separately; K∞ is symmetric
        A = lam * np.eye(m) + K
        N = np.linalg.solve(A, K).T  # (K/M)(λI + K/M)⁻¹ = ((λI + K/M)⁻¹ K/M)ᵀ, both symmetric
        entry = {
            "K": K.ravel().tolist(),
            "Kerror": float(E.max()),
            "N": N.ravel().tolist(),
            "minA": float(np.linalg.eigvalsh(A)[0]),
            "normN": float(np.linalg.norm(N, 2)),
            "kappaA": float(np.linalg.cond(A)),
        }
        if X2 is not None:
            C, CE = kernel(config, X2, X, m)
            entry["cross"] = C.ravel().tolist()
            entry["crossError"] = float(CE.max())
            entry["Ncross"] = np.linalg.solve(A, C.T).T.ravel().tolist()
        out.append(entry)
    (directory / "limits.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
