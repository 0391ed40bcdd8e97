#!/usr/bin/env python3
"""Python peers of nntk for bench/python-peers.mjs: numpy/scipy, PyTorch, JAX.

    peers.py info [--threads T]
    peers.py W1..W7 --system numpy|torch|jax [--variant V] --inputs DIR --out DIR
                    [--reps R] [--threads T] [--lambda L] [--chunk-mib B]

Prints one JSON object on stdout: the times of every method run (seconds,
after a warm-up; JAX's compile time is measured separately, ahead of time),
the result .npy files written to --out, the peak RSS of this process
(resource.getrusage ru_maxrss) and the library versions. Progress and
warnings go to stderr.

The inputs are the harness's .npy files: X (M×d), y (M), c (N), W (N×d),
b (N) and meta.json ({"beta": …, "activation": "tanh"}); for W4 the matrix
K.npy. Every system reads the very same bytes.

Conventions are those of docs/math.md: f(x) = N^(−β) Σᵢ cᵢ tanh(wᵢ·x + bᵢ),
θ neuron-major in blocks [cᵢ, wᵢ, bᵢ] of q = d + 2, L = |r|²/(2M),
𝒦_GD = J·Jᵀ/M, δ = (H + λI)⁻¹·g by the kernel path
δ = A⁻¹·Jᵀ·(M·I + Q)⁻¹·r with A = S + λI, Q = J·A⁻¹·Jᵀ (Gauss–Newton: A = λI).

Variants (per system):
  structured  the hand-written formulas (docs/math.md §3–4) in that system's arrays:
              batched q×q Cholesky of the (N, q, q) stack, einsum/matmul, an
              M×M Cholesky solve; streamed over neuron chunks (--chunk-mib per
              M×chunk×q array) so that the memory does not grow with M·N.
  autodiff    torch: torch.func (vmap(jacrev) for J, vmap(hessian) = jacfwd∘jacrev
              for the blocks Sᵢ); jax: jax.vmap(jax.jacrev) for J and
              jax.vmap(jax.hessian) for Sᵢ, jitted. Forms J (M×P) in memory.
  (W2, numpy) dense-estimate  what forming the dense P×P Hessian would cost,
              extrapolated from dpotrf/dsyrk timed at n = 4096; dense  runs it.
  (W4)        all pairs and values only with each system's eigensolvers.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")


def log(message):
    print(f"peers.py: {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workload", choices=WORKLOADS + ("info",))
    p.add_argument("--system", choices=("numpy", "torch", "jax"))
    p.add_argument("--variant", default="structured")
    p.add_argument("--inputs")
    p.add_argument("--out")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lambda", dest="lam", type=float)
    p.add_argument("--chunk-mib", type=float, default=256.0)
    p.add_argument("--tol", type=float, default=1e-6)
    p.add_argument("--max-steps", type=int, default=100)
    p.add_argument("--min-seconds", type=float, default=1.0, help="W6: time at least this long")
    p.add_argument("--warmup-width", type=int, default=256, help="W7: warm-up width before the timed step")
    return p.parse_args(argv)


def configure_threads(n, system):
    """Thread counts must be in the environment before numpy/torch/jax load their libraries."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if system in ("jax", None):
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={n}")
        # XLA's CPU thread pool is sized by the CPUs this process may run on
        # (sched_getaffinity); the flags above do not cap it in current jaxlib.
        # On a machine with more CPUs than requested, restrict the affinity.
        if system == "jax" and hasattr(os, "sched_getaffinity"):
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) > n:
                os.sched_setaffinity(0, cpus[:n])


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def busy_threads(min_seconds=0.2):
    """How many threads of this process have used at least min_seconds of CPU (Linux)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        count = 0
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if (int(fields[11]) + int(fields[12])) / tick >= min_seconds:
                count += 1
        return count
    except OSError:
        return None


# --------------------------------------------------------------------------- systems

class NumpyOps:
    """numpy/scipy. JaxOps is the same with jax.numpy and jax.scipy.linalg as
    the array module `xp` and its linear algebra `sl`."""
    name = "numpy"

    def __init__(self):
        import numpy as np
        import scipy.linalg as sl
        self.np = np
        self.xp, self.sl = np, sl

    def asarray(self, a):
        return self.np.asarray(a, dtype=self.np.float64)

    def to_numpy(self, a):
        return self.np.asarray(a)

    def sync(self, a):
        return a

    def tanh(self, a):
        return self.xp.tanh(a)

    def abs(self, a):
        return self.xp.abs(a)

    def einsum(self, spec, *ops):
        return self.xp.einsum(spec, *ops, optimize=True)

    def cat(self, xs, axis):
        return self.xp.concatenate(xs, axis)

    def zeros(self, shape):
        return self.xp.zeros(shape)

    def ones(self, shape):
        return self.xp.ones(shape)

    def eye(self, n):
        return self.xp.eye(n)

    def cholesky(self, a):
        return self.xp.linalg.cholesky(a)

    def tri_inv(self, L):
        return self.xp.linalg.inv(L)

    def gram(self, Z):
        return Z @ Z.T  # numpy dispatches A @ A.T to dsyrk

    def spd_solve(self, K, r):
        return self.sl.cho_solve(self.sl.cho_factor(K, lower=True), r)

    def eigvalsh(self, a):
        return self.xp.linalg.eigvalsh(a)

    def item(self, a):
        return float(a)


class TorchOps:
    name = "torch"

    def __init__(self, threads):
        import numpy as np
        import torch
        torch.set_num_threads(threads)
        self.np, self.torch = np, torch
        torch.set_default_dtype(torch.float64)

    def asarray(self, a):
        return self.torch.from_numpy(self.np.ascontiguousarray(a, dtype=self.np.float64))

    def to_numpy(self, a):
        return a.detach().cpu().numpy()

    def sync(self, a):
        return a

    def tanh(self, a):
        return self.torch.tanh(a)

    def abs(self, a):
        return self.torch.abs(a)

    def einsum(self, spec, *ops):
        return self.torch.einsum(spec, *ops)

    def cat(self, xs, axis):
        return self.torch.cat(xs, dim=axis)

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.torch.float64)

    def ones(self, shape):
        return self.torch.ones(shape, dtype=self.torch.float64)

    def eye(self, n):
        return self.torch.eye(n, dtype=self.torch.float64)

    def cholesky(self, a):
        return self.torch.linalg.cholesky(a)

    def tri_inv(self, L):
        eye = self.torch.eye(L.shape[-1], dtype=L.dtype).expand(L.shape)
        return self.torch.linalg.solve_triangular(L, eye, upper=False)

    def gram(self, Z):
        return Z @ Z.T

    def spd_solve(self, K, r):
        L = self.torch.linalg.cholesky(K)
        return self.torch.cholesky_solve(r[:, None], L)[:, 0]

    def eigvalsh(self, a):
        return self.torch.linalg.eigvalsh(a)

    def item(self, a):
        return float(a)


class JaxOps(NumpyOps):
    name = "jax"

    def __init__(self):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import jax.scipy.linalg as jsl
        import numpy as np
        self.np = np
        self.xp, self.sl = jnp, jsl
        self.jax, self.jnp = jax, jnp

    def asarray(self, a):
        return self.jnp.asarray(super().asarray(a))

    def sync(self, a):
        return self.jax.block_until_ready(a)

    def einsum(self, spec, *ops):
        return self.jnp.einsum(spec, *ops)

    def tri_inv(self, L):
        eye = self.jnp.broadcast_to(self.jnp.eye(L.shape[-1]), L.shape)
        return self.sl.solve_triangular(L, eye, lower=True)


def make_ops(system, threads):
    if system == "numpy":
        return NumpyOps()
    if system == "torch":
        return TorchOps(threads)
    return JaxOps()


# --------------------------------------------------------------------------- the structured formulas
# Written once over an `o` of array operations, so that numpy, torch and jax
# run the same algorithm; every function is pure (jax.jit traces it).

def features(o, Xt, inner):
    V = o.tanh(Xt @ inner.T)
    return V, 1 - V * V


def forward_part(o, Xt, c, inner, s):
    """Σ over these neurons of s·cᵢ·tanh(wᵢ·x + bᵢ) at every row of X̃."""
    V, _ = features(o, Xt, inner)
    return s * (V @ c)


def s_blocks(o, Xt, r, c, V, D1, s, m):
    """Sᵢ = (1/M) Σⱼ rⱼ ∇²f_i(xⱼ): (nc, q, q)."""
    k = Xt.shape[1]
    nc = V.shape[1]
    D2 = -2 * V * D1
    rX = r[:, None] * Xt
    cross = (D1.T @ rX) * (s / m)  # (nc, k)
    rXX = (rX[:, :, None] * Xt[:, None, :]).reshape(m, k * k)
    second = (D2.T @ rXX).reshape(nc, k, k) * ((s / m) * c)[:, None, None]
    top = o.cat([o.zeros((nc, 1, 1)), cross[:, None, :]], 2)
    bottom = o.cat([cross[:, :, None], second], 2)
    return o.cat([top, bottom], 1)


def jacobian_blocks(o, Xt, c, V, D1, s):
    """J restricted to these neurons: (M, nc, q), J[j, i] = [s σ, s cᵢ σ′ x̃ⱼ]."""
    return o.cat([(s * V)[:, :, None], ((s * c) * D1)[:, :, None] * Xt[:, None, :]], 2)


def jt_times(o, Xt, c, V, D1, v, s):
    """Jᵀv for these neurons, (nc, q)."""
    a = V.T @ v
    b = D1.T @ (v[:, None] * Xt)
    return o.cat([(s * a)[:, None], (s * c)[:, None] * b], 1)


def gram_part(o, Xt, c, V, D1):
    """Σᵢ σσᵀ and Σᵢ cᵢ²σ′σ′ᵀ over these neurons (the two dsyrk of docs/math.md §4)."""
    return o.gram(V), o.gram(D1 * o.abs(c))


def ntk_assemble(o, Xt, G1, G2, s, m):
    return (s * s) * (G1 + G2 * (Xt @ Xt.T)) / m


def full_chunk(o, Xt, r, c, inner, lam, s, m):
    """One neuron chunk of the full-Hessian kernel path: L⁻¹ of Aᵢ = Sᵢ + λI and Z·Zᵀ, Z = J·L⁻ᵀ."""
    V, D1 = features(o, Xt, inner)
    q = Xt.shape[1] + 1
    A = s_blocks(o, Xt, r, c, V, D1, s, m) + lam * o.eye(q)
    Linv = o.tri_inv(o.cholesky(A))
    Z = o.einsum("iab,jib->jia", Linv, jacobian_blocks(o, Xt, c, V, D1, s))
    return Linv, o.gram(Z.reshape(m, -1))


def full_back(o, Xt, c, inner, Linv, v, s):
    """δᵢ = Aᵢ⁻¹ (Jᵀv)ᵢ = L⁻ᵀ L⁻¹ (Jᵀv)ᵢ, flat (nc·q)."""
    V, D1 = features(o, Xt, inner)
    w = o.einsum("iab,ib->ia", Linv, jt_times(o, Xt, c, V, D1, v, s))
    return o.einsum("iba,ib->ia", Linv, w).reshape(-1)


def gn_back(o, Xt, c, inner, v, s, lam):
    V, D1 = features(o, Xt, inner)
    return (jt_times(o, Xt, c, V, D1, v, s) / lam).reshape(-1)


def gram_chunk(o, Xt, c, inner):
    V, D1 = features(o, Xt, inner)
    return gram_part(o, Xt, c, V, D1)


def middle(o, Q, r, m):
    """v = (M·I + Q)⁻¹ r and gᵀδ = rᵀ·Q·v/M."""
    v = o.spd_solve(Q + m * o.eye(m), r)
    return v, (r @ (Q @ v)) / m


class Structured:
    """The kernel path streamed over neuron chunks; for jax the chunk functions are jitted."""

    def __init__(self, o, X, y, beta, chunk_mib, width):
        self.o = o
        m, d = X.shape
        self.m, self.d, self.k, self.q = m, d, d + 1, d + 2
        import numpy as np
        self.Xt = o.asarray(np.hstack([X, np.ones((m, 1))]))
        self.y = o.asarray(y)
        self.s = float(width) ** (-beta)
        self.width = width
        per_neuron = 8 * m * self.q
        nc = max(1, int(chunk_mib * 2**20 // per_neuron))
        nc = min(width, 2 ** int(math.log2(nc)))
        self.chunks = [(lo, min(width, lo + nc)) for lo in range(0, width, nc)]
        self.single = len(self.chunks) == 1
        s, o_ = self.s, o
        # The plain chunk functions; `fns` is what is called outside a trace (jitted for jax).
        self.raw = {
            "fwd": lambda Xt, c, inner: forward_part(o_, Xt, c, inner, s),
            "full": lambda Xt, r, c, inner, lam: full_chunk(o_, Xt, r, c, inner, lam, s, m),
            "full_back": lambda Xt, c, inner, Linv, v: full_back(o_, Xt, c, inner, Linv, v, s),
            "gram": lambda Xt, c, inner: gram_chunk(o_, Xt, c, inner),
            "gn_back": lambda Xt, c, inner, v, lam: gn_back(o_, Xt, c, inner, v, s, lam),
            "middle": lambda Q, r: middle(o_, Q, r, m),
            "assemble": lambda Xt, G1, G2: ntk_assemble(o_, Xt, G1, G2, s, m),
        }
        self.fns = dict(self.raw)
        if o.name == "jax":
            import jax
            self.fns = {name: jax.jit(fn) for name, fn in self.raw.items()}
            # The whole step as one program when one chunk covers the width.
            self.whole = {
                "full": jax.jit(lambda Xt, y, c, inner, lam: self._full(Xt, y, c, inner, lam, raw=True)),
                "gn": jax.jit(lambda Xt, y, c, inner, lam: self._gn(Xt, y, c, inner, lam, raw=True)),
                "ntk": jax.jit(lambda Xt, c, inner: self._ntk(Xt, c, inner, raw=True)),
            }

    # -- the algorithms (raw=True: inside a jax trace, use the plain functions)
    def _fn(self, name, raw):
        return self.raw[name] if raw else self.fns[name]

    def _residual(self, Xt, y, c, inner, raw):
        fwd = self._fn("fwd", raw)
        f = None
        for lo, hi in self.chunks:
            part = fwd(Xt, c[lo:hi], inner[lo:hi])
            f = part if f is None else f + part
        return f - y

    def _full(self, Xt, y, c, inner, lam, raw=False):
        r = self._residual(Xt, y, c, inner, raw)
        chunk, back, mid = self._fn("full", raw), self._fn("full_back", raw), self._fn("middle", raw)
        Q, Linvs = None, []
        for lo, hi in self.chunks:
            Linv, part = chunk(Xt, r, c[lo:hi], inner[lo:hi], lam)
            Linvs.append(Linv)
            Q = part if Q is None else Q + part
        v, gdot = mid(Q, r)
        parts = [back(Xt, c[lo:hi], inner[lo:hi], Linv, v) for (lo, hi), Linv in zip(self.chunks, Linvs)]
        delta = parts[0] if len(parts) == 1 else self.o.cat(parts, 0)
        return delta, gdot, r

    def _gn(self, Xt, y, c, inner, lam, raw=False):
        r = self._residual(Xt, y, c, inner, raw)
        G = self._gram(Xt, c, inner, raw) * (self.s * self.s)
        v, gdot = self._fn("middle", raw)(G / lam, r)
        back = self._fn("gn_back", raw)
        parts = [back(Xt, c[lo:hi], inner[lo:hi], v, lam) for lo, hi in self.chunks]
        delta = parts[0] if len(parts) == 1 else self.o.cat(parts, 0)
        return delta, gdot, r

    def _gram(self, Xt, c, inner, raw):
        """J·Jᵀ/s² (the bracket of docs/math.md §4)."""
        G1 = G2 = None
        gram = self._fn("gram", raw)
        for lo, hi in self.chunks:
            a, b = gram(Xt, c[lo:hi], inner[lo:hi])
            G1 = a if G1 is None else G1 + a
            G2 = b if G2 is None else G2 + b
        return G1 + G2 * (Xt @ Xt.T)

    def _ntk(self, Xt, c, inner, raw=False):
        G1 = G2 = None
        gram = self._fn("gram", raw)
        for lo, hi in self.chunks:
            a, b = gram(Xt, c[lo:hi], inner[lo:hi])
            G1 = a if G1 is None else G1 + a
            G2 = b if G2 is None else G2 + b
        return self._fn("assemble", raw)(Xt, G1, G2)

    def aot(self, kind, c, inner, lam=1.0):
        """JAX: compile what `kind` ('full', 'gn', 'ntk') calls, ahead of time (nothing runs); seconds."""
        if self.o.name != "jax":
            return None
        t0 = time.perf_counter()
        o, Xt, m = self.o, self.Xt, self.m
        if self.single:
            args = {"full": (Xt, self.y, c, inner, lam), "gn": (Xt, self.y, c, inner, lam), "ntk": (Xt, c, inner)}[kind]
            self.whole[kind] = self.whole[kind].lower(*args).compile()
            return time.perf_counter() - t0
        sizes = {hi - lo for lo, hi in self.chunks}
        if len(sizes) != 1:
            return None  # unequal chunks: jit compiles on first use (inside the timing)
        lo, hi = self.chunks[0]
        cc, ii = c[lo:hi], inner[lo:hi]
        r, Q = o.zeros((m,)), o.zeros((m, m))
        F = self.fns
        wanted = {"fwd": (Xt, cc, ii), "middle": (Q, r)}
        if kind == "full":
            Linv = o.zeros((hi - lo, self.q, self.q))
            wanted.update(full=(Xt, r, cc, ii, lam), full_back=(Xt, cc, ii, Linv, r))
        elif kind == "gn":
            wanted.update(gram=(Xt, cc, ii), gn_back=(Xt, cc, ii, r, lam))
        else:
            wanted = {"gram": (Xt, cc, ii), "assemble": (Xt, Q, Q)}
        for name, args in wanted.items():
            F[name] = F[name].lower(*args).compile()
        return time.perf_counter() - t0

    # -- public entry points (arrays of this system in and out)
    def full_step(self, c, inner, lam):
        if self.o.name == "jax" and self.single:
            return self.whole["full"](self.Xt, self.y, c, inner, lam)
        return self._full(self.Xt, self.y, c, inner, lam)

    def gn_step(self, c, inner, lam):
        if self.o.name == "jax" and self.single:
            return self.whole["gn"](self.Xt, self.y, c, inner, lam)
        return self._gn(self.Xt, self.y, c, inner, lam)

    def ntk(self, c, inner):
        if self.o.name == "jax" and self.single:
            return self.whole["ntk"](self.Xt, c, inner)
        return self._ntk(self.Xt, c, inner)

    def residual(self, c, inner):
        if self.o.name == "jax":
            return self._residual(self.Xt, self.y, c, inner, raw=False)
        return self._residual(self.Xt, self.y, c, inner, raw=True)

    def min_eigenvalue_s(self, c, inner, r):
        """minᵢ λ_min(Sᵢ): what the `auto` λ of docs/math.md §3 needs."""
        o = self.o
        lo_ = None
        for lo, hi in self.chunks:
            V, D1 = features(o, self.Xt, inner[lo:hi])
            e = o.eigvalsh(s_blocks(o, self.Xt, r, c[lo:hi], V, D1, self.s, self.m)).min()
            lo_ = e if lo_ is None else min(lo_, e)
        return float(lo_)


# --------------------------------------------------------------------------- autodiff

class TorchAutodiff:
    """torch.func: J by vmap(jacrev) over the points, Sᵢ by vmap(hessian) over the neurons."""

    def __init__(self, o, X, y, beta, width):
        import torch
        from torch.func import hessian, jacrev, vmap
        self.o, self.torch = o, torch
        self.X, self.y = o.asarray(X), o.asarray(y)
        self.m, self.d = X.shape
        s = float(width) ** (-beta)
        self.s = s

        def f_single(c, W, b, x):
            return s * (c @ torch.tanh(W @ x + b))

        self.f_single = f_single
        self.jac = vmap(jacrev(f_single, argnums=(0, 1, 2)), in_dims=(None, None, None, 0))
        self.fwd = vmap(f_single, in_dims=(None, None, None, 0))
        d, m, X_ = self.d, self.m, self.X

        def h(theta, r):
            # (1/M) Σⱼ rⱼ fᵢ(xⱼ) for one neuron: its Hessian in θᵢ is Sᵢ.
            return (s / m) * (r @ (theta[0] * torch.tanh(X_ @ theta[1 : 1 + d] + theta[1 + d])))

        self.hess = vmap(hessian(h), in_dims=(0, None))

    def split(self, c, inner):
        return c, inner[:, : self.d].contiguous(), inner[:, self.d].contiguous()

    def jacobian(self, c, inner):
        dc, dW, db = self.jac(*self.split(c, inner), self.X)
        return self.torch.cat([dc[..., None], dW, db[..., None]], dim=-1)  # (M, N, q)

    def residual(self, c, inner):
        return self.fwd(*self.split(c, inner), self.X) - self.y

    def ntk(self, c, inner):
        J = self.jacobian(c, inner).reshape(self.m, -1)
        return (J @ J.T) / self.m

    def full_step(self, c, inner, lam):
        o, m = self.o, self.m
        r = self.residual(c, inner)
        J = self.jacobian(c, inner)
        theta = self.torch.cat([c[:, None], inner], dim=1)
        S = self.hess(theta, r)
        Linv = o.tri_inv(o.cholesky(S + lam * o.eye(S.shape[-1])))
        Z = o.einsum("iab,jib->jia", Linv, J).reshape(m, -1)
        Q = Z @ Z.T
        v, gdot = middle(o, Q, r, m)
        w = o.einsum("iab,ib->ia", Linv, o.einsum("jia,j->ia", J, v))
        return o.einsum("iba,ib->ia", Linv, w).reshape(-1), gdot, r

    def gn_step(self, c, inner, lam):
        o, m = self.o, self.m
        r = self.residual(c, inner)
        J = self.jacobian(c, inner).reshape(m, -1)
        v, gdot = middle(o, (J @ J.T) / lam, r, m)
        return (J.T @ v) / lam, gdot, r


class JaxAutodiff:
    """jax.vmap(jax.jacrev) for J, jax.vmap(jax.hessian) (= jacfwd∘jacrev) for the Sᵢ, all jitted."""

    def __init__(self, o, X, y, beta, width):
        jax, jnp = o.jax, o.jnp
        self.o = o
        self.X, self.y = o.asarray(X), o.asarray(y)
        m, d = X.shape
        self.m, self.d = m, d
        s = float(width) ** (-beta)

        def f_single(params, x):
            c, W, b = params
            return s * (c @ jnp.tanh(W @ x + b))

        def split(c, inner):
            return (c, inner[:, :d], inner[:, d])

        def jacobian(c, inner, X):
            dc, dW, db = jax.vmap(jax.jacrev(f_single), in_axes=(None, 0))(split(c, inner), X)
            return jnp.concatenate([dc[..., None], dW, db[..., None]], axis=-1)  # (M, N, q)

        def residual(c, inner, X, y):
            return jax.vmap(f_single, in_axes=(None, 0))(split(c, inner), X) - y

        def ntk(c, inner, X):
            J = jacobian(c, inner, X).reshape(m, -1)
            return (J @ J.T) / m

        def full_step(c, inner, lam, X, y):
            r = residual(c, inner, X, y)
            J = jacobian(c, inner, X)

            def h(theta):
                return (s / m) * (r @ (theta[0] * jnp.tanh(X @ theta[1 : 1 + d] + theta[1 + d])))

            S = jax.vmap(jax.hessian(h))(jnp.concatenate([c[:, None], inner], axis=1))
            Linv = o.tri_inv(jnp.linalg.cholesky(S + lam * jnp.eye(d + 2)))
            Z = jnp.einsum("iab,jib->jia", Linv, J).reshape(m, -1)
            Q = Z @ Z.T
            v, gdot = middle(o, Q, r, m)
            w = jnp.einsum("iab,ib->ia", Linv, jnp.einsum("jia,j->ia", J, v))
            return jnp.einsum("iba,ib->ia", Linv, w).reshape(-1), gdot, r

        def gn_step(c, inner, lam, X, y):
            r = residual(c, inner, X, y)
            J = jacobian(c, inner, X).reshape(m, -1)
            v, gdot = middle(o, (J @ J.T) / lam, r, m)
            return (J.T @ v) / lam, gdot, r

        self._ntk = jax.jit(ntk)
        self._full = jax.jit(full_step)
        self._gn = jax.jit(gn_step)
        self.compile_seconds = 0.0

    def aot(self, kind, c, inner, lam=1.0):
        t0 = time.perf_counter()
        if kind == "ntk":
            self._ntk = self._ntk.lower(c, inner, self.X).compile()
        elif kind == "full":
            self._full = self._full.lower(c, inner, lam, self.X, self.y).compile()
        else:
            self._gn = self._gn.lower(c, inner, lam, self.X, self.y).compile()
        return time.perf_counter() - t0

    def ntk(self, c, inner):
        return self._ntk(c, inner, self.X)

    def full_step(self, c, inner, lam):
        return self._full(c, inner, lam, self.X, self.y)

    def gn_step(self, c, inner, lam):
        return self._gn(c, inner, lam, self.X, self.y)


# --------------------------------------------------------------------------- inputs and outputs

def load_inputs(directory):
    import numpy as np
    with open(os.path.join(directory, "meta.json")) as fh:
        meta = json.load(fh)
    if meta.get("activation", "tanh") != "tanh":
        raise SystemExit("peers.py: only tanh is implemented")
    if not meta.get("bias", True):
        raise SystemExit("peers.py: only networks with bias are implemented")
    arrays = {name: np.load(os.path.join(directory, f"{name}.npy")) for name in ("X", "y", "c", "W", "b")}
    return meta, arrays


def save(out, name, array):
    import numpy as np
    path = os.path.join(out, f"{name}.npy")
    np.save(path, np.ascontiguousarray(np.asarray(array, dtype=np.float64)))
    return path


BUDGET = 8.0  # seconds per method: see timed()


def timed(fn, reps, sync, warmup=1):
    """A warm-up run, then the median of `reps` runs — fewer when one run is long: at most
    max(1, BUDGET / warm-up) of them, and a method whose warm-up alone exceeds BUDGET is
    timed by that one (first) run. The same rule as the nntk side (bench/python-peers.mjs)."""
    out = None
    for _ in range(warmup):
        t0 = time.perf_counter()
        out = sync(fn())
        first = time.perf_counter() - t0
        if first > BUDGET:
            return out, [first]
        reps = max(1, min(reps, int(BUDGET // max(first, 1e-9))))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = sync(fn())
        times.append(time.perf_counter() - t0)
    return out, times


def run_record(name, times, **extra):
    record = {"name": name, "times": times, "median": statistics.median(times) if times else None}
    record.update(extra)
    return record


# --------------------------------------------------------------------------- workloads

def setup_engine(args, o, meta, arrays, variant, width=None):
    import numpy as np
    X, y = arrays["X"], arrays["y"]
    N = width or arrays["c"].shape[0]
    if variant == "structured":
        return Structured(o, X, y, meta["beta"], args.chunk_mib, N)
    if variant == "autodiff":
        if o.name == "torch":
            return TorchAutodiff(o, X, y, meta["beta"], N)
        if o.name == "jax":
            return JaxAutodiff(o, X, y, meta["beta"], N)
    raise SystemExit(f"peers.py: no variant {variant} for {o.name}")


def params(o, arrays):
    import numpy as np
    c = o.asarray(arrays["c"])
    inner = o.asarray(np.hstack([arrays["W"], arrays["b"][:, None]]))
    return c, inner


def compile_ahead(o, engine, kind, c, inner, lam=1.0):
    """JAX's compile time, measured by lowering and compiling ahead of time (nothing runs)."""
    if o.name != "jax":
        return None
    return engine.aot(kind, c, inner, lam)


