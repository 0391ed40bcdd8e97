#include "activations.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "parallel.h"
#include "workspace.h"

extern "C" {
// glibc's libmvec, AVX2 variants: four doubles at a time.
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_expm1(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
__m256d _ZGVdN4v_erf(__m256d);
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
}

namespace nntk {
namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;

// One element, scalar libm: the reference for the vector path and its tail.
void Scalar(Activation kind, double x, double* value, double* slope,
            double* curvature) {
  double v = 0, d = 0, c = 0;
  switch (kind) {
    case Activation::kTanh: {
      // With E = e^(−2|x|) and m = expm1(−2|x|) (both accurate to the last
      // bits): tanh|x| = −m/(1 + E) and sech² x = 4E/(1 + E)². The textbook
      // σ′ = 1 − σ² loses all its digits as σ → ±1.
      double a = std::fabs(x);
      double e = std::exp(-2 * a), m = std::expm1(-2 * a), p = 1 + e;
      v = std::copysign(-m / p, x);
      d = 4 * e / (p * p);
      c = -2 * v * d;
      break;
    }
    case Activation::kSigmoid:
    case Activation::kSoftplus: {
      // With e = e^(−|x|): σ′ = e/(1 + e)² and, via q = expm1(−|x|),
      // 1 − 2σ = ±q/(1 + e), free of the cancellation in s(1 − s), 1 − 2s.
      double e = std::exp(-std::fabs(x)), q = std::expm1(-std::fabs(x)), p = 1 + e;
      double s = x >= 0 ? 1 / p : e / p;
      double ds = e / (p * p);
      if (kind == Activation::kSigmoid) {
        v = s;
        d = ds;
        c = ds * (x >= 0 ? q / p : -q / p);
      } else {
        v = std::max(x, 0.0) + std::log1p(e);
        d = s;
        c = ds;
      }
      break;
    }
    case Activation::kSin:
      v = std::sin(x);
      d = std::cos(x);
      c = -v;
      break;
    case Activation::kErf: {
      v = std::erf(x);
      d = kTwoOverSqrtPi * std::exp(-x * x);
      c = -2 * x * d;
      break;
    }
    case Activation::kRelu:
      // σ′(0) = 0 by convention (docs/math.md §1).
      v = x > 0 ? x : 0;
      d = x > 0 ? 1 : 0;
      c = 0;
      break;
  }
  if (value) *value = v;
  if (slope) *slope = d;
  if (curvature) *curvature = c;
}

__attribute__((target("avx2,fma"))) void Store(double* out, int64_t i,
                                               __m256d v) {
  if (out) _mm256_storeu_pd(out + i, v);
}

// Four elements through libmvec; the formulas are those of Scalar.
__attribute__((target("avx2,fma"))) int64_t Vector(Activation kind,
                                                   const double* u, int64_t n,
                                                   double* value, double* slope,
                                                   double* curvature) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d two = _mm256_set1_pd(2.0);
  const __m256d zero = _mm256_setzero_pd();
  const __m256d sign = _mm256_set1_pd(-0.0);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d x = _mm256_loadu_pd(u + i);
    __m256d v = zero, d = zero, c = zero;
    switch (kind) {
      case Activation::kTanh: {
        __m256d a2 = _mm256_mul_pd(two, _mm256_andnot_pd(sign, x));  // 2|x|
        __m256d e = _ZGVdN4v_exp(_mm256_xor_pd(a2, sign));
        __m256d m = _ZGVdN4v_expm1(_mm256_xor_pd(a2, sign));
        __m256d p = _mm256_add_pd(one, e);
        __m256d t = _mm256_div_pd(_mm256_xor_pd(m, sign), p);
        v = _mm256_or_pd(t, _mm256_and_pd(sign, x));
        d = _mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(4.0), e), _mm256_mul_pd(p, p));
        c = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), v), d);
        break;
      }
      case Activation::kSigmoid:
      case Activation::kSoftplus: {
        __m256d na = _mm256_or_pd(_mm256_andnot_pd(sign, x), sign);  // −|x|
        __m256d e = _ZGVdN4v_exp(na);
        __m256d q = _ZGVdN4v_expm1(na);
        __m256d p = _mm256_add_pd(one, e);
        __m256d r = _mm256_div_pd(one, p);
        __m256d nonnegative = _mm256_cmp_pd(x, zero, _CMP_GE_OQ);
        __m256d s = _mm256_blendv_pd(_mm256_mul_pd(e, r), r, nonnegative);
        __m256d ds = _mm256_mul_pd(_mm256_mul_pd(e, r), r);
        if (kind == Activation::kSigmoid) {
          __m256d qr = _mm256_mul_pd(q, r);
          v = s;
          d = ds;
          c = _mm256_mul_pd(ds, _mm256_blendv_pd(_mm256_xor_pd(qr, sign), qr, nonnegative));
        } else {
          v = _mm256_add_pd(_mm256_max_pd(x, zero), _ZGVdN4v_log1p(e));
          d = s;
          c = ds;
        }
        break;
      }
      case Activation::kSin:
        v = _ZGVdN4v_sin(x);
        d = _ZGVdN4v_cos(x);
        c = _mm256_xor_pd(v, sign);
        break;
      case Activation::kErf: {
        v = _ZGVdN4v_erf(x);
        d = _mm256_mul_pd(_mm256_set1_pd(kTwoOverSqrtPi),
                          _ZGVdN4v_exp(_mm256_xor_pd(_mm256_mul_pd(x, x), sign)));
        c = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), x), d);
        break;
      }
      case Activation::kRelu: {
        __m256d positive = _mm256_cmp_pd(x, zero, _CMP_GT_OQ);
        v = _mm256_and_pd(positive, x);
        d = _mm256_and_pd(positive, one);
        c = zero;
        break;
      }
    }
    Store(value, i, v);
    Store(slope, i, d);
    Store(curvature, i, c);
  }
  return i;
}

