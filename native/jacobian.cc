#include "jacobian.h"

#include <algorithm>

#include "parallel.h"
#include "workspace.h"

namespace nntk {
namespace {

struct Chunk {
  int64_t k, nc;
  int64_t ldf;  // row stride of value and slope (≥ nc)
  const double* xt;
  const double* value;
  const double* slope;
  const double* scaled_c;     // scale·cᵢ
  const double* factors;      // null: not whitened
  const double* reciprocals;  // 1/diagonal of every factor
  double scale;
  double* out;
};

// Rows [begin, end). Q > 0 fixes q = k + 1 at compile time: a segment is
// then formed and solved in registers, fully unrolled, and stored once.
// Written into the output and solved there, GCC packed the chain into
// vectors that went through memory and stalled on store-to-load forwarding:
// four times slower at q = 4 (41 against 10 µs for M = 32, nc = 128).
template <int Q>
void Rows(const Chunk& a, int64_t begin, int64_t end) {
  const int64_t q = Q > 0 ? Q : a.k + 1;
  const int64_t k = q - 1;
  double local[Q > 0 ? Q : 1];
  for (int64_t j = begin; j < end; ++j) {
    const double* x = a.xt + j * k;
    const double* value = a.value + j * a.ldf;
    const double* slope = a.slope + j * a.ldf;
    double* out = a.out + j * a.nc * q;
    for (int64_t i = 0; i < a.nc; ++i, out += q) {
      double* z = Q > 0 ? local : out;
      const double g = a.scaled_c[i] * slope[i];
      z[0] = a.scale * value[i];
#pragma GCC unroll 16
      for (int64_t p = 0; p < k; ++p) z[1 + p] = g * x[p];
      if (a.factors != nullptr) {
        const double* l = a.factors + i * q * q;
        const double* r = a.reciprocals + i * q;
#pragma GCC unroll 16
        for (int64_t t = 0; t < q; ++t) {
          double s = z[t];
#pragma GCC unroll 16
          for (int64_t p = 0; p < t; ++p) s -= l[t * q + p] * z[p];
          z[t] = s * r[t];
        }
      }
      if (Q > 0) {
#pragma GCC unroll 16
        for (int64_t t = 0; t < q; ++t) out[t] = local[t];
      }
    }
  }
}

void RowsOf(const Chunk& a, int64_t begin, int64_t end) {
  switch (a.k + 1) {
    case 2: return Rows<2>(a, begin, end);
    case 3: return Rows<3>(a, begin, end);
    case 4: return Rows<4>(a, begin, end);
    case 5: return Rows<5>(a, begin, end);
    case 6: return Rows<6>(a, begin, end);
    case 7: return Rows<7>(a, begin, end);
    case 8: return Rows<8>(a, begin, end);
    case 10: return Rows<10>(a, begin, end);
    default: return Rows<0>(a, begin, end);
  }
}

}  // namespace

bool PrepareJacobianBlock(Arguments& args, Call* call) {
  lapack_int k = args.Int(0), nc = args.Int(1), m = args.Int(2);
  const double* xt = args.Doubles(3);
  const double* value = args.Doubles(4);
  const double* slope = args.Doubles(5);
  const double* c = args.Doubles(6);
  double scale = args.Number(7);
  const double* factors = args.ok() && !args.At(8).IsNull() ? args.Doubles(8) : nullptr;
  double* out = args.Doubles(9);
  const lapack_int ldf = args.ok() && !args.At(10).IsUndefined() ? args.Int(10) : nc;
  if (args.ok() && (k < 1 || nc < 1 || m < 1 || ldf < nc)) {
    Napi::RangeError::New(args.At(0).Env(), "jacobianblock: k, nc and m must be positive and ldf ≥ nc")
        .ThrowAsJavaScriptException();
    return false;
  }
  const int64_t q = static_cast<int64_t>(k) + 1;
  const int64_t width = nc * q;
  args.RequireLength(3, static_cast<int64_t>(m) * k);
  args.RequireLength(4, static_cast<int64_t>(m - 1) * ldf + nc);
  args.RequireLength(5, static_cast<int64_t>(m - 1) * ldf + nc);
  args.RequireLength(6, nc);
  if (factors != nullptr) args.RequireLength(8, width * q);
  args.RequireLength(9, width * m);
  if (!args.ok()) return false;
  call->pins = {args.At(3), args.At(4), args.At(5), args.At(6), args.At(8), args.At(9)};
  call->kernel = [=] {
    // scale·cᵢ and the reciprocals of the diagonals once per neuron, not per entry.
    Faults faults(Fault::kJacobianBlock);
    Workspace<double> per_neuron(nc + (factors != nullptr ? width : 0), faults);
    if (per_neuron.get() == nullptr) return kOutOfMemory;
    double* scaled_c = per_neuron.get();
    double* reciprocals = per_neuron.get() + nc;
    for (int64_t i = 0; i < nc; ++i) scaled_c[i] = scale * c[i];
    if (factors != nullptr) {
      for (int64_t i = 0; i < nc; ++i) {
        for (int64_t t = 0; t < q; ++t) reciprocals[i * q + t] = 1.0 / factors[i * q * q + t * q + t];
      }
    }
    const Chunk chunk{k, nc, ldf, xt, value, slope, scaled_c, factors, reciprocals, scale, out};
    ParallelFor(m, std::max<int64_t>(1, kParallelGrain / width),
                [&](int64_t begin, int64_t end) { RowsOf(chunk, begin, end); });
    return 0.0;
  };
  return true;
}

}  // namespace nntk
