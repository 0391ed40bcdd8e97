// Module entry: exports each routine twice, `name` (runs now, returns the
// result) and `nameAsync` (runs on the BLAS queue, returns a Promise).
#include <napi.h>

#include "activations.h"
#include "arguments.h"
#include "block_eigen.h"
#include "blas_queue.h"
#include "columns.h"
#include "faults.h"
#include "fortran.h"
#include "jacobian.h"
#include "routines.h"
#include "whitening.h"

namespace nntk {
namespace {

using Prepare = bool (*)(Arguments&, Call*);

template <Prepare prepare>
Napi::Value Sync(const Napi::CallbackInfo& info) {
  Arguments args(info);
  Call call;
  if (!prepare(args, &call)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), RunNow(call));
}

template <Prepare prepare>
Napi::Value Async(const Napi::CallbackInfo& info) {
  Arguments args(info);
  Call call;
  if (!prepare(args, &call)) return info.Env().Undefined();
  return BlasQueue::Enqueue(info.Env(), std::move(call));
}

template <Prepare prepare>
void Export(Napi::Env env, Napi::Object exports, const std::string& name) {
  exports.Set(name, Napi::Function::New(env, Sync<prepare>, name));
  exports.Set(name + "Async",
              Napi::Function::New(env, Async<prepare>, name + "Async"));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Arguments args(info);
  lapack_int n = args.Int(0);
  if (!args.ok()) return info.Env().Undefined();
  if (n < 1) {
    Napi::RangeError::New(info.Env(), "setThreads: need at least 1 thread")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  std::lock_guard<std::mutex> guard(BlasLock());
  openblas_set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> guard(BlasLock());
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  Napi::Object config = Napi::Object::New(info.Env());
  config.Set("openblas", openblas_get_config());
  config.Set("processors", openblas_get_num_procs());
  return config;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  BlasQueue::Install(env);
  Export<PrepareDgemm>(env, exports, "dgemm");
  Export<PrepareDsyrk>(env, exports, "dsyrk");
  Export<PrepareDtrsm>(env, exports, "dtrsm");
  Export<PrepareDpotrf>(env, exports, "dpotrf");
  Export<PrepareDpotrs>(env, exports, "dpotrs");
  Export<PrepareDposv>(env, exports, "dposv");
  Export<PrepareDsyevd>(env, exports, "dsyevd");
  Export<PrepareDsyevr>(env, exports, "dsyevr");
  Export<PrepareNonfinite>(env, exports, "nonfinite");
  Export<PrepareJacobianBlock>(env, exports, "jacobianblock");
  Export<PrepareActivations>(env, exports, "activations");
  Export<PrepareCurvatureFromFeatures>(env, exports, "curvaturefromfeatures");
  Export<PrepareBlockFactors>(env, exports, "blockfactors");
  Export<PrepareWhitenedJacobian>(env, exports, "whitenedjacobian");
  Export<PrepareBlockSolve>(env, exports, "blocksolve");
  Export<PrepareSmallestEigenvalues>(env, exports, "smallesteigenvalues");
  Export<PrepareWeightedRowSums>(env, exports, "weightedrowsums");
  Export<PrepareScaledColumns>(env, exports, "scaledcolumns");
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
  exports.Set("__failNextAllocation", Napi::Function::New(env, FailNextAllocation, "__failNextAllocation"));
  return exports;
}

}  // namespace nntk

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return nntk::Init(env, exports);
}

NODE_API_MODULE(nntk, InitModule)
