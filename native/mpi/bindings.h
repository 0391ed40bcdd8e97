// The functions the distributed addon exports (docs/distributed.md). Each
// checks its arguments (types, lengths against the descriptors) and returns
// MPI's or ScaLAPACK's status; deciding what a failure means for every rank is
// the TypeScript layer's job (lib/distributed/collective.ts).
#pragma once

#include <napi.h>

namespace nntk::mpi {

// session.cc: MPI itself.
Napi::Value Init(const Napi::CallbackInfo& info);
Napi::Value Finalize(const Napi::CallbackInfo& info);
Napi::Value Rank(const Napi::CallbackInfo& info);
Napi::Value Size(const Napi::CallbackInfo& info);
Napi::Value Barrier(const Napi::CallbackInfo& info);
Napi::Value Allreduce(const Napi::CallbackInfo& info);
Napi::Value Bcast(const Napi::CallbackInfo& info);
Napi::Value Abort(const Napi::CallbackInfo& info);

// grid.cc: the BLACS grid and the block-cyclic index maps.
Napi::Value GridInit(const Napi::CallbackInfo& info);
Napi::Value GridExit(const Napi::CallbackInfo& info);
Napi::Value Numroc(const Napi::CallbackInfo& info);
Napi::Value Indxl2g(const Napi::CallbackInfo& info);
Napi::Value Descinit(const Napi::CallbackInfo& info);

// solvers.cc: ScaLAPACK and PBLAS on distributed matrices.
Napi::Value Pdpotrf(const Napi::CallbackInfo& info);
Napi::Value Pdpotrs(const Napi::CallbackInfo& info);
Napi::Value Pdsyevd(const Napi::CallbackInfo& info);
Napi::Value Pdsyev(const Napi::CallbackInfo& info);
Napi::Value Pdsyevr(const Napi::CallbackInfo& info);
Napi::Value Pdtran(const Napi::CallbackInfo& info);

// panels.cc: one .npy file written by every rank at once (MPI-IO).
Napi::Value WriteNpy(const Napi::CallbackInfo& info);

// Set once a BLACS grid was made: Finalize must then leave BLACS first.
void NoteBlacsUsed();

}  // namespace nntk::mpi