def workload_w1(args, o, meta, arrays):
    engine = setup_engine(args, o, meta, arrays, args.variant)
    c, inner = params(o, arrays)
    compile_s = compile_ahead(o, engine, "ntk", c, inner)
    K, times = timed(lambda: engine.ntk(c, inner), args.reps, o.sync)
    path = save(args.out, f"W1-{o.name}-{args.variant}-K", o.to_numpy(K))
    return [run_record(f"{args.variant}", times, outputs={"K": path}, compileSeconds=compile_s)]


def step_workload(args, o, meta, arrays, hessian):
    engine = setup_engine(args, o, meta, arrays, args.variant)
    c, inner = params(o, arrays)
    lam = args.lam
    call = (lambda: engine.full_step(c, inner, lam)) if hessian == "full" else (lambda: engine.gn_step(c, inner, lam))
    compile_s = compile_ahead(o, engine, "full" if hessian == "full" else "gn", c, inner, lam)
    (delta, gdot, r), times = timed(call, args.reps, o.sync, 1)
    name = f"{args.workload}-{o.name}-{args.variant}-delta"
    path = save(args.out, name, o.to_numpy(delta))
    return [run_record(args.variant, times, outputs={"delta": path}, compileSeconds=compile_s, gradientDot=o.item(gdot))]


