#!/usr/bin/env python3
"""W8's peers (bench/python-peers.mjs): training to a relative residual by
Levenberg–Marquardt as a competent user writes it, in numpy/scipy, PyTorch
and JAX, and scipy.optimize.least_squares where the dense J fits.

    lm_peers.py --system numpy|torch|jax|scipy --manifest cases.json --out DIR
                [--threads T] [--tol 1e-6] [--max-steps 100] [--max-attempts 1000]
                [--max-seconds 60] [--max-jacobian-mib 1024]

The manifest is a JSON list of cases {"id", "data": DIR with X.npy and y.npy,
"params": DIR with c.npy, W.npy, b.npy, "activation", "beta"}. One process
runs every case of one system, so imports and thread pools are paid once.
Prints one JSON object {"cases": [...], "versions"}: per case the initial
loss (for the harness's cross-check), reached or not, accepted steps,
attempts, wall seconds (JAX: after compiling, compile time apart), the final
relative residual and the final parameters' .npy files.

The model is docs/math.md §1: f(x) = N^(−β) Σᵢ cᵢ σ(wᵢ·x + bᵢ), r = f(X) − y,
L = |r|²/(2M). The LM step is the textbook one in Woodbury form (P ≫ M):

    δ = Jᵀ (J Jᵀ + μ I)⁻¹ r,   θ ← θ − δ,

accepted when the loss decreases (then μ ← μ/10 and J is recomputed),
otherwise μ ← 10μ and only the M×M solve is redone; μ₀ = 10⁻³·max diag(J Jᵀ)
(Madsen, Nielsen and Tingleff's τ = 10⁻³). J is the analytic Jacobian
(numpy, torch) or jax.vmap(jax.grad) of the per-point output (JAX), formed
in memory when it fits in --max-jacobian-mib and otherwise in neuron chunks
(J Jᵀ accumulated, Jᵀv recomputed per chunk): what one does when J does not
fit. Budgets: accepted steps (--max-steps), attempts (--max-attempts) and
wall time (--max-seconds, checked between attempts), whichever comes first;
a case whose single J·Jᵀ costs more than --max-gram-flops is not run.

scipy: least_squares(method='trf', tr_solver='exact') with the analytic J;
method='lm' (MINPACK) refuses fewer residuals than parameters, which is
every case here. Stopped at the target by the residual function itself.
Only where M·P ≤ --scipy-max-entries (default 2·10⁶: its SVD of J per iteration is slow beyond).
"""
import argparse
import json
import math
import os
import sys
import time


def log(message):
    print(f"lm_peers.py: {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--system", required=True, choices=("numpy", "torch", "jax", "scipy"))
    p.add_argument("--manifest", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tol", type=float, default=1e-6)
    p.add_argument("--max-steps", type=int, default=100)
    p.add_argument("--max-attempts", type=int, default=1000)
    p.add_argument("--max-seconds", type=float, default=60.0)
    p.add_argument("--max-jacobian-mib", type=float, default=1024.0)
    p.add_argument("--scipy-max-entries", type=float, default=2e6)
    p.add_argument("--max-gram-flops", type=float, default=3e11, help="skip a case whose J·Jᵀ alone costs more (M²·P flops)")
    return p.parse_args(argv)


def configure_threads(n, system):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if system == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        if hasattr(os, "sched_getaffinity"):
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) > n:
                os.sched_setaffinity(0, cpus[:n])


# --------------------------------------------------------------------------- the model per system

