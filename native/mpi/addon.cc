// Module entry of the optional distributed addon (nntk_mpi.node), built only
// where OpenMPI and ScaLAPACK are installed (binding.gyp, CMakeLists.txt).
#include <napi.h>

#include "bindings.h"

namespace nntk::mpi {

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*function)(const Napi::CallbackInfo&);
  } table[] = {
      {"init", Init},         {"finalize", Finalize},  {"rank", Rank},
      {"size", Size},         {"barrier", Barrier},    {"allreduce", Allreduce},
      {"bcast", Bcast},       {"abort", Abort},        {"gridInit", GridInit},
      {"gridExit", GridExit}, {"numroc", Numroc},      {"indxl2g", Indxl2g},
      {"descinit", Descinit}, {"pdpotrf", Pdpotrf},    {"pdpotrs", Pdpotrs},
      {"pdsyevd", Pdsyevd},   {"pdsyev", Pdsyev},      {"pdsyevr", Pdsyevr},
      {"pdtran", Pdtran},
      {"writeNpy", WriteNpy},
  };
  for (const auto& entry : table) {
    exports.Set(entry.name, Napi::Function::New(env, entry.function, entry.name));
  }
  return exports;
}

}  // namespace nntk::mpi

namespace {
Napi::Object RegisterMpi(Napi::Env env, Napi::Object exports) {
  return nntk::mpi::Register(env, exports);
}
}  // namespace

NODE_API_MODULE(nntk_mpi, RegisterMpi)