def dense_estimate(args, meta, arrays):
    """What the dense P×P Hessian route costs: JᵀJ (dgemm, see dense_run) and dpotrf of H + λI, timed at n = 4096 and extrapolated."""
    import numpy as np
    import scipy.linalg as sl
    m = arrays["X"].shape[0]
    N, d = arrays["W"].shape
    P = N * (d + 2)
    n = min(4096, P)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, n))
    At = np.ascontiguousarray(A.T)
    t_syrk = t_potrf = math.inf
    for _ in range(2):  # the faster of two: the first call pays for thread start-up and page faults
        t0 = time.perf_counter()
        H = At @ A  # dgemm, 2·n²·M flops, as dense_run forms JᵀJ
        t_syrk = min(t_syrk, time.perf_counter() - t0)
        H += n * np.eye(n)
        t0 = time.perf_counter()
        sl.cho_factor(H.T, lower=True, overwrite_a=True, check_finite=False)
        t_potrf = min(t_potrf, time.perf_counter() - t0)
    scale2, scale3 = (P / n) ** 2, (P / n) ** 3
    seconds = t_syrk * scale2 + t_potrf * scale3
    bytes_ = 8 * P * P + 8 * m * P
    return [
        run_record(
            "dense-estimate",
            [],
            P=P,
            hessianBytes=8 * P * P,
            totalBytes=bytes_,
            measuredAt=n,
            syrkSeconds=t_syrk,
            potrfSeconds=t_potrf,
            potrfGflops=(n**3 / 3) / t_potrf / 1e9,
            estimatedSeconds=seconds,
            estimatedSyrkSeconds=t_syrk * scale2,
            estimatedPotrfSeconds=t_potrf * scale3,
        )
    ]


