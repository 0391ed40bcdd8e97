#!/usr/bin/env python3
"""Independent numpy reference for the Newton system of docs/math.md §3–4 and the
gradient-descent step of §6, with the round-off bounds a comparison needs.

    python3 test/reference/newton_reference.py DIR [DIR ...]

Each DIR holds the inputs of two_layer.py (config.json, c, W, b, X, y), an
optional Xstar.npy (test points for the cross-kernels) and an optional
request.json {"lambda": {"full": λ, "gauss-newton": λ}}; it receives
newton-reference.json with

    auto      {"lambda", "certificate", "minEigenvalue", "curvatureError"}:
              μ = minᵢ λ_min(Sᵢ) by eigvalsh of every q×q block, docs/math.md §3's
              rule λ = λ_floor + 1.1·max(0, −μ), the certificate
              minᵢ λ_min(Sᵢ + λI), and a bound on the error of μ in either
              implementation (below)
    ntk       J·Jᵀ/M (row-major, flat), ntkError: its relative error bound (Frobenius),
              ntkEigenvalues: its ascending eigenvalues by eigvalsh
    gdStep    1/μ_max(J·Jᵀ/M) by eigvalsh, gdStepError: its relative error bound
    residual  |f(X) − y| (absolute), f: f(X), rho: ρ of two_layer.py (bounds |f| + |y|)
    full, gauss-newton (for each λ requested), with H → G = JᵀJ/M for Gauss–Newton:
      direction    δ = (H + λI)⁻¹g by numpy.linalg.solve
      gradientDot  gᵀδ
      kappa        κ₂(H + λI) = cond(H + λI)
      etaA, etaG   relative perturbations ‖ΔA‖/‖A‖, ‖Δg‖/‖g‖ bounding what
                   round-off in forming A = H + λI and g can do (below)
      kernel       𝒦_N = J(H + λI)⁻¹Jᵀ/M (flat); kernelAmplification
                   ‖J‖²‖A⁻¹‖/(M‖𝒦_N‖)
      cross, ntkCross  with Xstar: J*(H + λI)⁻¹Jᵀ/M and J*Jᵀ/M (flat), with
                   crossAmplification ‖J*‖‖J‖‖A⁻¹‖/(M‖cross‖) and ntkCrossError
                   (P + 16)ε‖|J*||J|ᵀ‖/‖J*Jᵀ‖
      certificate  minᵢ λ_min(Sᵢ + λI) (full) or λ (Gauss–Newton)

The bounds (ε = 2.2e-16; standard dot-product bounds |fl(Σ) − Σ| ≤ nε·Σ|terms|,
with 16 extra roundings for each activation value, which vector libraries
compute to a few ulps):

    |ΔS| ≤ (N + M + q + 16)ε·Sabs   entrywise (r sums N terms, S sums M; Sabs
                                    from two_layer.py bounds every term),
    |ΔG| ≤ (M + 16)ε·|J|ᵀ|J|/M,     |Δg| ≤ (N + M + 16)ε·|J|ᵀρ/M,
    |ΔK_GD| ≤ (P + 16)ε·|J||J|ᵀ/M,

so ‖ΔA‖₂ ≤ ‖|ΔA|‖_F gives etaA and etaG, Weyl's theorem bounds the change of
every eigenvalue by the norm of the perturbation (curvatureError adds the
eigensolver's own backward error 4qε‖Sᵢ‖), and a backward-stable solve of a
system perturbed by η has relative forward error ≤ κ(η_A + η_g + 4Pε)
(Cholesky's backward error ≤ 4Pε‖A‖). A test comparing two implementations
allows the sum of both bounds.
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from two_layer import derivatives, load, load_case  # noqa: E402

EPS = 2.2e-16
LAMBDA_FLOOR = 1e-12
MARGIN = 0.1


def blocks(S, n, q):
    return [S[i * q:(i + 1) * q, i * q:(i + 1) * q] for i in range(n)]


def reference(directory):
    directory = Path(directory)
    config, c, W, b, X, y = load_case(directory)
    d = derivatives(config, c, W, b, X, y)
    n, m, q = c.shape[0], X.shape[0], d["q"]
    P = n * q
    J, S, Sabs, H, g, rho = d["J"], d["S"], d["Sabs"], d["H"], d["g"], d["rho"]
    absJ = np.abs(J)

    S_blocks = blocks(S, n, q)
    mu = min(np.linalg.eigvalsh(B)[0] for B in S_blocks)
    curvature_error = (n + m + q + 16) * EPS * max(np.linalg.norm(B) for B in blocks(Sabs, n, q)) + 4 * q * EPS * max(
        np.linalg.norm(B, 2) for B in S_blocks
    )
    lam_auto = LAMBDA_FLOOR + (1 + MARGIN) * max(0.0, -mu)

    def certificate(lam):
        return float(min(np.linalg.eigvalsh(B + lam * np.eye(q))[0] for B in S_blocks))

    K = J @ J.T / m
    Kabs = absJ @ absJ.T / m
    mu_max = np.linalg.eigvalsh(K)[-1]
    out = {
        "auto": {"lambda": lam_auto, "certificate": certificate(lam_auto), "minEigenvalue": float(mu), "curvatureError": curvature_error},
        "ntk": K.ravel().tolist(),
        "ntkEigenvalues": np.linalg.eigvalsh(K).tolist(),
        "ntkError": (P + 16) * EPS * float(np.linalg.norm(Kabs) / np.linalg.norm(K)),
        "gdStep": float(1 / mu_max),
        "gdStepError": (P + 16) * EPS * float(np.linalg.norm(Kabs) / mu_max),
        "residual": float(np.linalg.norm(d["r"])),
        "f": d["f"].tolist(),
        "rho": d["rho"].tolist(),
    }

    Jstar = None
    if (directory / "Xstar.npy").exists():
        Xstar = load(directory, "Xstar").reshape(-1, X.shape[1])
        Jstar = derivatives(config, c, W, b, Xstar, np.zeros(Xstar.shape[0]))["J"]

    request_file = directory / "request.json"
    request = json.loads(request_file.read_text()) if request_file.exists() else {}
    G = J.T @ J / m
    Gerr = (m + 16) * EPS * (absJ.T @ absJ / m)
    Serr = (n + m + q + 16) * EPS * Sabs
    gerr = (n + m + 16) * EPS * (absJ.T @ rho / m)
    for hessian, lam in request.get("lambda", {}).items():
        curv, err = (H, Gerr + Serr) if hessian == "full" else (G, Gerr)
        A = curv + lam * np.eye(P)
        delta = np.linalg.solve(A, g)
        solved = np.linalg.solve(A, J.T)  # A⁻¹Jᵀ, P × M
        KN = J @ solved / m
        entry = {
            "direction": delta.tolist(),
            "gradientDot": float(g @ delta),
            "kappa": float(np.linalg.cond(A)),
            "etaA": float(np.linalg.norm(err) / np.linalg.norm(A, 2)),
            "etaG": float(np.linalg.norm(gerr) / np.linalg.norm(g)),
            "kernel": KN.ravel().tolist(),
            "kernelAmplification": float(np.linalg.norm(J, 2) ** 2 / np.linalg.eigvalsh(A)[0] / (m * np.linalg.norm(KN, 2))),
            "certificate": certificate(lam) if hessian == "full" else lam,
        }
        if Jstar is not None:
            cross = Jstar @ solved / m
            Kstar = Jstar @ J.T / m
            entry["cross"] = cross.ravel().tolist()
            entry["crossAmplification"] = float(
                np.linalg.norm(Jstar, 2) * np.linalg.norm(J, 2) / np.linalg.eigvalsh(A)[0] / (m * np.linalg.norm(cross, 2))
            )
            entry["ntkCross"] = Kstar.ravel().tolist()
            entry["ntkCrossError"] = (P + 16) * EPS * float(np.linalg.norm(np.abs(Jstar) @ absJ.T / m) / np.linalg.norm(Kstar))
        out[hessian] = entry

    (directory / "newton-reference.json").write_text(json.dumps(out))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for directory in argv[1:]:
        reference(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
