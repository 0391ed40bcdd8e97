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

// Right-looking Cholesky of the lower triangle of the row-major q×q block a,
// column j's entries copied to `column` so that the trailing update runs
// along contiguous rows. Entry (i, l) receives −lᵢₖ·lₗₖ for k = 0, 1, … and
// then the division by lₗₗ, as in the dot-product form of choleskyBlock:
// the results are the same bits. Returns 0 or the failing minor's order.
int64_t Factor(double* a, int64_t q, double* column) {
  for (int64_t j = 0; j < q; ++j) {
    const double d = a[j * q + j];
    if (!(d > 0)) return j + 1;
    const double ljj = std::sqrt(d);
    a[j * q + j] = ljj;
    for (int64_t i = j + 1; i < q; ++i) {
      a[i * q + j] /= ljj;
      column[i] = a[i * q + j];
    }
    for (int64_t i = j + 1; i < q; ++i) {
      const double lij = column[i];
      double* row = a + i * q;
      for (int64_t l = j + 1; l <= i; ++l) row[l] -= lij * column[l];
    }
  }
  return 0;
}

// U = L⁻¹ (lower, row-major q×q) row by row: row t of U is
// (eₜ − Σ_{p<t} lₜₚ·(row p of U)) / lₜₜ, row operations that vectorize.
void Invert(const double* l, int64_t q, double* u) {
  for (int64_t t = 0; t < q; ++t) {
    double* ut = u + t * q;
    for (int64_t c = 0; c <= t; ++c) ut[c] = 0;
    for (int64_t p = 0; p < t; ++p) {
      const double f = l[t * q + p];
      const double* up = u + p * q;
      for (int64_t c = 0; c <= p; ++c) ut[c] -= f * up[c];
    }
    const double ltt = l[t * q + t];
    for (int64_t c = 0; c < t; ++c) ut[c] /= ltt;
    ut[t] = 1.0 / ltt;
  }
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
    ParallelFor(n, std::max<int64_t>(1, kParallelGrain / (q2 * q)), [&](int64_t begin, int64_t end) {
      Workspace<double> scratch(q + (panel != nullptr ? q2 : 0));
      if (scratch.get() == nullptr) {
        out_of_memory = true;
        return;
      }
      double* column = scratch.get();
      double* inverse = scratch.get() + q;
      for (int64_t i = begin; i < end; ++i) {
        double* a = factors + i * q2;
        std::copy(blocks + i * q2, blocks + (i + 1) * q2, a);
        for (int64_t t = 0; t < q; ++t) a[t * q + t] += lambda;
        const int64_t minor = Factor(a, q, column);
        if (minor != 0) {
          const int64_t failure = i * q + minor;
          int64_t seen = first_failure.load();
          while (failure < seen && !first_failure.compare_exchange_weak(seen, failure)) {
          }
          return;
        }
        if (panel == nullptr) continue;
        Invert(a, q, inverse);
        // Tᵢ = Uᵀ: entry (p, t) of Tᵢ is U's (t, p), zero below the diagonal.
        for (int64_t p = 0; p < q; ++p) {
          double* row = panel + p * ldt + i * q;
          for (int64_t t = 0; t < p; ++t) row[t] = 0;
          for (int64_t t = p; t < q; ++t) row[t] = inverse[t * q + p];
        }
      }
    });
    if (out_of_memory) return kOutOfMemory;
    const int64_t failure = first_failure.load();
    return failure == std::numeric_limits<int64_t>::max() ? 0.0 : static_cast<double>(failure);
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
  const int64_t q = static_cast<int64_t>(k) + 1;
  const int64_t width = nc * q;
  if (args.ok() && (k < 1 || nc < 1 || m < 1 || ldt < width)) {
    Napi::RangeError::New(args.At(0).Env(), "whitenedjacobian: k, nc and m must be positive and ldt ≥ nc·(k + 1)")
        .ThrowAsJavaScriptException();
    return false;
  }
  args.RequireLength(3, static_cast<int64_t>(m) * k);
  args.RequireLength(4, static_cast<int64_t>(m) * nc);
  args.RequireLength(5, static_cast<int64_t>(m) * nc);
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
    Workspace<double> scaled_c(nc);
    if (scaled_c.get() == nullptr) return kOutOfMemory;
    for (int64_t i = 0; i < nc; ++i) scaled_c.get()[i] = scale * c[i];
    const double* sc = scaled_c.get();
    ParallelFor(m, std::max<int64_t>(1, kParallelGrain / width), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        double* z = out + j * width;
        for (int64_t i = 0; i < nc; ++i, z += q) {
          const double a = scale * value[j * nc + i];
          const double g = sc[i] * slope[j * nc + i];
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
