#!/usr/bin/env python3
"""Independent numpy reference for the network of C outputs of docs/math.md §8: f, the
explicit Jacobian, the Newton system of §3 and the kernels of §4 and §5, with the round-off
bounds a comparison needs.

    python3 test/reference/multi_output.py DIR [DIR ...]
    python3 test/reference/multi_output.py --self-test

Each DIR holds

    config.json   {"width": N, "dim": d, "outputs": C, "activation": ..., "beta": β, "bias": bool}
                  ("outputs" may be left out: C = 1)
    c.npy (N×C)   W.npy (N×d)   b.npy (N, only with bias)   X.npy (M×d)   y.npy (M×C)
    Xstar.npy     optional test points (M*×d) for the cross-kernels
    request.json  optional {"lambda": {"full": λ, "gauss-newton": λ},
                            "limit": {"sigmaW": σ_w, "sigmaB": σ_b}}

(c and y of C = 1 may also be vectors) and receives multi-output-reference.json. Every
matrix is flat, row-major; every index over outputs is sample-major (j·C + k is output k at
point j); θ is neuron-major with blocks [cᵢ (C), wᵢ (d), bᵢ] of q = C + d + 1 (C + d
without bias).

    f, r, rho     f(X) (M·C), r = f(X) − y, ρ = N^(−β) Σᵢ |cᵢₖ σ(uᵢ)| + |yₖ| (bounds |r| and
                  the terms it is summed from)
    J             ∂f(xⱼ)ₖ/∂θ_p, (M·C)×P; jacobianNorm ‖J‖₂
    gradient      g = Jᵀr/M (P)
    sBlocks       the N blocks Sᵢ (q×q each) of S = (1/M) Σⱼ Σₖ rⱼₖ ∇²_θ fₖ(xⱼ)
    hessian       H = JᵀJ/M + S (P×P)
    auto          {"lambda", "certificate", "minEigenvalue"}: μ = minᵢ λ_min(Sᵢ), the rule
                  λ = 10⁻¹² + 1.1·max(0, −μ) of docs/math.md §3 and minᵢ λ_min(Sᵢ + λI)
    ntk           Θ/M = JJᵀ/M, (M·C)×(M·C); ntkError ‖ΔΘ‖_F/‖Θ‖_F that round-off can cause
    ntkTraced     (1/C) Σₖ Θ_{·k,·k}/M (M×M), the output-traced kernel; ntkTracedError
    gdStep        1/μ_max(Θ/M)
    full, gauss-newton (for each λ requested; H → G = JᵀJ/M for Gauss–Newton):
      direction          δ = (H + λI)⁻¹g, dense (numpy.linalg.solve)
      kernelDirection    δ = A⁻¹Jᵀ(M·I + Q)⁻¹r, A = S + λI (λI), Q = JA⁻¹Jᵀ (docs/math.md §3),
                         null when A is not positive definite
      kernelAgreement    ‖kernelDirection − direction‖/‖direction‖, and agreementBound: what
                         round-off allows it to be, (κ₂(H + λI) + κ₂(A)κ₂(M·I + Q))(P + M·C)ε — both
                         routes start from the same J, S and g, so only their solves differ: the dense
                         one amplifies its backward error by κ₂(H + λI), the kernel one solves with
                         A and then M·I + Q (the backward errors of sums of at most P + M·C terms)
      directionNorm, gradientDot (gᵀδ)
      kappa              κ₂(H + λI); kappaA κ₂(A); kappaKernel κ₂(M·I + Q)
      etaA, etaG         relative perturbations ‖ΔA‖/‖A‖, ‖Δg‖/‖g‖ round-off in forming
                         H + λI and g can cause (below)
      nntk               𝒦_N = J(H + λI)⁻¹Jᵀ/M = Q(M·I + Q)⁻¹, (M·C)×(M·C); nntkTraced
                         (1/C) Σₖ (𝒦_N)_{·k,·k} (M×M); kernelAmplification ‖J‖²‖(H + λI)⁻¹‖/(M‖𝒦_N‖)
      with Xstar: nntkCross J*(H + λI)⁻¹Jᵀ/M ((M*·C)×(M·C)), nntkCrossTraced (M*×M),
                  crossAmplification ‖J*‖‖J‖‖(H + λI)⁻¹‖/(M‖nntkCross‖)
      certificate        minᵢ λ_min(Sᵢ + λI) (full) or λ (Gauss–Newton)
    with Xstar: fStar f(X*), ntkCross J*Jᵀ/M, ntkCrossTraced, ntkCrossError
    limit (relu or erf, with "limit" requested): the closed forms of docs/math.md §5,
      kernel K∞(X, X)/M (M×M), kernelFull K∞ ⊗ I_C / M ((M·C)×(M·C)), the limit of ntk as
      N → ∞ (β = 1/2, c ~ N(0, 1), w ~ N(0, σ_w²I), b ~ N(0, σ_b²)); cross K∞(X*, X)/M with Xstar

Written from docs/math.md alone. With u = wᵢ·x + bᵢ, x̃ = [x; 1] (x̃ = x without bias):

    ∂fₖ/∂cᵢₗ = δₖₗ N^(−β) σ(u)          ∂fₖ/∂(wᵢ, bᵢ) = N^(−β) cᵢₖ σ′(u) x̃
    ∂²fₖ/∂cᵢ∂cᵢ = 0    ∂²fₖ/∂cᵢₗ∂(wᵢ, bᵢ) = δₖₗ N^(−β) σ′(u) x̃    ∂²fₖ/∂(wᵢ, bᵢ)² = N^(−β) cᵢₖ σ″(u) x̃x̃ᵀ

so Sᵢ's c–c block is 0, its c_l–(w, b) row is (N^(−β)/M) Σⱼ rⱼₗ σ′(uᵢⱼ) x̃ⱼ and its (w, b)
block is (N^(−β)/M) Σⱼ (Σₖ rⱼₖ cᵢₖ) σ″(uᵢⱼ) x̃ⱼx̃ⱼᵀ. Woodbury on H + λI = A + JᵀJ/M gives
(H + λI)⁻¹Jᵀr/M = A⁻¹Jᵀ(M·I + Q)⁻¹r with the identity of order M·C and the factor M of
the loss's 1/M (M points, not M·C).

The limit's closed forms (Σ of §5; relu: Cho & Saul's arc-cosine kernels, erf: Williams 1997):

    relu  E[σσ′] = √(Σ₁₁Σ₂₂)(sin t + (π − t) cos t)/(2π),  E[σ′σ′] = (π − t)/(2π),
          t = arccos(Σ₁₂/√(Σ₁₁Σ₂₂))
    erf   E[σσ′] = (2/π) arcsin(2Σ₁₂/√((1 + 2Σ₁₁)(1 + 2Σ₂₂))),
          E[σ′σ′] = (4/π) E[e^(−u²−u′²)] = (4/π)/√det(I + 2Σ)

The round-off bounds (ε = 2.2e-16; a sum of n terms is off by at most nε·Σ|terms|, with 16
roundings more for each activation value) are those of newton_reference.py with M·C rows:

    |ΔS| ≤ (N + M·C + q + 16)ε·Sabs,   |ΔG| ≤ (M·C + 16)ε·|J|ᵀ|J|/M,
    |Δg| ≤ (N + M·C + 16)ε·|J|ᵀρ/M,    |ΔΘ| ≤ (P + 16)ε·|J||J|ᵀ/M

(Sabs is S with every factor replaced by its absolute value and r by ρ); a backward-stable
solve of a system perturbed by η has relative forward error ≤ κ(η_A + η_g + 4Pε).

--self-test checks this script against itself and its neighbours, for every activation,
C ∈ {1, 3}, bias on and off: J against central differences of f and H against central
differences of g (each within the Richardson estimate of its truncation error plus
round-off), the kernel direction against the dense one within agreementBound, 𝒦_N against
Q(M·I + Q)⁻¹, C = 1 against two_layer.py, the closed-form limits against
limit_quadrature.py's adaptive quadrature, and ntk of a wide network against K∞ ⊗ I_C / M
within six standard errors of the mean over its neurons.
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from two_layer import activation, load  # noqa: E402

EPS = 2.2e-16
LAMBDA_FLOOR = 1e-12
MARGIN = 0.1
LIMIT_ACTIVATIONS = ("relu", "erf")


class Network:
    """The parameters of docs/math.md §8 and what they compute at points X."""

    def __init__(self, config, c, W, b):
        self.n, self.d = int(config["width"]), int(config["dim"])
        self.C = int(config.get("outputs", 1))
        self.beta = float(config["beta"])
        self.bias = bool(config["bias"])
        self.act = config["activation"]
        self.c = np.asarray(c, dtype=float).reshape(self.n, self.C)
        self.W = np.asarray(W, dtype=float).reshape(self.n, self.d)
        self.b = np.asarray(b, dtype=float).reshape(self.n) if self.bias else None
        self.k = self.d + (1 if self.bias else 0)
        self.q = self.C + self.k
        self.P = self.n * self.q
        self.scale = float(self.n) ** (-self.beta)

    def theta(self):
        blocks = [self.c, self.W] + ([self.b[:, None]] if self.bias else [])
        return np.hstack(blocks).ravel()

    def with_theta(self, theta):
        T = np.asarray(theta).reshape(self.n, self.q)
        config = {"width": self.n, "dim": self.d, "outputs": self.C, "beta": self.beta, "bias": self.bias, "activation": self.act}
        return Network(config, T[:, : self.C], T[:, self.C : self.C + self.d], T[:, -1] if self.bias else None)

    def augmented(self, X):
        return np.hstack([X, np.ones((X.shape[0], 1))]) if self.bias else X

    def inner(self):
        return np.hstack([self.W, self.b[:, None]]) if self.bias else self.W

    def features(self, X):
        Xt = self.augmented(X)
        return (Xt,) + activation(self.act, Xt @ self.inner().T)

    def f(self, X):
        """f(X), M×C."""
        _, s0, _, _ = self.features(X)
        return self.scale * (s0 @ self.c)

    def jacobian(self, X):
        """J, (M·C)×P: row j·C + k, column i·q + p."""
        Xt, s0, s1, _ = self.features(X)
        m, n, C, q = X.shape[0], self.n, self.C, self.q
        J = np.zeros((m, C, n, q))
        for k in range(C):
            J[:, k, :, k] = self.scale * s0  # ∂fₖ/∂cᵢₖ; ∂fₖ/∂cᵢₗ = 0 for l ≠ k
            J[:, k, :, C:] = self.scale * (s1 * self.c[None, :, k])[:, :, None] * Xt[:, None, :]
        return J.reshape(m * C, n * q)

    def curvature_blocks(self, X, R, absolute=False):
        """(1/M) Σⱼ Σₖ Rⱼₖ ∇²_θᵢ fₖ(xⱼ) for every neuron i, N×q×q (absolute: every factor by its magnitude)."""
        Xt, _, s1, s2 = self.features(X)
        c = self.c
        if absolute:
            Xt, s1, s2, c = np.abs(Xt), np.abs(s1), np.abs(s2), np.abs(c)
        m, C = X.shape[0], self.C
        out = np.zeros((self.n, self.q, self.q))
        mixed = np.einsum("jl,ji,jp->ilp", R, s1, Xt) * (self.scale / m)  # N × C × k
        out[:, :C, C:] = mixed
        out[:, C:, :C] = np.transpose(mixed, (0, 2, 1))
        weight = np.einsum("jk,ik->ji", R, c)  # Σₖ Rⱼₖ cᵢₖ, M × N
        out[:, C:, C:] = np.einsum("ji,ji,jp,jr->ipr", weight, s2, Xt, Xt) * (self.scale / m)
        return out


def block_diagonal(blocks):
    n, q, _ = blocks.shape
    out = np.zeros((n * q, n * q))
    for i in range(n):
        out[i * q : (i + 1) * q, i * q : (i + 1) * q] = blocks[i]
    return out


def traced(K, C):
    """(1/C) Σₖ K_{·k,·k}: the mean of the C diagonal output blocks of a sample-major kernel."""
    rows, cols = K.shape[0] // C, K.shape[1] // C
    return np.einsum("ikjk->ij", K.reshape(rows, C, cols, C)) / C


def spd_condition(A):
    """κ₂(A) of a symmetric positive definite A, or None when A is not positive definite."""
    w = np.linalg.eigvalsh(A)
    return float(w[-1] / w[0]) if w[0] > 0 else None


def limit_expectations(name, s11, s12, s22):
    """E[σ(u)σ(u′)] and E[σ′(u)σ′(u′)], (u, u′) ~ N(0, [[s11, s12], [s12, s22]]), closed forms."""
    if name == "relu":
        norm = np.sqrt(s11 * s22)
        t = np.arccos(np.clip(s12 / norm, -1.0, 1.0))
        return norm * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi), (np.pi - t) / (2 * np.pi)
    if name == "erf":
        a, b = 1 + 2 * s11, 1 + 2 * s22
        return 2 / np.pi * np.arcsin(2 * s12 / np.sqrt(a * b)), 4 / np.pi / np.sqrt(a * b - 4 * s12 * s12)
    raise ValueError(f"no closed-form limit for {name!r}")


def limit_kernel(name, sigma_w, sigma_b, bias, A, B):
    """K∞(A, B) of docs/math.md §5 (E[c²] = 1)."""
    offset = sigma_b * sigma_b if bias else 0.0
    s11 = sigma_w**2 * np.sum(A * A, axis=1)[:, None] + offset
    s22 = sigma_w**2 * np.sum(B * B, axis=1)[None, :] + offset
    s12 = sigma_w**2 * (A @ B.T) + offset
    value, slope = limit_expectations(name, s11, s12, s22)
    return value + slope * (A @ B.T + (1.0 if bias else 0.0))


def flat(a):
    return np.asarray(a).ravel().tolist()


def reference_of(config, c, W, b, X, y, Xstar=None, request=None):
    """Everything the module docstring lists, as a dict of JSON-ready values."""
    request = request or {}
    net = Network(config, c, W, b)
    m, C, n, q, P = X.shape[0], net.C, net.n, net.q, net.P
    rows = m * C
    Y = np.asarray(y, dtype=float).reshape(m, C)
    F = net.f(X)
    R = F - Y
    r = R.ravel()
    _, s0, _, _ = net.features(X)
    rho = net.scale * (np.abs(s0) @ np.abs(net.c)) + np.abs(Y)  # M×C
    J = net.jacobian(X)
    absJ = np.abs(J)
    g = J.T @ r / m
    S_blocks = net.curvature_blocks(X, R)
    S = block_diagonal(S_blocks)
    Sabs = block_diagonal(net.curvature_blocks(X, rho, absolute=True))
    G = J.T @ J / m
    H = G + S

    mu = float(min(np.linalg.eigvalsh(B)[0] for B in S_blocks))
    lam_auto = LAMBDA_FLOOR + (1 + MARGIN) * max(0.0, -mu)

    def certificate(lam):
        return float(min(np.linalg.eigvalsh(B + lam * np.eye(q))[0] for B in S_blocks))

    K = J @ J.T / m
    Kabs = absJ @ absJ.T / m
    Kt = traced(K, C)
    out = {
        "f": flat(F),
        "r": flat(r),
        "rho": flat(rho),
        "J": flat(J),
        "jacobianNorm": float(np.linalg.norm(J, 2)),
        "gradient": flat(g),
        "sBlocks": [flat(B) for B in S_blocks],
        "hessian": flat(H),
        "auto": {"lambda": lam_auto, "certificate": certificate(lam_auto), "minEigenvalue": mu},
        "ntk": flat(K),
        "ntkError": (P + 16) * EPS * float(np.linalg.norm(Kabs) / np.linalg.norm(K)),
        "ntkTraced": flat(Kt),
        "ntkTracedError": (P + 16) * EPS * float(np.linalg.norm(traced(Kabs, C)) / np.linalg.norm(Kt)),
        "gdStep": float(1 / np.linalg.eigvalsh(K)[-1]),
    }

    Jstar = None
    if Xstar is not None:
        Jstar = net.jacobian(Xstar)
        Kstar = Jstar @ J.T / m
        Kstar_abs = np.abs(Jstar) @ absJ.T / m
        out["fStar"] = flat(net.f(Xstar))
        out["ntkCross"] = flat(Kstar)
        out["ntkCrossTraced"] = flat(traced(Kstar, C))
        out["ntkCrossError"] = (P + 16) * EPS * float(np.linalg.norm(Kstar_abs) / np.linalg.norm(Kstar))

    Gerr = (rows + 16) * EPS * (absJ.T @ absJ / m)
    Serr = (n + rows + q + 16) * EPS * Sabs
    gerr = (n + rows + 16) * EPS * (absJ.T @ rho.ravel() / m)
    for hessian, lam in request.get("lambda", {}).items():
        full = hessian == "full"
        curvature, err = (H, Gerr + Serr) if full else (G, Gerr)
        Afull = curvature + lam * np.eye(P)
        delta = np.linalg.solve(Afull, g)
        solved = np.linalg.solve(Afull, J.T)  # (H + λI)⁻¹Jᵀ, P × M·C
        KN = J @ solved / m
        kappa = float(np.linalg.cond(Afull))
        inverse_norm = 1 / np.linalg.eigvalsh(Afull)[0]
        entry = {
            "direction": flat(delta),
            "directionNorm": float(np.linalg.norm(delta)),
            "gradientDot": float(g @ delta),
            "kappa": kappa,
            "etaA": float(np.linalg.norm(err) / np.linalg.norm(Afull, 2)),
            "etaG": float(np.linalg.norm(gerr) / np.linalg.norm(g)),
            "nntk": flat(KN),
            "nntkTraced": flat(traced(KN, C)),
            "kernelAmplification": float(np.linalg.norm(J, 2) ** 2 * inverse_norm / (m * np.linalg.norm(KN, 2))),
            "certificate": certificate(lam) if full else lam,
            "kernelDirection": None,
        }
        A = (S if full else np.zeros((P, P))) + lam * np.eye(P)
        kappa_a = spd_condition(A)
        entry["kappaA"] = kappa_a
        if kappa_a is not None:
            AinvJt = np.linalg.solve(A, J.T)
            Q = J @ AinvJt
            system = m * np.eye(rows) + Q
            kernel_delta = AinvJt @ np.linalg.solve(system, r)
            kappa_k = spd_condition(system)
            entry["kernelDirection"] = flat(kernel_delta)
            entry["kappaKernel"] = kappa_k
            entry["kernelAgreement"] = float(np.linalg.norm(kernel_delta - delta) / np.linalg.norm(delta))
            entry["agreementBound"] = (kappa + kappa_a * kappa_k) * (P + rows) * EPS
            entry["nntkFromQ"] = flat(np.linalg.solve(system, Q).T)  # Q(M·I + Q)⁻¹ = ((M·I + Q)⁻¹Q)ᵀ, both symmetric
        if Jstar is not None:
            cross = Jstar @ solved / m
            entry["nntkCross"] = flat(cross)
            entry["nntkCrossTraced"] = flat(traced(cross, C))
            entry["crossAmplification"] = float(
                np.linalg.norm(Jstar, 2) * np.linalg.norm(J, 2) * inverse_norm / (m * np.linalg.norm(cross, 2))
            )
        out[hessian] = entry

    if "limit" in request and net.act in LIMIT_ACTIVATIONS:
        sw = float(request["limit"].get("sigmaW", 1.0))
        sb = float(request["limit"].get("sigmaB", 1.0))
        Kinf = limit_kernel(net.act, sw, sb, net.bias, X, X) / m
        limit = {"kernel": flat(Kinf), "kernelFull": flat(np.kron(Kinf, np.eye(C)) + 0.0)}  # + 0: the zero blocks without −0
        if Xstar is not None:
            limit["cross"] = flat(limit_kernel(net.act, sw, sb, net.bias, Xstar, X) / m)
        out["limit"] = limit
    return out


def reference(directory):
    directory = Path(directory)
    config = json.loads((directory / "config.json").read_text())
    n, d = int(config["width"]), int(config["dim"])
    X = load(directory, "X")
    X = X.reshape(X.shape[0], d)
    Xstar = load(directory, "Xstar").reshape(-1, d) if (directory / "Xstar.npy").exists() else None
    b = load(directory, "b") if bool(config["bias"]) else None
    request_file = directory / "request.json"
    request = json.loads(request_file.read_text()) if request_file.exists() else {}
    out = reference_of(config, load(directory, "c"), load(directory, "W").reshape(n, d), b, X, load(directory, "y"), Xstar, request)
    (directory / "multi-output-reference.json").write_text(json.dumps(out))


# --- self-test ---------------------------------------------------------------------------


def central_differences(fun, x, h):
    """Columns (fun(x + h eₚ) − fun(x − h eₚ))/(2h), one per coordinate p."""
    cols = []
    for p in range(x.size):
        e = np.zeros_like(x)
        e[p] = h
        cols.append((fun(x + e) - fun(x - e)) / (2 * h))
    return np.stack(cols, axis=1)


def check_derivative(name, exact, fun, x, h, magnitude):
    """exact ≈ d fun/dx within the Richardson estimate |D(h) − D(h/2)| of D(h/2)'s truncation
    error (D's error is O(h²), so D(h/2)'s is a third of that difference) plus the round-off
    of the differences, 4ε·magnitude/h. A wrong exact value does not shrink with h, so this fails."""
    coarse = central_differences(fun, x, h)
    fine = central_differences(fun, x, h / 2)
    bound = np.abs(coarse - fine) + 8 * EPS * magnitude / h + 1e-300
    excess = np.abs(exact - fine) / bound
    assert excess.max() <= 1, f"{name}: differs from central differences by {excess.max():.3g}× the bound"


def random_case(rng, activation_name, C, bias, n=5, d=2, m=4):
    config = {"width": n, "dim": d, "outputs": C, "activation": activation_name, "beta": 0.5, "bias": bias}
    c = rng.standard_normal((n, C))
    W = rng.standard_normal((n, d))
    b = rng.standard_normal(n) if bias else None
    X = rng.standard_normal((m, d))
    y = rng.standard_normal((m, C))
    return config, c, W, b, X, y


def self_test_case(rng, act, C, bias):
    from two_layer import derivatives

    config, c, W, b, X, y = random_case(rng, act, C, bias)
    Xstar = rng.standard_normal((3, X.shape[1]))
    m = X.shape[0]
    # Twice the certified λ (plus a margin), so that A = S + λI is positive definite and the kernel formula applies.
    lam = {"full": 2 * reference_of(config, c, W, b, X, y)["auto"]["lambda"] + 0.1, "gauss-newton": 0.05}
    out = reference_of(config, c, W, b, X, y, Xstar, {"lambda": lam, "limit": {}})
    net = Network(config, c, W, b)
    theta = net.theta()
    P, rows = net.P, m * C
    label = f"{act}, C = {C}, bias {bias}"
    scale_f = float(np.max(np.abs(out["rho"])))

    J = np.array(out["J"]).reshape(rows, P)
    check_derivative(f"J ({label})", J, lambda t: net.with_theta(t).f(X).ravel(), theta, 1e-4, scale_f)

    def gradient(t):
        other = net.with_theta(t)
        return other.jacobian(X).T @ (other.f(X) - y).ravel() / m

    H = np.array(out["hessian"]).reshape(P, P)
    scale_g = float(np.max(np.abs(J).T @ np.array(out["rho"]) / m))
    check_derivative(f"H ({label})", H, gradient, theta, 1e-4, scale_g)
    assert np.array_equal(H, H.T) or np.max(np.abs(H - H.T)) <= 8 * EPS * np.max(np.abs(H)), f"H ({label}) is not symmetric"

    for hessian in lam:
        e = out[hessian]
        assert e["kernelDirection"] is not None, f"{hessian} ({label}): A is not positive definite at λ = {lam[hessian]}"
        assert e["kernelAgreement"] <= e["agreementBound"], f"{hessian} kernel direction ({label}): {e['kernelAgreement']:.3g} > {e['agreementBound']:.3g}"
        KN, KQ = np.array(e["nntk"]), np.array(e["nntkFromQ"])
        bound = e["kernelAmplification"] * e["agreementBound"]
        assert np.linalg.norm(KN - KQ) <= bound * np.linalg.norm(KN), f"{hessian} 𝒦_N vs Q(MI + Q)⁻¹ ({label})"

    if C == 1:
        # The C = 1 network is §1's: two_layer.py, written separately, must give the same numbers.
        old = derivatives(config, c.ravel(), W, b, X, y.ravel())
        for key, mine in (("f", out["f"]), ("J", out["J"]), ("H", out["hessian"]), ("g", out["gradient"])):
            theirs = np.ravel(old[key])
            assert np.allclose(mine, theirs, rtol=0, atol=64 * EPS * max(1.0, float(np.max(np.abs(theirs))))), f"{key} ({label}) vs two_layer.py"

    if act in LIMIT_ACTIVATIONS:
        from limit_quadrature import kernel as quadrature_kernel

        K, E = quadrature_kernel({"activation": act, "bias": bias, "sigmaW": 1.0, "sigmaB": 1.0}, X, X, m)
        mine = np.array(out["limit"]["kernel"]).reshape(m, m)
        assert np.all(np.abs(mine - K) <= E + 64 * EPS * np.abs(K)), f"closed-form K∞ ({label}) vs quadrature"
        assert np.array_equal(np.array(out["limit"]["kernelFull"]).reshape(rows, rows), np.kron(mine, np.eye(C)))


def self_test_width(rng, act, C, bias, n=10**6, m=3, d=2, chunk=50000):
    """Θ/M of a wide random network against K∞ ⊗ I_C / M: every entry of Θ is the mean over the
    N neurons of i.i.d. terms, so it lies within six of its standard errors (estimated from the
    same terms) of its expectation. N = 10⁶ makes the standard errors ≈ 10⁻³ of the entries."""
    config, c, W, b, X, _ = random_case(rng, act, C, bias, n=n, d=d, m=m)
    net = Network(config, c, W, b)
    Xt, s0, s1, _ = net.features(X)
    dots = Xt @ Xt.T
    eye = np.eye(C)
    def neuron_terms(start, stop):
        """term[i, (j, k), (j′, k′)] = δₖₖ′ σᵢ(xⱼ)σᵢ(xⱼ′) + cᵢₖcᵢₖ′ σ′ᵢ(xⱼ)σ′ᵢ(xⱼ′) x̃ⱼ·x̃ⱼ′ (§8's Θ is N^(−2β) Σᵢ)."""
        v, t, w = s0[:, start:stop].T, s1[:, start:stop].T, c[start:stop]
        values = v[:, :, None] * v[:, None, :]  # σᵢ(xⱼ)σᵢ(xⱼ′)
        slopes = t[:, :, None] * t[:, None, :] * dots  # σ′ᵢ(xⱼ)σ′ᵢ(xⱼ′) x̃ⱼ·x̃ⱼ′
        outputs = w[:, :, None] * w[:, None, :]  # cᵢₖcᵢₖ′
        terms = values[:, :, None, :, None] * eye[None, None, :, None, :] + slopes[:, :, None, :, None] * outputs[:, None, :, None, :]
        return terms.reshape(-1, m * C, m * C)

    # §8's structured Θ against the explicit Jacobian, on a network of the first neurons.
    few = 1000
    head = Network({**config, "width": few}, c[:few], W[:few], b[:few] if bias else None)
    J = head.jacobian(X)
    structured = neuron_terms(0, few).mean(axis=0)
    assert np.allclose(J @ J.T, structured, rtol=0, atol=4 * few * EPS * np.max(np.abs(structured))), "Θ from J vs §8's formula"

    total = np.zeros((m * C, m * C))
    squares = np.zeros((m * C, m * C))
    for start in range(0, n, chunk):
        terms = neuron_terms(start, start + chunk)
        total += terms.sum(axis=0)
        squares += (terms * terms).sum(axis=0)
    mean = total / n
    standard_error = np.sqrt(np.maximum(squares / n - mean * mean, 0.0) / n)
    limit = np.kron(limit_kernel(act, 1.0, 1.0, bias, X, X), eye)
    z = np.abs(mean - limit) / standard_error
    assert z.max() <= 6, f"wide {act} network (C = {C}, bias {bias}): Θ is {z.max():.2f} standard errors from K∞ ⊗ I_C"


def self_test():
    rng = np.random.default_rng(20261203)
    for act in ("tanh", "sigmoid", "sin", "softplus", "erf", "relu"):
        for C in (1, 3):
            for bias in (True, False):
                self_test_case(rng, act, C, bias)
    for act in LIMIT_ACTIVATIONS:
        self_test_width(rng, act, 3, True)
        self_test_width(rng, act, 2, False)
    print("multi_output.py self-test: all checks passed")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for directory in argv[1:]:
        reference(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