def dense_run(args, o, meta, arrays):
    """The dense route itself: J (M×P), H = JᵀJ/M + blockdiag(S) + λI, dpotrf, dpotrs."""
    import numpy as np
    import scipy.linalg as sl
    engine = Structured(o, arrays["X"], arrays["y"], meta["beta"], 1e9, arrays["c"].shape[0])
    c, inner = params(o, arrays)
    lam = args.lam

    def step():
        m, s, Xt = engine.m, engine.s, engine.Xt
        V, D1 = features(o, Xt, inner)
        r = s * (V @ c) - engine.y
        J = jacobian_blocks(o, Xt, c, V, D1, s).reshape(m, -1)
        S = s_blocks(o, Xt, r, c, V, D1, s, m)
        # JᵀJ by dgemm on an explicit copy of Jᵀ: numpy would spot J.T @ J and call dsyrk, and
        # scipy-openblas 0.3.31's dsyrk crashes (SIGSEGV) at n = 32768, k = 1024 with 2 threads.
        H = np.ascontiguousarray(J.T) @ J
        H /= m  # in place from here on: H alone is 8·P² bytes
        q, N = engine.q, c.shape[0]
        for i in range(N):
            H[i * q : (i + 1) * q, i * q : (i + 1) * q] += S[i]
        H[np.diag_indices_from(H)] += lam
        g = (J.T @ r) / m
        del J
        # H is symmetric, so its transpose (a Fortran-ordered view) is H: factored in place, no copy.
        return sl.cho_solve(sl.cho_factor(H.T, lower=True, overwrite_a=True, check_finite=False), g)

    delta, times = timed(step, 1, o.sync, warmup=0)
    path = save(args.out, f"W2-numpy-dense-delta", delta)
    return [run_record("dense", times, outputs={"delta": path})]


