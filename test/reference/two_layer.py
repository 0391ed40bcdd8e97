#!/usr/bin/env python3
"""Independent numpy reference for the two-layer network of docs/math.md §1–2.

    python3 test/reference/two_layer.py DIR [DIR ...]

Each DIR holds the inputs

    config.json  {"width": N, "dim": d, "activation": ..., "beta": β, "bias": bool}
    c.npy (N)    W.npy (N×d)    b.npy (N, only with bias)    X.npy (M×d)    y.npy (M)

and receives the outputs

    f.npy  (M)    f(X; θ) = N^(−β) Σᵢ cᵢ σ(wᵢ·x + bᵢ)
    J.npy  (M×P)  J[j, p] = ∂f(xⱼ)/∂θ_p, θ neuron-major: blocks [cᵢ, wᵢ₁…wᵢd, bᵢ] of q
    S.npy  (P×P)  S = (1/M) Σⱼ rⱼ ∇²_θ f(xⱼ), r = f(X) − y (block-diagonal)
    H.npy  (P×P)  ∇²L = JᵀJ/M + S,   L = |f(X) − y|² / (2M)
    g.npy  (P)    ∇L = Jᵀr/M

Written from docs/math.md alone (not from the TypeScript): the derivatives are the
formulas of §2,

    ∂f/∂cᵢ = N^(−β) σ(u)               ∂f/∂(wᵢ, bᵢ) = N^(−β) cᵢ σ′(u) x̃
    ∂²f/∂cᵢ² = 0    ∂²f/∂cᵢ∂(wᵢ, bᵢ) = N^(−β) σ′(u) x̃    ∂²f/∂(wᵢ, bᵢ)² = N^(−β) cᵢ σ″(u) x̃x̃ᵀ

with u = wᵢ·x + bᵢ and x̃ = [x; 1] (x̃ = x without bias). Several DIRs may be
given so that a test suite pays the interpreter start-up once.
"""

import json
import sys
from pathlib import Path

import numpy as np
from scipy.special import erf, expit

TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


def activation(name, u):
    """σ(u), σ′(u), σ″(u), elementwise."""
    if name == "tanh":
        t = np.tanh(u)
        with np.errstate(over="ignore"):
            d1 = 1.0 / np.cosh(u) ** 2  # sech², 0 when cosh overflows
        return t, d1, -2.0 * t * d1
    if name == "sigmoid":
        s = expit(u)
        d1 = s * expit(-u)  # σ(u)(1 − σ(u)) without cancellation
        return s, d1, d1 * (1.0 - 2.0 * s)
    if name == "sin":
        return np.sin(u), np.cos(u), -np.sin(u)
    if name == "softplus":
        # log(1 + eᵘ) = max(u, 0) + log1p(e^(−|u|)): no overflow, no lost digits.
        value = np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u)))
        s = expit(u)
        return value, s, s * expit(-u)
    if name == "erf":
        d1 = TWO_OVER_SQRT_PI * np.exp(-u * u)
        return erf(u), d1, -2.0 * u * d1
    if name == "relu":
        # docs/math.md §1: σ′(0) = 0 and σ″ ≡ 0.
        return np.where(u > 0, u, 0.0), np.where(u > 0, 1.0, 0.0), np.zeros_like(u)
    raise ValueError(f"unknown activation {name!r}")


def load(directory, name):
    a = np.load(directory / f"{name}.npy")
    if a.dtype != np.float64:
        raise ValueError(f"{directory / name}.npy: dtype {a.dtype}, expected float64")
    return a


def load_case(directory):
    """The network, the points and the targets stored in DIR."""
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text())
    n, d = int(config["width"]), int(config["dim"])
    c = load(directory, "c").reshape(n)
    W = load(directory, "W").reshape(n, d)
    b = load(directory, "b").reshape(n) if bool(config["bias"]) else None
    X = load(directory, "X")
    X = X.reshape(X.shape[0], d)
    y = load(directory, "y").reshape(X.shape[0])
    return config, c, W, b, X, y


def derivatives(config, c, W, b, X, y):
    """f, J, S, H, g of docs/math.md §2 at the points X, and the magnitudes the round-off bounds need:

    rho   (M)    N^(−β) Σᵢ |cᵢ σ(uᵢ)| + |y|: bounds |r| and the terms r is summed from
    Sabs  (P×P)  (1/M) Σⱼ ρⱼ |∇²_θ f(xⱼ)|, entrywise: bounds |S| and its terms
    """
    n = c.shape[0]
    beta, bias, act = float(config["beta"]), bool(config["bias"]), config["activation"]
    m = X.shape[0]
    if bias:
        Xt = np.hstack([X, np.ones((m, 1))])  # x̃ = [x; 1]
        inner = np.hstack([W, b[:, None]])  # row i = [wᵢ, bᵢ]
    else:
        Xt = X
        inner = W
    k = Xt.shape[1]
    q = k + 1
    P = n * q
    scale = float(n) ** (-beta)

    U = Xt @ inner.T  # M × N pre-activations
    s0, s1, s2 = activation(act, U)

    f = scale * (s0 @ c)
    r = f - y
    rho = scale * (np.abs(s0) @ np.abs(c)) + np.abs(y)

    # J as M × N × q, then flattened neuron-major (block i = columns i·q … i·q+q−1).
    J3 = np.empty((m, n, q))
    J3[:, :, 0] = scale * s0
    J3[:, :, 1:] = scale * (c[None, :] * s1)[:, :, None] * Xt[:, None, :]
    J = J3.reshape(m, P)

    def hessian_blocks(weights, d1, d2, coefficients, xt):
        """Block i = (1/M) Σⱼ weightsⱼ ∇²_θᵢ f(xⱼ), with σ′, σ″, cᵢ, x̃ replaced by d1, d2, coefficients, xt."""
        cross = np.einsum("j,ji,jp->ip", weights, d1, xt) * (scale / m)  # N × k: ∂²/∂c∂(w,b)
        second = np.einsum("j,ji,jp,jr->ipr", weights, d2, xt, xt) * (scale / m)  # N × k × k
        out = np.zeros((P, P))
        for i in range(n):
            block = np.zeros((q, q))
            block[0, 1:] = cross[i]
            block[1:, 0] = cross[i]
            block[1:, 1:] = coefficients[i] * second[i]
            out[i * q:(i + 1) * q, i * q:(i + 1) * q] = block
        return out

    S = hessian_blocks(r, s1, s2, c, Xt)
    Sabs = hessian_blocks(rho, np.abs(s1), np.abs(s2), np.abs(c), np.abs(Xt))

    g = J.T @ r / m
    H = J.T @ J / m + S
    return {"f": f, "r": r, "rho": rho, "J": J, "S": S, "Sabs": Sabs, "H": H, "g": g, "q": q}


def reference(directory):
    out = derivatives(*load_case(directory))
    for name in ("f", "J", "S", "H", "g"):
        np.save(Path(directory) / f"{name}.npy", np.ascontiguousarray(out[name], dtype="<f8"))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for directory in argv[1:]:
        reference(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
