// ScaLAPACK and PBLAS on block-cyclic matrices: Cholesky factor and solve,
// all eigenpairs (divide and conquer), eigenvalues alone, and the transpose
// used to symmetrise. Each returns ScaLAPACK's info; the workspaces are
// allocated here, and a failed allocation returns kOutOfMemory.
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../arguments.h"
#include "bindings.h"
#include "scalapack.h"

namespace nntk::mpi {
namespace {

// What a call returns when its workspace could not be allocated (the core
// addon's OUT_OF_MEMORY, lib/linalg/native.ts).
constexpr int kOutOfMemory = INT_MIN;

// The descriptor at i (an Int32Array(9)); the array at j must hold this
// rank's part of the matrix it describes.
const int* Descriptor(Arguments& args, size_t i, size_t j) {
  int* d = args.Ints(i);
  if (!args.ok()) return nullptr;
  args.RequireLength(i, desc::kLength);
  if (!args.ok()) return nullptr;
  int nprow = 0, npcol = 0, myrow = -1, mycol = -1;
  Cblacs_gridinfo(d[desc::kContext], &nprow, &npcol, &myrow, &mycol);
  if (myrow < 0) return d;  // Not in the grid: ScaLAPACK does nothing here.
  int rows = numroc_(&d[desc::kRows], &d[desc::kRowBlock], &myrow,
                     &d[desc::kRowSource], &nprow);
  int cols = numroc_(&d[desc::kCols], &d[desc::kColBlock], &mycol,
                     &d[desc::kColSource], &npcol);
  args.Doubles(j);
  if (!args.ok()) return nullptr;
  args.RequireMatrix(j, rows, cols, d[desc::kLeading]);
  return args.ok() ? d : nullptr;
}

// Local sizes for the workspace formulas of pdsyevd/pdsyev.
void LocalSize(const int* d, int* np, int* nq, int* nprow, int* npcol) {
  int myrow = 0, mycol = 0;
  Cblacs_gridinfo(d[desc::kContext], nprow, npcol, &myrow, &mycol);
  *np = numroc_(&d[desc::kRows], &d[desc::kRowBlock], &myrow,
                &d[desc::kRowSource], nprow);
  *nq = numroc_(&d[desc::kCols], &d[desc::kColBlock], &mycol,
                &d[desc::kColSource], npcol);
}

int64_t Max(int64_t a, int64_t b) { return a > b ? a : b; }

}  // namespace

// pdpotrf(uplo, n, a, desca) → info.
Napi::Value Pdpotrf(const Napi::CallbackInfo& info) {
  Arguments args(info);
  char uplo = args.Flag(0, "LU");
  int n = args.Int(1);
  const int* desca = Descriptor(args, 3, 2);
  if (!args.ok()) return info.Env().Undefined();
  double* a = args.Doubles(2);
  int one = 1, status = 0;
  pdpotrf_(&uplo, &n, a, &one, &one, desca, &status, 1);
  return Napi::Number::New(info.Env(), status);
}

// pdpotrs(uplo, n, nrhs, a, desca, b, descb) → info.
Napi::Value Pdpotrs(const Napi::CallbackInfo& info) {
  Arguments args(info);
  char uplo = args.Flag(0, "LU");
  int n = args.Int(1), nrhs = args.Int(2);
  const int* desca = Descriptor(args, 4, 3);
  const int* descb = Descriptor(args, 6, 5);
  if (!args.ok()) return info.Env().Undefined();
  double* a = args.Doubles(3);
  double* b = args.Doubles(5);
  int one = 1, status = 0;
  pdpotrs_(&uplo, &n, &nrhs, a, &one, &one, desca, b, &one, &one, descb,
           &status, 1);
  return Napi::Number::New(info.Env(), status);
}

// pdsyevd(n, a, desca, w, z, descz) → info: all eigenpairs of the symmetric
// A (lower triangle; A is destroyed), ascending w (n, on every rank), the
// eigenvectors as the columns of Z (A's layout).
Napi::Value Pdsyevd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Arguments args(info);
  int n = args.Int(0);
  const int* desca = Descriptor(args, 2, 1);
  const int* descz = Descriptor(args, 5, 4);
  double* w = args.Doubles(3);
  if (args.ok()) args.RequireLength(3, n);
  if (!args.ok()) return env.Undefined();
  double* a = args.Doubles(1);
  double* z = args.Doubles(4);
  int one = 1, status = 0, query = -1, iquery = 0;
  double lquery = 0;
  pdsyevd_("V", "L", &n, a, &one, &one, desca, w, z, &one, &one, descz,
           &lquery, &query, &iquery, &query, &status, 1, 1);
  if (status != 0) return Napi::Number::New(env, status);
  // The query can answer less than pdstedc needs (Reference-ScaLAPACK
  // issue 74): take the documented minimum too, and a margin.
  int np = 0, nq = 0, nprow = 0, npcol = 0;
  LocalSize(desca, &np, &nq, &nprow, &npcol);
  int nb = desca[desc::kRowBlock];
  int64_t n64 = n;
  int64_t trilwmin = 3 * n64 + Max(static_cast<int64_t>(nb) * (np + 1), 3 * static_cast<int64_t>(nb));
  int64_t lwmin = Max(1 + 6 * n64 + 2 * static_cast<int64_t>(np) * nq, trilwmin) + 2 * n64;
  int64_t lwork = Max(static_cast<int64_t>(lquery), lwmin) + 2 * n64 + 1024;
  int64_t liwork = Max(iquery, 7 * n64 + 8 * npcol + 2) + 64;
  if (lwork > INT_MAX || liwork > INT_MAX) return Napi::Number::New(env, kOutOfMemory);
  double* work = static_cast<double*>(std::malloc(sizeof(double) * lwork));
  int* iwork = static_cast<int*>(std::malloc(sizeof(int) * liwork));
  if (work == nullptr || iwork == nullptr) {
    std::free(work);
    std::free(iwork);
    return Napi::Number::New(env, kOutOfMemory);
  }
  int lw = static_cast<int>(lwork), liw = static_cast<int>(liwork);
  pdsyevd_("V", "L", &n, a, &one, &one, desca, w, z, &one, &one, descz, work,
           &lw, iwork, &liw, &status, 1, 1);
  std::free(work);
  std::free(iwork);
  return Napi::Number::New(env, status);
}