def workload_w4(args, o, meta, matrix):
    import numpy as np
    K = matrix
    runs = []

    def record(name, fn, vectors):
        Kx = o.asarray(K)
        out, times = timed(lambda: fn(Kx), args.reps, o.sync)
        if vectors:
            w, V = out
            paths = {
                "values": save(args.out, f"W4-{name}-values", o.to_numpy(w)),
                "vectors": save(args.out, f"W4-{name}-vectors", o.to_numpy(V).T),  # rows = eigenvectors, as nntk
            }
        else:
            paths = {"values": save(args.out, f"W4-{name}-values", o.to_numpy(out))}
        kind = "all pairs" if vectors else "values only"
        runs.append(run_record(name, times, outputs=paths, kind=kind))
        log(f"W4 {name}: {statistics.median(times):.3f} s")

    if o.name == "numpy":
        import scipy.linalg as sl
        record("scipy-eigh-evd", lambda A: sl.eigh(A, driver="evd"), True)
        record("numpy-eigh", lambda A: np.linalg.eigh(A), True)
        record("scipy-eigvalsh-evd", lambda A: sl.eigh(A, eigvals_only=True, driver="evd"), False)
        record("scipy-eigvalsh-ev", lambda A: sl.eigh(A, eigvals_only=True, driver="ev"), False)
        record("scipy-eigvalsh-evr", lambda A: sl.eigh(A, eigvals_only=True, driver="evr"), False)
        record("numpy-eigvalsh", lambda A: np.linalg.eigvalsh(A), False)
    elif o.name == "torch":
        import torch
        record("torch-eigh", lambda A: torch.linalg.eigh(A), True)
        record("torch-eigvalsh", lambda A: torch.linalg.eigvalsh(A), False)
    else:
        jax, jnp = o.jax, o.jnp
        Kx = o.asarray(K)
        t0 = time.perf_counter()
        eigh = jax.jit(jnp.linalg.eigh).lower(Kx).compile()
        c1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        eigvalsh = jax.jit(jnp.linalg.eigvalsh).lower(Kx).compile()
        c2 = time.perf_counter() - t0
        record("jax-eigh", lambda A: tuple(eigh(A)), True)
        runs[-1]["compileSeconds"] = c1
        record("jax-eigvalsh", lambda A: eigvalsh(A), False)
        runs[-1]["compileSeconds"] = c2
    return runs


