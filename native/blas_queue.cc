#include "blas_queue.h"

#include <cstdlib>
#include <new>

#include "faults.h"
#include "workspace.h"

namespace nntk {

std::mutex& BlasLock() {
  // Never destroyed: the exit handler below still locks it after static
  // destructors may have run.
  static std::mutex* lock = new std::mutex;
  return *lock;
}

namespace {

// process.exit() runs no cleanup hook, so a BLAS call may still be running on
// the queue's thread while the process exits; OpenBLAS's own shutdown (a
// destructor of libopenblas, run after atexit handlers) would then tear down
// its thread pool under the running kernel and hang or crash. Taking the lock
// for good makes exit wait for the running call and start no other.
void HoldBlasAtExit() { BlasLock().lock(); }

}  // namespace

double RunNow(const Call& call) {
  std::lock_guard<std::mutex> guard(BlasLock());
  return call.kernel();
}

BlasQueue::BlasQueue(Napi::Env env) {
  tsfn_ = Tsfn::New(
      env, "nntk-blas", 0, 1, this,
      [](Napi::Env, void*, BlasQueue* self) { delete self; });
  // An idle queue must not keep the process alive; Enqueue refs it.
  tsfn_.Unref(env);
}

bool BlasQueue::Start() {
  if (started_) return true;
  Faults faults(Fault::kQueueThread);
  auto loop = [](void* self) -> void* {
    static_cast<BlasQueue*>(self)->Loop();
    return nullptr;
  };
  started_ = !faults.FailNext() && pthread_create(&thread_, nullptr, loop, this) == 0;
  return started_;
}

namespace {
void KeepQueue(Napi::Env, BlasQueue*) {}
}  // namespace

void BlasQueue::Install(Napi::Env env) {
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit(HoldBlasAtExit); });
  auto* queue = new BlasQueue(env);
  // The thread-safe function's finalizer owns the queue, not the instance data.
  env.SetInstanceData<BlasQueue, KeepQueue>(queue);
  // Runs before the thread-safe function's own cleanup (hooks run in reverse
  // order of registration), so the thread is joined before it is torn down.
  env.AddCleanupHook([queue] { queue->Stop(); });
}

Napi::Value BlasQueue::Enqueue(Napi::Env env, Call call) {
  BlasQueue* self = env.GetInstanceData<BlasQueue>();
  bool running = self->Start();
  // new Promise(executor), the executor keeping the resolve function. This
  // fails only while the environment is torn down (e.g. a worker terminated
  // in the middle of a call): then nothing is queued.
  // The executor runs inside new Promise(…) in a handle scope of its own, so
  // it keeps resolve as a reference, not as a handle that dies with that scope.
  Napi::FunctionReference resolve;
  Napi::Function executor = Napi::Function::New(
      env,
      [](const Napi::CallbackInfo& info) {
        if (info[0].IsFunction()) {
          *static_cast<Napi::FunctionReference*>(info.Data()) = Napi::Persistent(info[0].As<Napi::Function>());
        }
      },
      "executor", &resolve);
  Napi::Value promise_constructor = env.Global().Get("Promise");
  if (env.IsExceptionPending() || !promise_constructor.IsFunction()) return env.Undefined();
  Napi::Object promise = promise_constructor.As<Napi::Function>().New({executor});
  if (env.IsExceptionPending() || resolve.IsEmpty()) return env.Undefined();

  // When the thread cannot be started or the Job cannot be allocated, the
  // promise resolves at once to a status the TypeScript layer turns into an
  // AllocationError. (The standard containers' few small allocations below
  // would throw under -fno-exceptions, i.e. abort, as V8 does when it runs
  // out of memory.)
  if (!running) {
    resolve.Value().Call({Napi::Number::New(env, kQueueThreadFailed)});
    return promise;
  }
  Faults faults(Fault::kQueue);
  Job* job = faults.FailNext() ? nullptr : new (std::nothrow) Job{std::move(call.kernel), {}, std::move(resolve)};
  if (job == nullptr) {
    resolve.Value().Call({Napi::Number::New(env, kQueueOutOfMemory)});
    return promise;
  }
  job->pins.reserve(call.pins.size());
  for (const Napi::Value& value : call.pins) {
    if (value.IsObject()) job->pins.push_back(Napi::Persistent(value));  // optional outputs may be null
  }
  self->live_.insert(job);
  if (self->pending_++ == 0) self->tsfn_.Ref(env);
  {
    std::lock_guard<std::mutex> guard(self->mutex_);
    self->jobs_.push_back(job);
  }
  self->ready_.notify_one();
  return promise;
}

void BlasQueue::Loop() {
  for (;;) {
    Job* job;
    {
      std::unique_lock<std::mutex> guard(mutex_);
      ready_.wait(guard, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    {
      std::lock_guard<std::mutex> blas(BlasLock());
      job->result = job->kernel();
    }
    // Fails only once the function is closing, after Stop() released the job's references.
    if (tsfn_.BlockingCall(job) != napi_ok) delete job;
  }
}

void BlasQueue::Complete(Napi::Env env, Napi::Function, BlasQueue* self,
                         Job* job) {
  // A job released by Stop(): the environment is going away, nothing to settle.
  if (env == nullptr || job->resolve.IsEmpty()) {
    delete job;
    return;
  }
  self->live_.erase(job);
  Napi::Function resolve = job->resolve.Value();
  double result = job->result;
  delete job;  // releases the pins
  resolve.Call({Napi::Number::New(env, result)});
  if (--self->pending_ == 0) self->tsfn_.Unref(env);
}

void BlasQueue::Job::Release() {
  for (auto& pin : pins) pin.Reset();
  resolve.Reset();
}

void BlasQueue::Stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (started_) pthread_join(thread_, nullptr);
  // The environment is still alive here: delete the references of every job
  // not completed, queued or waiting to be delivered alike.
  for (Job* job : live_) job->Release();
  live_.clear();
  for (Job* job : jobs_) delete job;
  jobs_.clear();
  tsfn_.Release();
}

}  // namespace nntk