class NumpySystem:
    """Analytic J in numpy arrays; the M×M solve by scipy.linalg.cho_factor/cho_solve."""

    def __init__(self):
        import numpy as np
        import scipy.linalg as sl
        self.np, self.sl = np, sl

    def asarray(self, a):
        return self.np.ascontiguousarray(a, dtype=self.np.float64)

    def to_numpy(self, a):
        return self.np.asarray(a)

    def act(self, name, u):
        """σ(u), σ′(u) (docs/math.md §1; relu′(0) = 0)."""
        np = self.np
        if name == "relu":
            return np.maximum(u, 0.0), (u > 0).astype(np.float64)
        if name == "tanh":
            v = np.tanh(u)
            return v, 1 - v * v
        if name == "sin":
            return np.sin(u), np.cos(u)
        if name == "softplus":
            return np.logaddexp(u, 0.0), 1 / (1 + np.exp(-u))
        raise SystemExit(f"lm_peers.py: activation {name} not implemented")

    def solve(self, G, mu, r):
        n = G.shape[0]
        return self.sl.cho_solve(self.sl.cho_factor(G + mu * self.np.eye(n), lower=True, check_finite=False), r, check_finite=False)

    def dot(self, a, b):
        return float(a @ b)


class TorchSystem(NumpySystem):
    """The same formulas in torch tensors (float64); torch.linalg.cholesky and cholesky_solve."""

    def __init__(self, threads):
        import numpy as np
        import torch
        torch.set_num_threads(threads)
        self.np, self.torch = np, torch

    def asarray(self, a):
        return self.torch.from_numpy(self.np.ascontiguousarray(a, dtype=self.np.float64))

    def to_numpy(self, a):
        return a.detach().cpu().numpy()

    def act(self, name, u):
        torch = self.torch
        if name == "relu":
            return torch.relu(u), (u > 0).to(torch.float64)
        if name == "tanh":
            v = torch.tanh(u)
            return v, 1 - v * v
        if name == "sin":
            return torch.sin(u), torch.cos(u)
        if name == "softplus":
            return torch.logaddexp(u, torch.zeros((), dtype=torch.float64)), torch.sigmoid(u)
        raise SystemExit(f"lm_peers.py: activation {name} not implemented")

    def solve(self, G, mu, r):
        torch = self.torch
        L = torch.linalg.cholesky(G + mu * torch.eye(G.shape[0], dtype=torch.float64))
        return torch.cholesky_solve(r[:, None], L)[:, 0]