// NNTK_SCALAR_MATH=1 forces the scalar path (how the tests cover it on AVX2 machines).
bool HasVectorMath() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          std::getenv("NNTK_SCALAR_MATH") == nullptr;
  return has;
}

double* OptionalDoubles(Arguments& args, size_t i, int64_t length) {
  if (args.At(i).IsNull() || args.At(i).IsUndefined()) return nullptr;
  double* out = args.Doubles(i);
  args.RequireLength(i, length);
  return out;
}

// Entries per inner block: the pre-activations and three outputs of a block
// stay in L1 between the dot products and the vector math.
constexpr int64_t kBlock = 256;

struct Features {
  Activation kind;
  int64_t k, nc;
  const double* xt;  // m × k
  const double* wt;  // k × nc
  double* value;
  double* slope;
  double* curvature;
  const double* weights;  // nc, with `scaled`
  double* scaled;         // σ′ times the weight of its column
};

// u[t] = Σₚ x[p]·wt[p·ld + t], t < len, by fused multiply-adds in the order
// of p: the same bits on every path and for every split of the entries.
__attribute__((target("avx2,fma"))) void DotsVector(const double* x, int64_t k, const double* wt,
                                                    int64_t ld, int64_t len, double* u) {
  int64_t t = 0;
  for (; t + 4 <= len; t += 4) {
    __m256d s = _mm256_setzero_pd();
    for (int64_t p = 0; p < k; ++p) {
      s = _mm256_fmadd_pd(_mm256_set1_pd(x[p]), _mm256_loadu_pd(wt + p * ld + t), s);
    }
    _mm256_storeu_pd(u + t, s);
  }
  for (; t < len; ++t) {
    double s = 0;
    for (int64_t p = 0; p < k; ++p) s = __builtin_fma(x[p], wt[p * ld + t], s);
    u[t] = s;
  }
}

void DotsScalar(const double* x, int64_t k, const double* wt, int64_t ld, int64_t len, double* u) {
  for (int64_t t = 0; t < len; ++t) {
    double s = 0;
    for (int64_t p = 0; p < k; ++p) s = std::fma(x[p], wt[p * ld + t], s);
    u[t] = s;
  }
}

// Entries [from, to) of the row-major m × nc outputs, a block within a row at
// a time. On the vector path every entry goes through the four-wide loop (a
// block's tail is padded with zeros), so that no entry depends on where a
// block or a thread's part begins.
void Evaluate(const Features& f, int64_t from, int64_t to) {
  alignas(32) double u[kBlock], v[kBlock], d[kBlock], c[kBlock];
  const bool vector = HasVectorMath();
  for (int64_t e = from; e < to;) {
    const int64_t j = e / f.nc, i = e % f.nc;
    const int64_t len = std::min({kBlock, f.nc - i, to - e});
    const double* x = f.xt + j * f.k;
    if (vector) {
      DotsVector(x, f.k, f.wt + i, f.nc, len, u);
      const int64_t padded = (len + 3) / 4 * 4;
      std::fill(u + len, u + padded, 0.0);
      Vector(f.kind, u, padded, f.value ? v : nullptr, f.slope || f.scaled ? d : nullptr, f.curvature ? c : nullptr);
    } else {
      DotsScalar(x, f.k, f.wt + i, f.nc, len, u);
      for (int64_t t = 0; t < len; ++t) Scalar(f.kind, u[t], v + t, d + t, c + t);
    }
    if (f.value) std::copy(v, v + len, f.value + e);
    if (f.slope) std::copy(d, d + len, f.slope + e);
    if (f.curvature) std::copy(c, c + len, f.curvature + e);
    // The product scaledcolumns forms, while σ′ is in L1: one pass over the m × nc entries fewer.
    if (f.scaled) {
      for (int64_t t = 0; t < len; ++t) f.scaled[e + t] = d[t] * f.weights[i + t];
    }
    e += len;
  }
}

}  // namespace

