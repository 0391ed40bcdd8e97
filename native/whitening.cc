#include "whitening.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "fortran.h"
#include "parallel.h"
#include "workspace.h"

namespace nntk {
namespace {

// The blocks are factored kLanes at a time, interleaved (entry (r, c) of
// lane w at (r·q + c)·kLanes + w): every scalar operation of the
// factorization becomes one vector operation over the lanes, the same
// operation in each lane, so each lane's result has the bits a scalar loop
// would give. At q = 66 a block's q³/3 flops one at a time took a third of the
// time of the dsyrk that consumes the factors (M = 512).
constexpr int64_t kLanes = 4;

// Right-looking Cholesky of the lower triangles of the interleaved blocks g,
// column j copied to `column` so that the trailing update runs along
// contiguous rows. Entry (i, l) receives −lᵢₖ·lₗₖ for k = 0, 1, … and then the
// division by lₗₗ, as in the dot-product form lᵢⱼ = (aᵢⱼ − Σ_{k<j} lᵢₖlⱼₖ)/lⱼⱼ:
// the same bits. Returns the first column at whose
// diagonal some lane is not positive (then g is incomplete), or −1.
__attribute__((target_clones("avx2", "default"))) int64_t FactorLanes(double* __restrict g, int64_t q,
                                                                     double* __restrict column) {
  for (int64_t j = 0; j < q; ++j) {
    double* gjj = g + (j * q + j) * kLanes;
    bool positive = true;
    for (int64_t w = 0; w < kLanes; ++w) positive = positive && gjj[w] > 0;
    if (!positive) return j;
    for (int64_t w = 0; w < kLanes; ++w) gjj[w] = std::sqrt(gjj[w]);
    for (int64_t i = j + 1; i < q; ++i) {
      double* gij = g + (i * q + j) * kLanes;
      for (int64_t w = 0; w < kLanes; ++w) {
        gij[w] /= gjj[w];
        column[i * kLanes + w] = gij[w];
      }
    }
    for (int64_t i = j + 1; i < q; ++i) {
      const double* lij = column + i * kLanes;
      double* row = g + i * q * kLanes;
      for (int64_t l = j + 1; l <= i; ++l) {
        for (int64_t w = 0; w < kLanes; ++w) row[l * kLanes + w] -= lij[w] * column[l * kLanes + w];
      }
    }
  }
  return -1;
}

// U = L⁻¹ of the interleaved lower factors g, into u (interleaved likewise):
// row t of U is (eₜ − Σ_{p<t} lₜₚ·(row p of U)) / lₜₜ.
__attribute__((target_clones("avx2", "default"))) void InvertLanes(const double* __restrict g, int64_t q,
                                                                  double* __restrict u) {
  for (int64_t t = 0; t < q; ++t) {
    double* ut = u + t * q * kLanes;
    for (int64_t c = 0; c <= t; ++c) {
      for (int64_t w = 0; w < kLanes; ++w) ut[c * kLanes + w] = 0;
    }
    for (int64_t p = 0; p < t; ++p) {
      const double* f = g + (t * q + p) * kLanes;
      const double* up = u + p * q * kLanes;
      for (int64_t c = 0; c <= p; ++c) {
        for (int64_t w = 0; w < kLanes; ++w) ut[c * kLanes + w] -= f[w] * up[c * kLanes + w];
      }
    }
    const double* ltt = g + (t * q + t) * kLanes;
    for (int64_t c = 0; c < t; ++c) {
      for (int64_t w = 0; w < kLanes; ++w) ut[c * kLanes + w] /= ltt[w];
    }
    for (int64_t w = 0; w < kLanes; ++w) ut[t * kLanes + w] = 1.0 / ltt[w];
  }
}

// The order of the first failing leading minor of the block a + λI (q×q),
// by the scalar form of FactorLanes: the failing lane's exact minor; -1 when
// its scratch could not be allocated.
int64_t FailingMinor(const double* a, int64_t q, double lambda) {
  Workspace<double> copy(q * q + q, false);
  if (copy.get() == nullptr) return -1;
  double* l = copy.get();
  double* column = l + q * q;
  for (int64_t t = 0; t < q * q; ++t) l[t] = a[t];
  for (int64_t t = 0; t < q; ++t) l[t * q + t] += lambda;
  for (int64_t j = 0; j < q; ++j) {
    if (!(l[j * q + j] > 0)) return j + 1;
    const double ljj = std::sqrt(l[j * q + j]);
    for (int64_t i = j + 1; i < q; ++i) column[i] = l[i * q + j] /= ljj;
    for (int64_t i = j + 1; i < q; ++i) {
      for (int64_t c = j + 1; c <= i; ++c) l[i * q + c] -= column[i] * column[c];
    }
  }
  return 0;
}

}  // namespace

bool PrepareBlockFactors(Arguments& args, Call* call) {
  lapack_int q = args.Int(0), n = args.Int(1);
  double lambda = args.Number(2);
  const double* blocks = args.Doubles(3);
  double* factors = args.Doubles(4);
  double* panel = args.ok() && !args.At(5).IsNull() ? args.Doubles(5) : nullptr;
  if (args.ok() && (q < 1 || n < 1)) {
    Napi::RangeError::New(args.At(0).Env(), "blockfactors: q and n must be positive").ThrowAsJavaScriptException();
    return false;
  }
  const int64_t size = static_cast<int64_t>(n) * q * q;
  args.RequireLength(3, size);
  args.RequireLength(4, size);
  if (panel != nullptr) args.RequireLength(5, size);
  if (!args.ok()) return false;
  call->pins = {args.At(3), args.At(4), args.At(5)};
  call->kernel = [=] {
    const int64_t q2 = static_cast<int64_t>(q) * q;
    const int64_t ldt = static_cast<int64_t>(n) * q;
    // The first failing neuron over all parts: each part stops at its own first.
    std::atomic<int64_t> first_failure{std::numeric_limits<int64_t>::max()};
    std::atomic<bool> out_of_memory{false};
    Faults faults(Fault::kBlockFactors);
    const bool fail_scratch = faults.FailNext();
    const int64_t groups = (n + kLanes - 1) / kLanes;
    ParallelFor(groups, std::max<int64_t>(1, kParallelGrain / (q2 * q * kLanes)), [&](int64_t begin, int64_t end) {
      Workspace<double> scratch(q2 * kLanes * (panel != nullptr ? 2 : 1) + q * kLanes, fail_scratch);
      if (scratch.get() == nullptr) {
        out_of_memory = true;
        return;
      }
      double* g = scratch.get();
      double* column = g + q2 * kLanes;
      double* inverse = column + q * kLanes;
      for (int64_t group = begin; group < end; ++group) {
        const int64_t first = group * kLanes;
        const int64_t lanes = std::min<int64_t>(kLanes, n - first);
        // Lanes past the last block hold the identity, which factors.
        for (int64_t w = 0; w < kLanes; ++w) {
          if (w < lanes) {
            const double* a = blocks + (first + w) * q2;
            for (int64_t e = 0; e < q2; ++e) g[e * kLanes + w] = a[e];
            for (int64_t t = 0; t < q; ++t) g[(t * q + t) * kLanes + w] += lambda;
          } else {
            for (int64_t e = 0; e < q2; ++e) g[e * kLanes + w] = 0.0;
            for (int64_t t = 0; t < q; ++t) g[(t * q + t) * kLanes + w] = 1.0;
          }
        }
        if (FactorLanes(g, q, column) >= 0) {
          for (int64_t w = 0; w < lanes; ++w) {
            const int64_t minor = FailingMinor(blocks + (first + w) * q2, q, lambda);
            if (minor == 0) continue;
            if (minor < 0) {
              out_of_memory = true;
              return;
            }
            const int64_t failure = (first + w) * q + minor;
            int64_t seen = first_failure.load();
            while (failure < seen && !first_failure.compare_exchange_weak(seen, failure)) {
            }
            return;
          }
        }
        for (int64_t w = 0; w < lanes; ++w) {
          double* l = factors + (first + w) * q2;
          const double* a = blocks + (first + w) * q2;
          for (int64_t r = 0; r < q; ++r) {
            for (int64_t c = 0; c <= r; ++c) l[r * q + c] = g[(r * q + c) * kLanes + w];
            for (int64_t c = r + 1; c < q; ++c) l[r * q + c] = a[r * q + c];
          }
        }
        if (panel == nullptr) continue;
        InvertLanes(g, q, inverse);
        // Tᵢ = Uᵀ: entry (p, t) of Tᵢ is U's (t, p), zero below the diagonal.
        for (int64_t w = 0; w < lanes; ++w) {
          for (int64_t p = 0; p < q; ++p) {
            double* row = panel + p * ldt + (first + w) * q;
            for (int64_t t = 0; t < p; ++t) row[t] = 0;
            for (int64_t t = p; t < q; ++t) row[t] = inverse[(t * q + p) * kLanes + w];
          }
        }
      }
    });
    if (out_of_memory) return kOutOfMemory;
    const int64_t failure = first_failure.load();
    return failure == std::numeric_limits<int64_t>::max() ? 0.0 : static_cast<double>(failure);
  };
  return true;
}

bool PrepareBlockSolve(Arguments& args, Call* call) {
  lapack_int q = args.Int(0), n = args.Int(1);
  const double* factors = args.Doubles(2);
  double* x = args.Doubles(3);
  if (args.ok() && (q < 1 || n < 1)) {
    Napi::RangeError::New(args.At(0).Env(), "blocksolve: q and n must be positive").ThrowAsJavaScriptException();
    return false;
  }
  const int64_t q2 = static_cast<int64_t>(q) * q;
  args.RequireLength(2, n * q2);
  args.RequireLength(3, static_cast<int64_t>(n) * q);
  if (!args.ok()) return false;
  call->pins = {args.At(2), args.At(3)};
  call->kernel = [=] {
    ParallelFor(n, std::max<int64_t>(1, kParallelGrain / q2), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const double* l = factors + b * q2;
        double* v = x + b * q;
        // v ← Lᵢ⁻¹·v, then v ← Lᵢ⁻ᵀ·v, each entry's sum in order of k.
        for (int64_t i = 0; i < q; ++i) {
          double s = v[i];
          for (int64_t k = 0; k < i; ++k) s -= l[i * q + k] * v[k];
          v[i] = s / l[i * q + i];
        }
        for (int64_t i = q - 1; i >= 0; --i) {
          double s = v[i];
          for (int64_t k = i + 1; k < q; ++k) s -= l[k * q + i] * v[k];
          v[i] = s / l[i * q + i];
        }
      }
    });
    return 0.0;
  };
  return true;
}

