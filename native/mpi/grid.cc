// The BLACS process grid and ScaLAPACK's block-cyclic index maps: which
// global rows and columns a rank holds, and the descriptors of its arrays.
#include <mpi.h>

#include <string>

#include "../arguments.h"
#include "bindings.h"
#include "scalapack.h"

namespace nntk::mpi {

// gridInit(nprow, npcol) → { context, myrow, mycol }, row-major over the
// ranks (rank = myrow·npcol + mycol); myrow = −1 on a rank outside the grid.
Napi::Value GridInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Arguments args(info);
  int nprow = args.Int(0);
  int npcol = args.Int(1);
  if (!args.ok()) return env.Undefined();
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (nprow < 1 || npcol < 1 ||
      static_cast<long long>(nprow) * npcol > size) {
    Napi::RangeError::New(env, "gridInit: a " + std::to_string(nprow) + "x" +
                                   std::to_string(npcol) +
                                   " grid does not fit in " +
                                   std::to_string(size) + " ranks")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int context = 0;
  Cblacs_get(-1, 0, &context);
  Cblacs_gridinit(&context, "Row", nprow, npcol);
  NoteBlacsUsed();
  int rows = 0, cols = 0, myrow = -1, mycol = -1;
  Cblacs_gridinfo(context, &rows, &cols, &myrow, &mycol);
  Napi::Object grid = Napi::Object::New(env);
  grid.Set("context", context);
  grid.Set("myrow", myrow);
  grid.Set("mycol", mycol);
  return grid;
}

Napi::Value GridExit(const Napi::CallbackInfo& info) {
  Arguments args(info);
  int context = args.Int(0);
  if (args.ok()) Cblacs_gridexit(context);
  return info.Env().Undefined();
}

// numroc(n, nb, iproc, nprocs): how many of n indices, in blocks of nb dealt
// round-robin from process 0, process iproc holds.
Napi::Value Numroc(const Napi::CallbackInfo& info) {
  Arguments args(info);
  int n = args.Int(0), nb = args.Int(1), iproc = args.Int(2),
      nprocs = args.Int(3);
  if (!args.ok()) return info.Env().Undefined();
  int source = 0;
  return Napi::Number::New(info.Env(),
                           numroc_(&n, &nb, &iproc, &source, &nprocs));
}

// indxl2g(local, nb, iproc, nprocs): the global index (1-based, as local)
// of process iproc's local index.
Napi::Value Indxl2g(const Napi::CallbackInfo& info) {
  Arguments args(info);
  int local = args.Int(0), nb = args.Int(1), iproc = args.Int(2),
      nprocs = args.Int(3);
  if (!args.ok()) return info.Env().Undefined();
  int source = 0;
  return Napi::Number::New(info.Env(),
                           indxl2g_(&local, &nb, &iproc, &source, &nprocs));
}

// descinit(m, n, nb, context, lld) → Int32Array(9), square nb×nb blocks
// from process (0, 0); a bad argument throws with descinit's info.
Napi::Value Descinit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Arguments args(info);
  int m = args.Int(0), n = args.Int(1), nb = args.Int(2),
      context = args.Int(3), lld = args.Int(4);
  if (!args.ok()) return env.Undefined();
  Napi::Int32Array desc = Napi::Int32Array::New(env, desc::kLength);
  int source = 0, status = 0;
  descinit_(desc.Data(), &m, &n, &nb, &nb, &source, &source, &context, &lld,
            &status);
  if (status != 0) {
    Napi::RangeError::New(env, "descinit: argument " +
                                   std::to_string(-status) +
                                   " is invalid (info = " +
                                   std::to_string(status) + ")")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return desc;
}

}  // namespace nntk::mpi