def workload_w5(args, o, meta, arrays):
    """The canonical training (docs/math.md §6) with nntk's default Newton (README): Gauss–Newton with
    adaptive LM damping (λ ÷10 after a gain > ¾, ÷3 after a gain in (¼, ¾], never raised on an
    accepted step; at the first rejected Gauss–Newton attempt λ jumps to τ·max diag 𝒦_GD, τ = 1e-3),
    switching to the full Hessian (λ never below the certified auto λ) for the rest of the run once
    the residual fell by less than 2× over 15 accepted steps; 100 accepted steps, 1000 attempts."""
    import numpy as np
    engine = setup_engine(args, o, meta, arrays, "structured")
    c0, inner0 = params(o, arrays)
    floor, margin, ceiling = 1e-12, 0.1, 1e20
    window, factor, tau = 15, 2.0, 1e-3
    m = engine.m
    q = engine.q
    y = arrays["y"]
    y_norm = float(np.linalg.norm(y)) or 1.0

    def loss_of(r):
        r = o.to_numpy(r)
        return float(r @ r) / (2 * m), float(np.linalg.norm(r)) / y_norm

    def moved(c, inner, delta):
        D = delta.reshape(c.shape[0], q)
        return c - D[:, 0], inner - D[:, 1:]

    def train():
        c, inner = c0, inner0
        r = engine.residual(c, inner)
        loss, rel = loss_of(r)
        damping = floor
        growth = 2.0
        steps = accepted_steps = 0
        history = [rel]
        accepted_residuals = [rel]
        curvature = "gauss-newton"
        rescaled = False
        reason = None
        while True:
            if rel <= args.tol:
                reason = "converged"
                break
            if accepted_steps >= args.max_steps:
                reason = "max-steps"
                break
            if steps >= 10 * args.max_steps:
                reason = "max-attempts"
                break
            if curvature == "full":
                auto = floor + (1 + margin) * max(0.0, -engine.min_eigenvalue_s(c, inner, r))
                lam = max(damping, auto)
                delta, gdot, _ = engine.full_step(c, inner, lam)
            else:
                lam = damping
                delta, gdot, _ = engine.gn_step(c, inner, lam)
            gdot = o.item(gdot)
            nsq = float(o.item((delta * delta).sum()))
            c1, inner1 = moved(c, inner, delta)
            r1 = engine.residual(c1, inner1)
            loss1, rel1 = loss_of(r1)
            predicted = gdot - 0.5 * (gdot - lam * nsq)
            gain = (loss - loss1) / predicted
            steps += 1
            if math.isfinite(loss1) and gain > 1e-4:
                c, inner, r, loss, rel = c1, inner1, r1, loss1, rel1
                accepted_steps += 1
                if gain > 0.75:
                    damping = max(floor, damping / 10)
                elif gain > 0.25:
                    damping = max(floor, damping / 3)
                growth = 2.0
                accepted_residuals.append(rel)
                if len(accepted_residuals) > window and accepted_residuals[-1 - window] < factor * rel:
                    curvature = "full"
            else:
                damping = max(damping, lam) * growth
                growth *= 2
                if not rescaled and curvature == "gauss-newton":
                    ntk = o.to_numpy(engine.ntk(c, inner))
                    damping = max(damping, floor, tau * float(np.max(np.diag(ntk))))
                    rescaled = True
            history.append(rel)
            if damping > ceiling:
                reason = "stalled"
                break
        return c, inner, rel, steps, accepted_steps, reason, history

    # Warm-up outside the timing: one step's worth of calls (for JAX this compiles every
    # jitted function; the seconds are reported as compile time).
    t0 = time.perf_counter()
    r = engine.residual(c0, inner0)
    engine.min_eigenvalue_s(c0, inner0, r)
    o.sync(engine.full_step(c0, inner0, 1.0))
    d, _, _ = o.sync(engine.gn_step(c0, inner0, 1.0))
    o.sync(engine.residual(*moved(c0, inner0, d)))
    compile_s = time.perf_counter() - t0 if o.name == "jax" else None
    t0 = time.perf_counter()
    c, inner, rel, steps, accepted, reason, history = train()
    seconds = time.perf_counter() - t0
    c_np, inner_np = o.to_numpy(c), o.to_numpy(inner)
    d = arrays["W"].shape[1]
    paths = {
        "c": save(args.out, f"W5-{o.name}-c", c_np),
        "W": save(args.out, f"W5-{o.name}-W", inner_np[:, :d]),
        "b": save(args.out, f"W5-{o.name}-b", inner_np[:, d]),
    }
    return [
        run_record(
            "newton-default",
            [seconds],
            outputs=paths,
            steps=steps,
            acceptedSteps=accepted,
            residual=rel,
            reason=reason,
            compileSeconds=compile_s,
            history=history,
        )
    ]