bool PrepareWhitenedJacobian(Arguments& args, Call* call) {
  lapack_int k = args.Int(0), nc = args.Int(1), m = args.Int(2);
  const double* xt = args.Doubles(3);
  const double* value = args.Doubles(4);
  const double* slope = args.Doubles(5);
  const double* c = args.Doubles(6);
  double scale = args.Number(7);
  const double* panel = args.Doubles(8);
  lapack_int ldt = args.Int(9);
  double* out = args.Doubles(10);
  const lapack_int ldf = args.ok() && !args.At(11).IsUndefined() ? args.Int(11) : nc;
  const int64_t q = static_cast<int64_t>(k) + 1;
  const int64_t width = nc * q;
  if (args.ok() && (k < 1 || nc < 1 || m < 1 || ldt < width || ldf < nc)) {
    Napi::RangeError::New(args.At(0).Env(),
                          "whitenedjacobian: k, nc and m must be positive, ldt ≥ nc·(k + 1) and ldf ≥ nc")
        .ThrowAsJavaScriptException();
    return false;
  }
  args.RequireLength(3, static_cast<int64_t>(m) * k);
  args.RequireLength(4, static_cast<int64_t>(m - 1) * ldf + nc);
  args.RequireLength(5, static_cast<int64_t>(m - 1) * ldf + nc);
  args.RequireLength(6, nc);
  args.RequireLength(8, k * static_cast<int64_t>(ldt) + width);
  args.RequireLength(10, width * m);
  if (!args.ok()) return false;
  call->pins = {args.At(3), args.At(4), args.At(5), args.At(6), args.At(8), args.At(10)};
  call->kernel = [=] {
    // Row-major out = X̃ · rows 1…k of the panel is, column-major,
    // outᵀ (nc·q × m) = panelᵀ (nc·q × k, leading dimension ldt) · X̃ᵀ (k × m).
    const lapack_int rows = static_cast<lapack_int>(width);
    const double one = 1.0, zero = 0.0;
    dgemm_("N", "N", &rows, &m, &k, &one, panel + ldt, &ldt, xt, &k, &zero, out, &rows, 1, 1);
    Faults faults(Fault::kWhitenedJacobian);
    Workspace<double> scaled_c(nc, faults);
    if (scaled_c.get() == nullptr) return kOutOfMemory;
    for (int64_t i = 0; i < nc; ++i) scaled_c.get()[i] = scale * c[i];
    const double* sc = scaled_c.get();
    ParallelFor(m, std::max<int64_t>(1, kParallelGrain / width), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        double* z = out + j * width;
        for (int64_t i = 0; i < nc; ++i, z += q) {
          const double a = scale * value[j * ldf + i];
          const double g = sc[i] * slope[j * ldf + i];
          const double* t0 = panel + i * q;
          for (int64_t t = 0; t < q; ++t) z[t] = g * z[t] + a * t0[t];
        }
      }
    });
    return 0.0;
  };
  return true;
}

}  // namespace nntk
