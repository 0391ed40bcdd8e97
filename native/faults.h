// Test-only fault injection. The out-of-memory paths of the kernels cannot
// be reached by asking for a large size (the TypeScript layer refuses sizes
// beyond LAPACK's integers first, and Linux overcommits), so the tests arm a
// failure here through __failNextAllocation and check that it ends in the
// typed error. Compiled in always: disarmed, it costs one relaxed atomic load
// per kernel call.
#pragma once

#include <napi.h>

namespace nntk {

// What can be made to fail: the allocations of a kernel, the allocation of a
// queued async call, the start of the queue's thread (blas_queue.h), or the
// thread starts of a parallel loop (parallel.h).
enum class Fault {
  kActivations = 0,
  kJacobianBlock,
  kBlockFactors,
  kWhitenedJacobian,
  kSmallestEigenvalues,
  kDsyevd,
  kDsyevr,
  kQueue,
  kQueueThread,
  kThreads,
  kCount
};

// The faults armed for one call of a kernel, taken (and so disarmed) when the
// call starts: a call that makes fewer allocations than armed fails none.
class Faults {
 public:
  explicit Faults(Fault kind);
  // Whether the next allocation (or thread start) of this call must fail.
  bool FailNext();

 private:
  Fault kind_;
  int countdown_;  // allocations to let through before the failing one; -1: none
};

// __failNextAllocation(kind, skip = 0): the next call of `kind` ('activations',
// 'jacobianblock', 'blockfactors', 'whitenedjacobian', 'smallesteigenvalues',
// 'dsyevd', 'dsyevr', 'queue', 'queuethread', 'threads') fails its
// allocation number `skip` (0-based); skip = -1 disarms. Returns how many
// faults of `kind` have fired so far, so that a test can see one did even
// where the outcome is the same (a thread start). For the tests only.
Napi::Value FailNextAllocation(const Napi::CallbackInfo& info);

}  // namespace nntk
