// Where BLAS/LAPACK calls run, and one at a time.
//
// Threading policy: OpenBLAS 0.3.21 keeps one process-wide thread pool and is
// not safe for concurrent multithreaded callers, so every BLAS/LAPACK call in
// the process runs while holding BlasLock(); each call then uses all of
// OpenBLAS's threads. Async calls run in FIFO order on one thread owned by the
// addon (one per Node environment), never on libuv's pool, so file and DNS
// work is never stuck behind linear algebra. A sync call waits for the lock,
// i.e. for the async call that is running, if any.
#pragma once

#include <napi.h>
#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace nntk {

std::mutex& BlasLock();

// A prepared call: the kernel (returns LAPACK's info, or a value for the
// scans) and the JS values whose memory the kernel reads or writes.
struct Call {
  std::function<double()> kernel;
  std::vector<Napi::Value> pins;
};

double RunNow(const Call& call);

class BlasQueue {
 public:
  static void Install(Napi::Env env);
  static Napi::Value Enqueue(Napi::Env env, Call call);

 private:
  // A queued call. Its promise is settled through `resolve`, a reference to
  // the promise's resolve function rather than a napi_deferred: a reference
  // can be deleted when the environment goes away with the call pending,
  // while a deferred is freed only by settling it, which needs JavaScript.
  struct Job {
    std::function<double()> kernel;
    std::vector<Napi::Reference<Napi::Value>> pins;
    Napi::FunctionReference resolve;
    double result = 0;
    void Release();
  };
  static void Complete(Napi::Env env, Napi::Function, BlasQueue* self,
                       Job* job);
  using Tsfn = Napi::TypedThreadSafeFunction<BlasQueue, Job, Complete>;

  explicit BlasQueue(Napi::Env env);
  // Starts the queue's thread if it is not running; false if it cannot be.
  bool Start();
  void Loop();
  void Stop();

  Tsfn tsfn_;
  // Started by the first async call, so that a failure to start it is that
  // call's AllocationError (and the next call tries again), not an abort at
  // load: std::thread would throw, i.e. terminate under -fno-exceptions.
  pthread_t thread_;
  bool started_ = false;  // touched on the main thread only
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job*> jobs_;  // queued, not yet run (guarded by mutex_)
  bool stopping_ = false;
  // Touched on the main thread only: every job not yet completed, and their number.
  std::unordered_set<Job*> live_;
  size_t pending_ = 0;
};

}  // namespace nntk