def workload_w6(args, o, meta, arrays):
    engine = setup_engine(args, o, meta, arrays, args.variant)
    c, inner = params(o, arrays)
    lam = args.lam
    call = lambda: engine.full_step(c, inner, lam)  # noqa: E731
    compile_s = compile_ahead(o, engine, "full", c, inner, lam)
    for _ in range(50):
        o.sync(call())
    times = []
    started = time.perf_counter()
    while len(times) < 200 or (time.perf_counter() - started < args.min_seconds and len(times) < 100000):
        t0 = time.perf_counter_ns()
        out = o.sync(call())
        times.append((time.perf_counter_ns() - t0) / 1e9)
    delta = out[0]
    path = save(args.out, f"W6-{o.name}-{args.variant}-delta", o.to_numpy(delta))
    return [run_record(args.variant, times, outputs={"delta": path}, compileSeconds=compile_s, iterations=len(times))]


def workload_w7(args, o, meta, arrays):
    lam = args.lam
    engine = setup_engine(args, o, meta, arrays, args.variant)
    c, inner = params(o, arrays)
    compile_s = None
    if o.name == "jax":
        compile_s = engine.aot("full", c, inner, lam)
    else:
        # Warm-up at a small width with the same points (as the nntk side does).
        wN = min(args.warmup_width, arrays["c"].shape[0])
        small = dict(arrays, c=arrays["c"][:wN], W=arrays["W"][:wN], b=arrays["b"][:wN])
        warm = setup_engine(args, o, meta, small, args.variant, width=wN)
        # Its own θ has its own S: a λ far above |λ_min(Sᵢ)| keeps every block positive definite.
        o.sync(warm.full_step(*params(o, small), 1.0 + 1e3 * lam))
        del warm
    (delta, gdot, r), times = timed(lambda: engine.full_step(c, inner, lam), 1, o.sync, warmup=0)
    path = save(args.out, f"W7-{o.name}-{args.variant}-N{arrays['c'].shape[0]}-delta", o.to_numpy(delta))
    return [run_record(args.variant, times, outputs={"delta": path}, compileSeconds=compile_s, chunks=len(getattr(engine, "chunks", [])) or None)]


