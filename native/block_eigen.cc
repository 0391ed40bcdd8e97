#include "block_eigen.h"

#include <algorithm>

#include "fortran.h"
#include "workspace.h"

namespace nntk {

bool PrepareSmallestEigenvalues(Arguments& args, Call* call) {
  lapack_int q = args.Int(0), n = args.Int(1);
  const double* blocks = args.Doubles(2);
  double* out = args.Doubles(3);
  if (args.ok() && (q < 1 || n < 1)) {
    Napi::RangeError::New(args.At(0).Env(), "smallesteigenvalues: q and n must be positive").ThrowAsJavaScriptException();
    return false;
  }
  const int64_t q2 = static_cast<int64_t>(q) * q;
  args.RequireLength(2, n * q2);
  args.RequireLength(3, n);
  if (!args.ok()) return false;
  call->pins = {args.At(2), args.At(3)};
  call->kernel = [=] {
    const char jobz = 'N', range = 'I', uplo = 'L';
    const lapack_int one = 1, query = -1;
    // abstol 0: dsyevr's default, eigenvalues to about ε·‖Sᵢ‖.
    const double unused = 0, abstol = 0;
    lapack_int found = 0, info = 0, iwork_size = 0, ldz = 1;
    double work_size = 0, z = 0;
    lapack_int isuppz[2];
    // w: dsyevr works in all q entries of it, whatever the number of eigenvalues asked for.
    Faults faults(Fault::kSmallestEigenvalues);
    Workspace<double> copy(q2 + q, faults);
    if (copy.get() == nullptr) return kOutOfMemory;
    double* w = copy.get() + q2;
    dsyevr_(&jobz, &range, &uplo, &q, copy.get(), &q, &unused, &unused, &one, &one, &abstol, &found, w, &z, &ldz,
            isuppz, &work_size, &query, &iwork_size, &query, &info, 1, 1, 1);
    if (info != 0) return static_cast<double>(info);
    lapack_int lwork = static_cast<lapack_int>(work_size), liwork = iwork_size;
    Workspace<double> work(lwork, faults);
    Workspace<lapack_int> iwork(liwork, faults);
    if (work.get() == nullptr || iwork.get() == nullptr) return kOutOfMemory;
    for (int64_t i = 0; i < n; ++i) {
      std::copy(blocks + i * q2, blocks + (i + 1) * q2, copy.get());
      dsyevr_(&jobz, &range, &uplo, &q, copy.get(), &q, &unused, &unused, &one, &one, &abstol, &found, w, &z, &ldz,
              isuppz, work.get(), &lwork, iwork.get(), &liwork, &info, 1, 1, 1);
      if (info != 0) return static_cast<double>(info);
      out[i] = w[0];
    }
    return 0.0;
  };
  return true;
}

}  // namespace nntk
