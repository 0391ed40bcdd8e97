// Scratch memory for a native call.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "faults.h"

namespace nntk {

// What a call returns in place of LAPACK's info when its workspace could
// not be allocated (lib/linalg/native.ts: OUT_OF_MEMORY).
constexpr double kOutOfMemory = -2147483648.0;
// What an async call resolves to when the call itself could not be queued
// (lib/linalg/native.ts: QUEUE_OUT_OF_MEMORY).
constexpr double kQueueOutOfMemory = -2147483647.0;
// What an async call resolves to when the queue's thread could not be started
// (lib/linalg/native.ts: QUEUE_THREAD_FAILED).
constexpr double kQueueThreadFailed = -2147483646.0;

// Owns a malloc'd workspace; malloc rather than new so that a failure is a
// result (kOutOfMemory), not an abort, under -fno-exceptions. `faults` are
// the calling kernel's, which the tests can arm to fail this allocation.
template <typename T>
class Workspace {
 public:
  Workspace(int64_t count, Faults& faults) : Workspace(count, faults.FailNext()) {}
  // For the parts of a parallel loop, which share one call's faults: the
  // caller draws `fail` once, before the loop, since Faults is not thread-safe.
  Workspace(int64_t count, bool fail)
      : data_(fail ? nullptr : static_cast<T*>(std::malloc(sizeof(T) * (count > 0 ? count : 1)))) {}
  ~Workspace() { std::free(data_); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  T* get() const { return data_; }

 private:
  T* data_;
};

}  // namespace nntk
