// MPI itself: start (with the RTLD_GLOBAL guard), who am I, the collectives
// on typed arrays, abort and finalize. Every call runs on the JavaScript
// thread, hence MPI_THREAD_FUNNELED.
#include <dlfcn.h>
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <string>

#include "../arguments.h"
#include "bindings.h"
#include "scalapack.h"

namespace nntk::mpi {
namespace {

bool blacs_used = false;

void ThrowMpi(Napi::Env env, const char* where, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  Napi::Error::New(env, std::string(where) + " failed: " +
                            std::string(text, length) + " (code " +
                            std::to_string(code) + ")")
      .ThrowAsJavaScriptException();
}

bool Started(Napi::Env env, const char* where) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) return true;
  Napi::Error::New(env, std::string(where) +
                            ": MPI is not running (call init first)")
      .ThrowAsJavaScriptException();
  return false;
}

}  // namespace

void NoteBlacsUsed() { blacs_used = true; }

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) {
    Napi::Error::New(env, "init: MPI was finalized in this process and "
                          "cannot be started again")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!initialized) {
    // Node opens addons RTLD_LOCAL; OpenMPI's plugins expect libmpi's
    // symbols to be global, so promote the copy already loaded with this
    // addon. RTLD_NOLOAD: never load a second one (another MPI is fine).
    dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    int provided = MPI_THREAD_SINGLE;
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
      ThrowMpi(env, "MPI_Init_thread", rc);
      return env.Undefined();
    }
    if (provided < MPI_THREAD_FUNNELED) {
      Napi::Error::New(env, "MPI_Init_thread: MPI_THREAD_FUNNELED requested, "
                            "the library provides only level " +
                                std::to_string(provided))
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Napi::Object result = Napi::Object::New(env);
  result.Set("rank", rank);
  result.Set("size", size);
  return result;
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) {
    // Cblacs_exit(0) would finalize MPI itself; 1 leaves that to us.
    if (blacs_used) Cblacs_exit(1);
    MPI_Finalize();
  }
  return info.Env().Undefined();
}

Napi::Value Rank(const Napi::CallbackInfo& info) {
  if (!Started(info.Env(), "rank")) return info.Env().Undefined();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return Napi::Number::New(info.Env(), rank);
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  if (!Started(info.Env(), "size")) return info.Env().Undefined();
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return Napi::Number::New(info.Env(), size);
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  if (!Started(info.Env(), "barrier")) return info.Env().Undefined();
  int rc = MPI_Barrier(MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) ThrowMpi(info.Env(), "MPI_Barrier", rc);
  return info.Env().Undefined();
}

// allreduce(x: Float64Array, op: 's' | 'x' | 'n'): x ← sum, max or min over
// the ranks, in place.
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Started(env, "allreduce")) return env.Undefined();
  Arguments args(info);
  double* x = args.Doubles(0);
  char op = args.Flag(1, "sxn");
  if (!args.ok()) return env.Undefined();
  size_t n = info[0].As<Napi::Float64Array>().ElementLength();
  MPI_Op mpi_op = op == 's' ? MPI_SUM : op == 'x' ? MPI_MAX : MPI_MIN;
  for (size_t at = 0; at < n; at += INT_MAX) {
    int count = static_cast<int>(n - at < INT_MAX ? n - at : INT_MAX);
    int rc = MPI_Allreduce(MPI_IN_PLACE, x + at, count, MPI_DOUBLE, mpi_op,
                           MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
      ThrowMpi(env, "MPI_Allreduce", rc);
      return env.Undefined();
    }
  }
  return env.Undefined();
}

// bcast(x: any typed array, root): x ← root's x, byte for byte.
Napi::Value Bcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Started(env, "bcast")) return env.Undefined();
  if (!info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "bcast: argument 0 must be a typed array")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Arguments args(info);
  int root = args.Int(1);
  if (!args.ok()) return env.Undefined();
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  uint8_t* bytes = static_cast<uint8_t*>(array.ArrayBuffer().Data()) +
                   array.ByteOffset();
  size_t n = array.ByteLength();
  for (size_t at = 0; at < n; at += INT_MAX) {
    int count = static_cast<int>(n - at < INT_MAX ? n - at : INT_MAX);
    int rc = MPI_Bcast(bytes + at, count, MPI_BYTE, root, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
      ThrowMpi(env, "MPI_Bcast", rc);
      return env.Undefined();
    }
  }
  return env.Undefined();
}

// abort(code): ends every rank now (for failures that cannot be agreed on).
Napi::Value Abort(const Napi::CallbackInfo& info) {
  Arguments args(info);
  int code = args.Int(0);
  if (!args.ok()) return info.Env().Undefined();
  MPI_Abort(MPI_COMM_WORLD, code);
  return info.Env().Undefined();
}

}  // namespace nntk::mpi
