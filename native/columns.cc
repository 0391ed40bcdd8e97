#include "columns.h"

#include <algorithm>

#include "parallel.h"

namespace nntk {
namespace {

// Four rows at a time: each row's sum stays in order of i, the four
// independent chains hide the latency of the additions.
void RowSums(int64_t nc, const double* a, const double* w, double* out, int64_t begin, int64_t end) {
  int64_t j = begin;
  for (; j + 4 <= end; j += 4) {
    const double* a0 = a + j * nc;
    const double* a1 = a0 + nc;
    const double* a2 = a1 + nc;
    const double* a3 = a2 + nc;
    double s0 = out[j], s1 = out[j + 1], s2 = out[j + 2], s3 = out[j + 3];
    for (int64_t i = 0; i < nc; ++i) {
      s0 += w[i] * a0[i];
      s1 += w[i] * a1[i];
      s2 += w[i] * a2[i];
      s3 += w[i] * a3[i];
    }
    out[j] = s0;
    out[j + 1] = s1;
    out[j + 2] = s2;
    out[j + 3] = s3;
  }
  for (; j < end; ++j) {
    const double* row = a + j * nc;
    double s = out[j];
    for (int64_t i = 0; i < nc; ++i) s += w[i] * row[i];
    out[j] = s;
  }
}

bool CheckShape(Arguments& args, const char* name) {
  if (args.ok() && (args.Int(0) < 1 || args.Int(1) < 1)) {
    Napi::RangeError::New(args.At(0).Env(), std::string(name) + ": m and nc must be positive").ThrowAsJavaScriptException();
    return false;
  }
  return args.ok();
}

}  // namespace

bool PrepareWeightedRowSums(Arguments& args, Call* call) {
  lapack_int m = args.Int(0), nc = args.Int(1);
  const double* a = args.Doubles(2);
  const double* w = args.Doubles(3);
  double* out = args.Doubles(4);
  if (!CheckShape(args, "weightedrowsums")) return false;
  args.RequireLength(2, static_cast<int64_t>(m) * nc);
  args.RequireLength(3, nc);
  args.RequireLength(4, m);
  if (!args.ok()) return false;
  call->pins = {args.At(2), args.At(3), args.At(4)};
  call->kernel = [=] {
    ParallelFor(m, std::max<int64_t>(4, kParallelGrain / nc),
                [&](int64_t begin, int64_t end) { RowSums(nc, a, w, out, begin, end); });
    return 0.0;
  };
  return true;
}

bool PrepareScaledColumns(Arguments& args, Call* call) {
  lapack_int m = args.Int(0), nc = args.Int(1);
  const double* a = args.Doubles(2);
  const double* s = args.Doubles(3);
  double* out = args.Doubles(4);
  if (!CheckShape(args, "scaledcolumns")) return false;
  const int64_t size = static_cast<int64_t>(m) * nc;
  args.RequireLength(2, size);
  args.RequireLength(3, nc);
  args.RequireLength(4, size);
  if (!args.ok()) return false;
  call->pins = {args.At(2), args.At(3), args.At(4)};
  call->kernel = [=] {
    ParallelFor(m, std::max<int64_t>(1, kParallelGrain / nc), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const double* row = a + j * nc;
        double* o = out + j * nc;
        for (int64_t i = 0; i < nc; ++i) o[i] = row[i] * s[i];
      }
    });
    return 0.0;
  };
  return true;
}

}  // namespace nntk