# --------------------------------------------------------------------------- main

def versions():
    out = {"python": sys.version.split()[0]}
    for name in ("numpy", "scipy", "torch", "jax", "jaxlib"):
        try:
            mod = __import__(name)
            out[name] = mod.__version__
        except Exception:  # noqa: BLE001
            out[name] = None
    return out


def blas_info():
    info = {}
    try:
        import numpy as np
        cfg = np.show_config(mode="dicts")
        info["numpy"] = cfg["Build Dependencies"]["blas"].get("openblas configuration") or cfg["Build Dependencies"]["blas"].get("name")
    except Exception as error:  # noqa: BLE001
        info["numpy"] = f"unknown ({error})"
    try:
        import torch
        import re
        text = torch.__config__.show()
        found = [m.group(0) for m in re.finditer(r"(BLAS_INFO|LAPACK_INFO)=\w+", text)]
        if "OpenMP" in text:
            found.append("OpenMP")
        info["torch"] = ", ".join(found) or "unknown"
    except Exception as error:  # noqa: BLE001
        info["torch"] = f"unavailable ({type(error).__name__})"
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        info["jax"] = f"devices {[str(d) for d in jax.devices()]}; XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}"
    except Exception as error:  # noqa: BLE001
        info["jax"] = f"unavailable ({type(error).__name__})"
    return info


def main(argv):
    args = parse_args(argv)
    configure_threads(args.threads, args.system)
    if args.workload == "info":
        available = {}
        for name in ("numpy", "scipy", "torch", "jax"):
            try:
                __import__(name)
                available[name] = True
            except Exception:  # noqa: BLE001
                available[name] = False
        print(json.dumps({"versions": versions(), "available": available, "blas": blas_info(), "affinity": len(os.sched_getaffinity(0))}))
        return 0
    if not (args.system and args.inputs and args.out):
        raise SystemExit("peers.py: --system, --inputs and --out are required")
    os.makedirs(args.out, exist_ok=True)
    o = make_ops(args.system, args.threads)
    import numpy as np

    started = time.perf_counter()
    if args.workload == "W4":
        runs = workload_w4(args, o, None, np.load(os.path.join(args.inputs, "K.npy")))
    else:
        meta, arrays = load_inputs(args.inputs)
        w = args.workload
        if w == "W1":
            runs = workload_w1(args, o, meta, arrays)
        elif w == "W2" and args.variant == "dense-estimate":
            runs = dense_estimate(args, meta, arrays)
        elif w == "W2" and args.variant == "dense":
            runs = dense_run(args, o, meta, arrays)
        elif w == "W2":
            runs = step_workload(args, o, meta, arrays, "full")
        elif w == "W3":
            runs = step_workload(args, o, meta, arrays, "gauss-newton")
        elif w == "W5":
            runs = workload_w5(args, o, meta, arrays)
        elif w == "W6":
            runs = workload_w6(args, o, meta, arrays)
        else:
            runs = workload_w7(args, o, meta, arrays)
    result = {
        "workload": args.workload,
        "system": args.system,
        "variant": args.variant,
        "runs": runs,
        "peakRssMiB": peak_rss_mib(),
        "cpuSeconds": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
        "busyThreads": busy_threads(),
        "threads": args.threads,
        "wallSeconds": time.perf_counter() - started,
        "versions": versions(),
    }
    if args.system == "torch":
        import torch
        result["torchThreads"] = torch.get_num_threads()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