class Model:
    """f, r, J Jᵀ and Jᵀv of the two-layer network for one case (numpy or torch arrays)."""

    def __init__(self, s, X, y, activation, beta, width, max_jacobian_mib):
        self.s = s
        m, d = X.shape
        np = s.np
        self.m, self.q = m, d + 2
        self.Xt = s.asarray(np.hstack([X, np.ones((m, 1))]))
        self.y = s.asarray(y)
        self.activation = activation
        self.scale = float(width) ** (-beta)
        per_neuron = 8 * m * self.q
        n = max(1, int(max_jacobian_mib * 2**20 // per_neuron))
        self.chunks = [(lo, min(width, lo + n)) for lo in range(0, width, n)]
        self.cached = None
        self.to_numpy = s.to_numpy

    def residual(self, c, inner):
        f = 0
        for lo, hi in self.chunks:
            v, _ = self.s.act(self.activation, self.Xt @ inner[lo:hi].T)
            f = f + v @ c[lo:hi]
        return self.scale * f - self.y

    def jacobian(self, c, inner, lo, hi):
        """J for neurons [lo, hi): M × (hi − lo)·q, neuron-major [cᵢ, wᵢ, bᵢ]."""
        v, dv = self.s.act(self.activation, self.Xt @ inner[lo:hi].T)
        s = self.scale
        lin = (s * c[lo:hi] * dv)[:, :, None] * self.Xt[:, None, :]
        return self._cat((s * v)[:, :, None], lin).reshape(self.m, -1)

    def _cat(self, a, b):
        if hasattr(self.s, "torch"):
            return self.s.torch.cat([a, b], 2)
        return self.s.np.concatenate([a, b], 2)

    def gram(self, c, inner):
        """J Jᵀ; keeps J when one chunk holds it (the solve's Jᵀv then reuses it)."""
        if len(self.chunks) == 1:
            J = self.jacobian(c, inner, 0, c.shape[0])
            self.cached = J
            return J @ J.T
        self.cached = None
        G = 0
        for lo, hi in self.chunks:
            J = self.jacobian(c, inner, lo, hi)
            G = G + J @ J.T
        return G

    def jt_times(self, c, inner, v):
        if self.cached is not None:
            return self.cached.T @ v
        parts = [self.jacobian(c, inner, lo, hi).T @ v for lo, hi in self.chunks]
        return self._cat1(parts)

    def _cat1(self, parts):
        if hasattr(self.s, "torch"):
            return self.s.torch.cat(parts)
        return self.s.np.concatenate(parts)


class JaxModel:
    """JAX: J by jax.vmap(jax.grad) of the per-point output, chunk by chunk; every function jitted."""

    def __init__(self, X, y, activation, beta, width, max_jacobian_mib):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import jax.scipy.linalg as jsl
        import numpy as np
        self.np, self.jax, self.jnp = np, jax, jnp
        m, d = X.shape
        self.m, self.q = m, d + 2
        self.Xt = jnp.asarray(np.hstack([X, np.ones((m, 1))]))
        self.y = jnp.asarray(y)
        scale = float(width) ** (-beta)
        sigma = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sin": jnp.sin, "softplus": lambda u: jnp.logaddexp(u, 0.0)}[activation]
        per_neuron = 8 * m * self.q
        n = max(1, int(max_jacobian_mib * 2**20 // per_neuron))
        # Equal chunks (one compiled shape): the width is a power of two here.
        n = min(width, 2 ** int(math.log2(n)))
        self.chunks = [(lo, min(width, lo + n)) for lo in range(0, width, n)]

        def out_one(params, xt):
            c, inner = params
            return scale * (c @ sigma(inner @ xt))

        def jac(c, inner, Xt):
            gc, gi = jax.vmap(jax.grad(out_one), in_axes=(None, 0))((c, inner), Xt)
            return jnp.concatenate([gc[:, :, None], gi], 2).reshape(Xt.shape[0], -1)

        def forward(c, inner, Xt):
            return jax.vmap(out_one, in_axes=(None, 0))((c, inner), Xt)

        def gram(c, inner, Xt):
            J = jac(c, inner, Xt)
            return J @ J.T

        def jt(c, inner, Xt, v):
            return jac(c, inner, Xt).T @ v

        def solve(G, mu, r):
            return jsl.cho_solve(jsl.cho_factor(G + mu * jnp.eye(G.shape[0]), lower=True), r)

        self.f = {"forward": jax.jit(forward), "gram": jax.jit(gram), "jt": jax.jit(jt), "solve": jax.jit(solve)}

    def asarray(self, a):
        return self.jnp.asarray(self.np.asarray(a, dtype=self.np.float64))

    def to_numpy(self, a):
        return self.np.asarray(a)

    def residual(self, c, inner):
        f = 0
        for lo, hi in self.chunks:
            f = f + self.f["forward"](c[lo:hi], inner[lo:hi], self.Xt)
        return f - self.y

    def gram(self, c, inner):
        G = 0
        for lo, hi in self.chunks:
            G = G + self.f["gram"](c[lo:hi], inner[lo:hi], self.Xt)
        return G

    def jt_times(self, c, inner, v):
        return self.jnp.concatenate([self.f["jt"](c[lo:hi], inner[lo:hi], self.Xt, v) for lo, hi in self.chunks])

    def solve(self, G, mu, r):
        return self.f["solve"](G, mu, r)

    def dot(self, a, b):
        return float(a @ b)

    def compile(self, c, inner):
        """Lowers and compiles every function at this case's shapes; seconds (nothing runs)."""
        t0 = time.perf_counter()
        lo, hi = self.chunks[0]
        cc, ii = c[lo:hi], inner[lo:hi]
        r = self.jnp.zeros(self.m)
        G = self.jnp.zeros((self.m, self.m))
        self.f["forward"] = self.f["forward"].lower(cc, ii, self.Xt).compile()
        self.f["gram"] = self.f["gram"].lower(cc, ii, self.Xt).compile()
        self.f["jt"] = self.f["jt"].lower(cc, ii, self.Xt, r).compile()
        self.f["solve"] = self.f["solve"].lower(G, 1.0, r).compile()
        return time.perf_counter() - t0


# --------------------------------------------------------------------------- the LM loop

def levenberg_marquardt(model, solve, dot, c, inner, args, y_norm):
    """The textbook loop; returns the final (c, inner) and the run's record."""
    m, q = model.m, model.q
    started = time.perf_counter()
    r = model.residual(c, inner)
    rr = dot(r, r)
    G = model.gram(c, inner)
    mu = 1e-3 * float(max(model.to_numpy(G).diagonal()))
    accepted = attempts = 0
    reason = None
    while True:
        rel = math.sqrt(rr) / y_norm
        if rel <= args.tol:
            reason = "converged"
            break
        if accepted >= args.max_steps:
            reason = "max-steps"
            break
        if attempts >= args.max_attempts:
            reason = "max-attempts"
            break
        if time.perf_counter() - started >= args.max_seconds:
            reason = "max-seconds"
            break
        attempts += 1
        v = solve(G, mu, r)
        delta = model.jt_times(c, inner, v).reshape(-1, q)
        c1, inner1 = c - delta[:, 0], inner - delta[:, 1:]
        r1 = model.residual(c1, inner1)
        rr1 = dot(r1, r1)
        if rr1 < rr:
            c, inner, r, rr = c1, inner1, r1, rr1
            accepted += 1
            mu /= 10
            G = model.gram(c, inner)
        else:
            mu *= 10
            if not math.isfinite(mu) or mu > 1e300:
                reason = "stalled"
                break
    seconds = time.perf_counter() - started
    return c, inner, {"reason": reason, "accepted": accepted, "attempts": attempts, "seconds": seconds, "residual": math.sqrt(rr) / y_norm}


class Reached(Exception):
    pass


def scipy_least_squares(X, y, c0, inner0, activation, beta, args, y_norm):
    """least_squares(method='trf', tr_solver='exact'), stopped when |r|/|y| ≤ tol."""
    import numpy as np
    from scipy.optimize import least_squares
    s = NumpySystem()
    width = c0.shape[0]
    model = Model(s, X, y, activation, beta, width, 1e12)
    q = model.q
    best = {"theta": np.hstack([c0[:, None], inner0]).reshape(-1), "rel": math.inf, "nfev": 0}
    started = time.perf_counter()

    def fun(theta):
        t = theta.reshape(width, q)
        r = model.residual(t[:, 0], t[:, 1:])
        rel = float(np.linalg.norm(r)) / y_norm
        best["nfev"] += 1
        if rel < best["rel"]:
            best["theta"], best["rel"] = theta.copy(), rel
        if rel <= args.tol:
            raise Reached()
        if time.perf_counter() - started >= args.max_seconds:
            raise TimeoutError()
        return r

    def jac(theta):
        t = theta.reshape(width, q)
        return model.jacobian(t[:, 0], t[:, 1:], 0, width)

    reason = "max-steps"
    njev = None
    try:
        result = least_squares(fun, best["theta"], jac=jac, method="trf", tr_solver="exact", ftol=1e-15, xtol=1e-15, gtol=1e-15, max_nfev=args.max_attempts)
        njev = int(result.njev) if result.njev is not None else None
        reason = {0: "max-attempts"}.get(result.status, f"stopped (status {result.status}: {result.message})")
    except Reached:
        reason = "converged"
    except TimeoutError:
        reason = "max-seconds"
    seconds = time.perf_counter() - started
    t = best["theta"].reshape(width, q)
    return t[:, 0], t[:, 1:], {"reason": reason, "accepted": njev, "attempts": best["nfev"], "seconds": seconds, "residual": best["rel"]}


# --------------------------------------------------------------------------- main

def versions(system):
    out = {"python": sys.version.split()[0]}
    names = {"numpy": ("numpy", "scipy"), "scipy": ("numpy", "scipy"), "torch": ("numpy", "torch"), "jax": ("numpy", "jax", "jaxlib")}[system]
    for name in names:
        try:
            out[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - report whatever is missing
            out[name] = None
    return out


def main(argv):
    args = parse_args(argv)
    configure_threads(args.threads, args.system)
    import numpy as np
    with open(args.manifest) as fh:
        cases = json.load(fh)
    os.makedirs(args.out, exist_ok=True)
    s = None
    if args.system == "numpy":
        s = NumpySystem()
    elif args.system == "torch":
        s = TorchSystem(args.threads)
    records = []
    for case in cases:
        X = np.load(os.path.join(case["data"], "X.npy"))
        y = np.load(os.path.join(case["data"], "y.npy"))
        c0 = np.load(os.path.join(case["params"], "c.npy"))
        W0 = np.load(os.path.join(case["params"], "W.npy"))
        b0 = np.load(os.path.join(case["params"], "b.npy"))
        inner0 = np.hstack([W0, b0[:, None]])
        width, d = W0.shape
        m = X.shape[0]
        y_norm = float(np.linalg.norm(y)) or 1.0
        record = {"id": case["id"]}
        compile_s = None
        if m * m * width * (d + 2) > args.max_gram_flops:
            # One J·Jᵀ of M²·P flops would exceed the time budget before the first step on this machine.
            record["skipped"] = f"M²·P = {m * m * width * (d + 2):.1e} flops per J·Jᵀ > {args.max_gram_flops:.0e}"
            records.append(record)
            continue
        if args.system == "scipy":
            if m * width * (d + 2) > args.scipy_max_entries:
                record["skipped"] = f"M·P = {m * width * (d + 2)} > {args.scipy_max_entries:.0e}: the dense J and its SVD per iteration"
                records.append(record)
                continue
            model = Model(NumpySystem(), X, y, case["activation"], case["beta"], width, 1e12)
            r0 = model.residual(c0, inner0)
            c, inner, run = scipy_least_squares(X, y, c0, inner0, case["activation"], case["beta"], args, y_norm)
        elif args.system == "jax":
            model = JaxModel(X, y, case["activation"], case["beta"], width, args.max_jacobian_mib)
            cj, ij = model.asarray(c0), model.asarray(inner0)
            compile_s = model.compile(cj, ij)
            r0 = model.to_numpy(model.residual(cj, ij))
            c, inner, run = levenberg_marquardt(model, model.solve, model.dot, cj, ij, args, y_norm)
        else:
            model = Model(s, X, y, case["activation"], case["beta"], width, args.max_jacobian_mib)
            cs, is_ = s.asarray(c0), s.asarray(inner0)
            r0 = model.to_numpy(model.residual(cs, is_))
            c, inner, run = levenberg_marquardt(model, s.solve, s.dot, cs, is_, args, y_norm)
        r0 = np.asarray(r0)
        record["initialLoss"] = float(r0 @ r0) / (2 * m)
        record.update(run)
        record["reached"] = run["reason"] == "converged"
        record["compileSeconds"] = compile_s
        c_np, inner_np = model.to_numpy(c), model.to_numpy(inner)
        stem = os.path.join(args.out, f"{args.system}-{case['id'].replace('/', '_')}")
        for name, array in (("c", c_np), ("W", inner_np[:, :d]), ("b", inner_np[:, d])):
            np.save(f"{stem}-{name}.npy", np.ascontiguousarray(array, dtype=np.float64))
        record["outputs"] = {name: f"{stem}-{name}.npy" for name in ("c", "W", "b")}
        log(f"{args.system} {case['id']}: {run['reason']} after {run['accepted']} accepted / {run['attempts']} attempts, {run['seconds']:.2f} s, |r|/|y| = {run['residual']:.2e}")
        records.append(record)
    print(json.dumps({"system": args.system, "cases": records, "versions": versions(args.system), "threads": args.threads}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
