#include "blas_queue.h"

namespace nntk {

std::mutex& BlasLock() {
  static std::mutex lock;
  return lock;
}

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
  thread_ = std::thread([this] { Loop(); });
}

namespace {
void KeepQueue(Napi::Env, BlasQueue*) {}
}  // namespace

void BlasQueue::Install(Napi::Env env) {
  auto* queue = new BlasQueue(env);
  // The thread-safe function's finalizer owns the queue, not the instance data.
  env.SetInstanceData<BlasQueue, KeepQueue>(queue);
  // Runs before the thread-safe function's own cleanup (hooks run in reverse
  // order of registration), so the thread is joined before it is torn down.
  env.AddCleanupHook([queue] { queue->Stop(); });
}

Napi::Value BlasQueue::Enqueue(Napi::Env env, Call call) {
  BlasQueue* self = env.GetInstanceData<BlasQueue>();
  napi_deferred deferred;
  napi_value promise_value;
  // Fails only while the environment is torn down (e.g. a worker terminated
  // in the middle of a call): then nothing is queued.
  if (napi_create_promise(env, &deferred, &promise_value) != napi_ok) {
    return env.Undefined();
  }
  auto* job = new Job{std::move(call.kernel), {}, deferred};
  job->pins.reserve(call.pins.size());
  for (const Napi::Value& value : call.pins) {
    if (value.IsObject()) job->pins.push_back(Napi::Persistent(value));  // optional outputs may be null
  }
  if (self->pending_++ == 0) self->tsfn_.Ref(env);
  {
    std::lock_guard<std::mutex> guard(self->mutex_);
    self->jobs_.push_back(job);
  }
  self->ready_.notify_one();
  return Napi::Value(env, promise_value);
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
    if (tsfn_.BlockingCall(job) != napi_ok) Discard(job);
  }
}

void BlasQueue::Complete(Napi::Env env, Napi::Function, BlasQueue* self,
                         Job* job) {
  if (env == nullptr) {  // the environment is being torn down
    Discard(job);
    return;
  }
  napi_resolve_deferred(env, job->deferred, Napi::Number::New(env, job->result));
  delete job;  // releases the pins
  if (--self->pending_ == 0) self->tsfn_.Unref(env);
}

void BlasQueue::Discard(Job* job) {
  // Only reached while the environment is torn down; it frees the
  // references itself, so they must not be deleted again here.
  for (auto& pin : job->pins) pin.SuppressDestruct();
  delete job;
}

void BlasQueue::Stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  thread_.join();
  for (Job* job : jobs_) Discard(job);
  jobs_.clear();
  tsfn_.Release();
}

}  // namespace nntk
