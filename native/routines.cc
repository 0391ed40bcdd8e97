#include "routines.h"

#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "small_call.h"
#include "workspace.h"

namespace nntk {

namespace {

int64_t Lwork(double query) { return static_cast<int64_t>(std::ceil(query)); }

}  // namespace

bool PrepareDgemm(Arguments& args, Call* call) {
  char ta = args.Flag(0, "NT");
  char tb = args.Flag(1, "NT");
  lapack_int m = args.Int(2), n = args.Int(3), k = args.Int(4);
  double alpha = args.Number(5);
  const double* a = args.Doubles(6);
  lapack_int lda = args.Int(7);
  const double* b = args.Doubles(8);
  lapack_int ldb = args.Int(9);
  double beta = args.Number(10);
  double* c = args.Doubles(11);
  lapack_int ldc = args.Int(12);
  if (ta == 'N') args.RequireMatrix(6, m, k, lda); else args.RequireMatrix(6, k, m, lda);
  if (tb == 'N') args.RequireMatrix(8, k, n, ldb); else args.RequireMatrix(8, n, k, ldb);
  args.RequireMatrix(11, m, n, ldc);
  if (!args.ok()) return false;
  call->pins = {args.At(6), args.At(8), args.At(11)};
  call->kernel = [=] {
    dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
    return 0.0;
  };
  return true;
}

bool PrepareDsyrk(Arguments& args, Call* call) {
  char uplo = args.Flag(0, "UL");
  char trans = args.Flag(1, "NT");
  lapack_int n = args.Int(2), k = args.Int(3);
  double alpha = args.Number(4);
  const double* a = args.Doubles(5);
  lapack_int lda = args.Int(6);
  double beta = args.Number(7);
  double* c = args.Doubles(8);
  lapack_int ldc = args.Int(9);
  if (trans == 'N') args.RequireMatrix(5, n, k, lda); else args.RequireMatrix(5, k, n, lda);
  args.RequireMatrix(8, n, n, ldc);
  if (!args.ok()) return false;
  call->pins = {args.At(5), args.At(8)};
  call->kernel = [=] {
    dsyrk_(&uplo, &trans, &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
    return 0.0;
  };
  return true;
}

bool PrepareDtrsm(Arguments& args, Call* call) {
  char side = args.Flag(0, "LR");
  char uplo = args.Flag(1, "UL");
  char transa = args.Flag(2, "NT");
  char diag = args.Flag(3, "NU");
  lapack_int m = args.Int(4), n = args.Int(5);
  double alpha = args.Number(6);
  const double* a = args.Doubles(7);
  lapack_int lda = args.Int(8);
  double* b = args.Doubles(9);
  lapack_int ldb = args.Int(10);
  lapack_int order = side == 'L' ? m : n;
  args.RequireMatrix(7, order, order, lda);
  args.RequireMatrix(9, m, n, ldb);
  if (!args.ok()) return false;
  call->pins = {args.At(7), args.At(9)};
  call->kernel = [=] {
    dtrsm_(&side, &uplo, &transa, &diag, &m, &n, &alpha, a, &lda, b, &ldb, 1, 1, 1, 1);
    return 0.0;
  };
  return true;
}

bool PrepareDpotrf(Arguments& args, Call* call) {
  char uplo = args.Flag(0, "UL");
  lapack_int n = args.Int(1);
  double* a = args.Doubles(2);
  lapack_int lda = args.Int(3);
  args.RequireMatrix(2, n, n, lda);
  if (!args.ok()) return false;
  call->pins = {args.At(2)};
  call->kernel = [=] {
    SingleThreadBelow threads(n);
    lapack_int info = 0;
    dpotrf_(&uplo, &n, a, &lda, &info, 1);
    return static_cast<double>(info);
  };
  return true;
}

namespace {

// dpotrs and dposv share their signature.
template <typename Routine>
bool PrepareCholeskySolve(Arguments& args, Call* call, Routine routine) {
  char uplo = args.Flag(0, "UL");
  lapack_int n = args.Int(1), nrhs = args.Int(2);
  double* a = args.Doubles(3);
  lapack_int lda = args.Int(4);
  double* b = args.Doubles(5);
  lapack_int ldb = args.Int(6);
  args.RequireMatrix(3, n, n, lda);
  args.RequireMatrix(5, n, nrhs, ldb);
  if (!args.ok()) return false;
  call->pins = {args.At(3), args.At(5)};
  call->kernel = [=] {
    lapack_int info = 0;
    routine(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info, 1);
    return static_cast<double>(info);
  };
  return true;
}

}  // namespace

bool PrepareDpotrs(Arguments& args, Call* call) {
  return PrepareCholeskySolve(args, call, dpotrs_);
}

bool PrepareDposv(Arguments& args, Call* call) {
  return PrepareCholeskySolve(args, call, dposv_);
}

bool PrepareDsyevd(Arguments& args, Call* call) {
  char jobz = args.Flag(0, "NV");
  char uplo = args.Flag(1, "UL");
  lapack_int n = args.Int(2);
  double* a = args.Doubles(3);
  lapack_int lda = args.Int(4);
  double* w = args.Doubles(5);
  args.RequireMatrix(3, n, n, lda);
  args.RequireLength(5, n);
  // LAPACK computes lwork = 1 + 6n + 2n^2 in 32-bit integers.
  if (args.ok() && jobz == 'V' &&
      1 + 6 * static_cast<int64_t>(n) + 2 * static_cast<int64_t>(n) * n > INT_MAX) {
    Napi::RangeError::New(args.At(2).Env(),
                          "dsyevd: n too large for LAPACK's 32-bit workspace size")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (!args.ok()) return false;
  call->pins = {args.At(3), args.At(5)};
  call->kernel = [=] {
    Faults faults(Fault::kDsyevd);
    lapack_int info = 0, query_lwork = -1, query_liwork = -1, iwork_size = 0;
    double work_size = 0;
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, &work_size, &query_lwork, &iwork_size,
            &query_liwork, &info, 1, 1);
    if (info != 0) return static_cast<double>(info);
    lapack_int lwork = static_cast<lapack_int>(Lwork(work_size));
    lapack_int liwork = iwork_size;
    Workspace<double> work(lwork, faults);
    Workspace<lapack_int> iwork(liwork, faults);
    if (work.get() == nullptr || iwork.get() == nullptr) return kOutOfMemory;
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, work.get(), &lwork, iwork.get(),
            &liwork, &info, 1, 1);
    return static_cast<double>(info);
  };
  return true;
}

bool PrepareDsyevr(Arguments& args, Call* call) {
  char jobz = args.Flag(0, "NV");
  char range = args.Flag(1, "AVI");
  char uplo = args.Flag(2, "UL");
  lapack_int n = args.Int(3);
  double* a = args.Doubles(4);
  lapack_int lda = args.Int(5);
  double vl = args.Number(6), vu = args.Number(7);
  lapack_int il = args.Int(8), iu = args.Int(9);
  double abstol = args.Number(10);
  double* w = args.Doubles(11);
  double* z = args.Doubles(12);
  lapack_int ldz = args.Int(13);
  lapack_int* m_out = args.Ints(14);
  args.RequireMatrix(4, n, n, lda);
  args.RequireLength(11, n);
  args.RequireLength(14, 1);
  // LAPACK's rule: 1 <= il <= iu <= n, or il = 1, iu = 0 when n = 0.
  bool indices = n > 0 ? 1 <= il && il <= iu && iu <= n : il == 1 && iu == 0;
  if (args.ok() && range == 'I' && !indices) {
    Napi::RangeError::New(args.At(8).Env(), "dsyevr: need 1 <= il <= iu <= n")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (jobz == 'V') {
    args.RequireMatrix(12, n, range == 'I' ? iu - il + 1 : n, ldz);
  } else {
    args.RequireLength(12, 1);
  }
  if (!args.ok()) return false;
  call->pins = {args.At(4), args.At(11), args.At(12), args.At(14)};
  call->kernel = [=] {
    Faults faults(Fault::kDsyevr);
    lapack_int info = 0, m = 0, query = -1, iwork_size = 0;
    double work_size = 0;
    Workspace<lapack_int> isuppz(2 * static_cast<int64_t>(n), faults);
    if (isuppz.get() == nullptr) return kOutOfMemory;
    dsyevr_(&jobz, &range, &uplo, &n, a, &lda, &vl, &vu, &il, &iu, &abstol, &m,
            w, z, &ldz, isuppz.get(), &work_size, &query, &iwork_size, &query,
            &info, 1, 1, 1);
    if (info != 0) return static_cast<double>(info);
    lapack_int lwork = static_cast<lapack_int>(Lwork(work_size));
    lapack_int liwork = iwork_size;
    Workspace<double> work(lwork, faults);
    Workspace<lapack_int> iwork(liwork, faults);
    if (work.get() == nullptr || iwork.get() == nullptr) return kOutOfMemory;
    dsyevr_(&jobz, &range, &uplo, &n, a, &lda, &vl, &vu, &il, &iu, &abstol, &m,
            w, z, &ldz, isuppz.get(), work.get(), &lwork, iwork.get(), &liwork,
            &info, 1, 1, 1);
    *m_out = m;
    return static_cast<double>(info);
  };
  return true;
}

namespace {

// NaN and ±Inf are the values whose exponent bits are all ones. Counting them
// with integer compares (no branch, no floating-point reduction) lets the
// compiler vectorize the loop; the exact position is searched only on a hit.
int64_t FirstNonfinite(const double* x, int64_t count) {
  constexpr uint64_t kExponent = 0x7ff0000000000000ULL;
  uint64_t hits = 0;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    hits += (bits & kExponent) == kExponent;
  }
  if (hits == 0) return -1;
  for (int64_t i = 0;; ++i) {
    if (!std::isfinite(x[i])) return i;
  }
}

}  // namespace

bool PrepareNonfinite(Arguments& args, Call* call) {
  char uplo = args.Flag(0, "GUL");
  lapack_int m = args.Int(1), n = args.Int(2);
  const double* a = args.Doubles(3);
  lapack_int lda = args.Int(4);
  if (uplo != 'G' && args.ok() && m != n) {
    Napi::RangeError::New(args.At(1).Env(), "nonfinite: a triangle needs m == n")
        .ThrowAsJavaScriptException();
    return false;
  }
  args.RequireMatrix(3, m, n, lda);
  if (!args.ok()) return false;
  call->pins = {args.At(3)};
  call->kernel = [=] {
    for (int64_t j = 0; j < n; ++j) {
      int64_t first = uplo == 'L' ? j : 0;
      int64_t last = uplo == 'U' ? j + 1 : m;
      const double* column = a + j * lda;
      int64_t i = FirstNonfinite(column + first, last - first);
      if (i >= 0) return static_cast<double>(j * lda + first + i);
    }
    return -1.0;
  };
  return true;
}

}  // namespace nntk