// pdsyev(n, a, desca, w) → info: the eigenvalues alone (JOBZ = 'N'; pdsyevd
// has no such mode), ascending, on every rank. A is destroyed.
Napi::Value Pdsyev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Arguments args(info);
  int n = args.Int(0);
  const int* desca = Descriptor(args, 2, 1);
  double* w = args.Doubles(3);
  if (args.ok()) args.RequireLength(3, n);
  if (!args.ok()) return env.Undefined();
  double* a = args.Doubles(1);
  int one = 1, status = 0, query = -1;
  double lquery = 0, unused = 0;
  pdsyev_("N", "L", &n, a, &one, &one, desca, w, &unused, &one, &one, desca,
          &lquery, &query, &status, 1, 1);
  if (status != 0) return Napi::Number::New(env, status);
  int64_t lwork = 2 * static_cast<int64_t>(lquery) + 5 * static_cast<int64_t>(n) + 1024;
  if (lwork > INT_MAX) return Napi::Number::New(env, kOutOfMemory);
  double* work = static_cast<double*>(std::malloc(sizeof(double) * lwork));
  if (work == nullptr) return Napi::Number::New(env, kOutOfMemory);
  int lw = static_cast<int>(lwork);
  pdsyev_("N", "L", &n, a, &one, &one, desca, w, &unused, &one, &one, desca,
          work, &lw, &status, 1, 1);
  std::free(work);
  return Napi::Number::New(env, status);
}

// pdsyevr(n, a, desca, il, iu, w, z, descz) → [info, found, vectors]: the eigenpairs
// il..iu (1-based, in ascending order of the values) of the symmetric A
// (lower triangle; A is destroyed) by MRRR. w (n, on every rank) holds the
// `found` values first, ascending; the first `vectors` columns of Z (A's
// layout) their unit eigenvectors (found = vectors unless it failed).
Napi::Value Pdsyevr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Arguments args(info);
  int n = args.Int(0);
  const int* desca = Descriptor(args, 2, 1);
  int il = args.Int(3), iu = args.Int(4);
  double* w = args.Doubles(5);
  if (args.ok()) args.RequireLength(5, n);
  const int* descz = Descriptor(args, 7, 6);
  if (!args.ok()) return env.Undefined();
  double* a = args.Doubles(1);
  double* z = args.Doubles(6);
  auto result = [&](int status, int found, int vectors) {
    Napi::Int32Array out = Napi::Int32Array::New(env, 3);
    out[0] = status;
    out[1] = found;
    out[2] = vectors;
    return out;
  };
  int one = 1, status = 0, query = -1, found = 0, vectors = 0, iquery = 0;
  double vl = 0, vu = 0, lquery = 0;
  pdsyevr_("V", "I", "L", &n, a, &one, &one, desca, &vl, &vu, &il, &iu,
           &found, &vectors, w, z, &one, &one, descz, &lquery, &query,
           &iquery, &query, &status, 1, 1, 1);
  if (status != 0) return result(status, 0, 0);
  // The same margin over the query as pdsyevd's (its tridiagonal solver's
  // query answered too little in some releases).
  int64_t lwork = 2 * static_cast<int64_t>(lquery) + 2 * static_cast<int64_t>(n) + 1024;
  int64_t liwork = 2 * static_cast<int64_t>(iquery) + 1024;
  if (lwork > INT_MAX || liwork > INT_MAX) return result(kOutOfMemory, 0, 0);
  double* work = static_cast<double*>(std::malloc(sizeof(double) * lwork));
  int* iwork = static_cast<int*>(std::malloc(sizeof(int) * liwork));
  if (work == nullptr || iwork == nullptr) {
    std::free(work);
    std::free(iwork);
    return result(kOutOfMemory, 0, 0);
  }
  int lw = static_cast<int>(lwork), liw = static_cast<int>(liwork);
  pdsyevr_("V", "I", "L", &n, a, &one, &one, desca, &vl, &vu, &il, &iu,
           &found, &vectors, w, z, &one, &one, descz, work, &lw, iwork, &liw,
           &status, 1, 1, 1);
  std::free(work);
  std::free(iwork);
  return result(status, found, vectors);
}

// pdtran(m, n, alpha, a, desca, beta, c, descc): C ← beta·C + alpha·Aᵀ
// (C m×n, A n×m, PBLAS's convention).
Napi::Value Pdtran(const Napi::CallbackInfo& info) {
  Arguments args(info);
  int m = args.Int(0), n = args.Int(1);
  double alpha = args.Number(2);
  const int* desca = Descriptor(args, 4, 3);
  double beta = args.Number(5);
  const int* descc = Descriptor(args, 7, 6);
  if (!args.ok()) return info.Env().Undefined();
  double* a = args.Doubles(3);
  double* c = args.Doubles(6);
  int one = 1;
  pdtran_(&m, &n, &alpha, a, &one, &one, desca, &beta, c, &one, &one, descc);
  return Napi::Number::New(info.Env(), 0);
}

}  // namespace nntk::mpi