bool PrepareActivations(Arguments& args, Call* call) {
  lapack_int kind_index = args.Int(0);
  lapack_int k = args.Int(1), nc = args.Int(2), m = args.Int(3);
  const double* xt = args.Doubles(4);
  const double* w = args.Doubles(5);
  if (args.ok() && (kind_index < 0 || kind_index > static_cast<int>(Activation::kRelu))) {
    Napi::RangeError::New(args.At(0).Env(), "activations: unknown activation")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (args.ok() && (k < 1 || nc < 1 || m < 1)) {
    Napi::RangeError::New(args.At(0).Env(), "activations: k, nc and m must be positive")
        .ThrowAsJavaScriptException();
    return false;
  }
  const int64_t n = static_cast<int64_t>(m) * nc;
  args.RequireLength(4, static_cast<int64_t>(m) * k);
  args.RequireLength(5, static_cast<int64_t>(nc) * k);
  double* value = OptionalDoubles(args, 6, n);
  double* slope = OptionalDoubles(args, 7, n);
  double* curvature = OptionalDoubles(args, 8, n);
  const double* weights = OptionalDoubles(args, 9, nc);
  double* scaled = OptionalDoubles(args, 10, n);
  if (args.ok() && (weights == nullptr) != (scaled == nullptr)) {
    Napi::TypeError::New(args.At(0).Env(), "activations: the column weights and the scaled σ′ come together")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (!args.ok()) return false;
  Activation kind = static_cast<Activation>(kind_index);
  call->pins = {args.At(4), args.At(5), args.At(6), args.At(7), args.At(8), args.At(9), args.At(10)};
  call->kernel = [=] {
    // Wᵀ (k × nc), so that a row's pre-activations are sums of contiguous rows.
    Faults faults(Fault::kActivations);
    Workspace<double> transposed(k > 1 ? static_cast<int64_t>(k) * nc : 0, faults);
    if (transposed.get() == nullptr) return kOutOfMemory;
    const double* wt = w;
    if (k > 1) {
      for (int64_t i = 0; i < nc; ++i) {
        for (int64_t p = 0; p < k; ++p) transposed.get()[p * nc + i] = w[i * k + p];
      }
      wt = transposed.get();
    }
    const Features features{kind, k, nc, xt, wt, value, slope, curvature, weights, scaled};
    ParallelFor((n + kBlock - 1) / kBlock, kParallelGrain / kBlock, [&](int64_t begin, int64_t end) {
      Evaluate(features, begin * kBlock, std::min(n, end * kBlock));
    });
    return 0.0;
  };
  return true;
}

bool PrepareCurvatureFromFeatures(Arguments& args, Call* call) {
  lapack_int kind_index = args.Int(0);
  lapack_int n = args.Int(1);
  const double* value = args.Doubles(2);
  const double* slope = args.Doubles(3);
  double* curvature = args.Doubles(4);
  if (args.ok() && (kind_index < 0 || kind_index > static_cast<int>(Activation::kRelu))) {
    Napi::RangeError::New(args.At(0).Env(), "curvaturefromfeatures: unknown activation")
        .ThrowAsJavaScriptException();
    return false;
  }
  args.RequireLength(2, n);
  args.RequireLength(3, n);
  args.RequireLength(4, n);
  if (!args.ok()) return false;
  const Activation kind = static_cast<Activation>(kind_index);
  call->pins = {args.At(2), args.At(3), args.At(4)};
  call->kernel = [=] {
    // The operations of Scalar and Vector on the same σ, σ′, in the same order: the same bits.
    switch (kind) {
      case Activation::kTanh:
        for (int64_t i = 0; i < n; ++i) curvature[i] = -2 * value[i] * slope[i];
        return 0.0;
      case Activation::kSin:
        for (int64_t i = 0; i < n; ++i) curvature[i] = -value[i];
        return 0.0;
      case Activation::kRelu:
        std::fill(curvature, curvature + n, 0.0);
        return 0.0;
      default:
        return 1.0;
    }
  };
  return true;
}

}  // namespace nntk
