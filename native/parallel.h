// The per-entry kernels of a Newton step (the activations, the Jacobian
// blocks) touch M·N values per pass; at the sizes where that matters they are
// split over the same number of threads as OpenBLAS uses, which is idle while
// they run (every call holds BlasLock()). Starting a thread costs tens of µs,
// so small arrays stay on the calling thread.
#pragma once

#include <pthread.h>

#include <algorithm>
#include <cstdint>

#include "faults.h"
#include "fortran.h"

namespace nntk {

// Items (array entries) per thread below which a pass is not split.
constexpr int64_t kParallelGrain = 1 << 16;

// body(begin, end) over consecutive parts of [0, n), each of at least `grain`
// items. If a thread cannot be started, its part runs on the calling thread:
// the result is the same, only slower (the build has no C++ exceptions, so
// std::thread is not an option).
template <class Body>
void ParallelFor(int64_t n, int64_t grain, const Body& body) {
  Faults starts(Fault::kThreads);
  constexpr int kMaxThreads = 64;
  int64_t threads = std::min<int64_t>({openblas_get_num_threads(), n / std::max<int64_t>(grain, 1), kMaxThreads});
  if (threads <= 1) {
    body(0, n);
    return;
  }
  struct Part {
    const Body* body;
    int64_t begin, end;
    pthread_t thread;
    bool started;
  };
  Part parts[kMaxThreads];
  int64_t size = (n + threads - 1) / threads;
  for (int64_t t = 0; t < threads; ++t) {
    parts[t] = {&body, t * size, std::min(n, (t + 1) * size), pthread_t(), false};
  }
  auto run = [](void* p) -> void* {
    Part* part = static_cast<Part*>(p);
    (*part->body)(part->begin, part->end);
    return nullptr;
  };
  for (int64_t t = 1; t < threads; ++t) {
    parts[t].started = !starts.FailNext() && pthread_create(&parts[t].thread, nullptr, run, &parts[t]) == 0;
  }
  body(parts[0].begin, parts[0].end);
  for (int64_t t = 1; t < threads; ++t) {
    if (parts[t].started) {
      pthread_join(parts[t].thread, nullptr);
    } else {
      body(parts[t].begin, parts[t].end);
    }
  }
}

}  // namespace nntk
