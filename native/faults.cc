#include "faults.h"

#include <atomic>
#include <string>

#include "arguments.h"

namespace nntk {
namespace {

constexpr const char* kNames[] = {"activations", "jacobianblock", "blockfactors", "whitenedjacobian", "smallesteigenvalues", "dsyevd", "dsyevr", "queue", "queuethread", "threads"};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(Fault::kCount), "a name per fault");

// Per fault: the `skip` of the armed failure, or -1. Async calls take theirs
// on the queue's thread, hence atomics.
std::atomic<int> armed[static_cast<size_t>(Fault::kCount)] = {{-1}, {-1}, {-1}, {-1}, {-1}, {-1}, {-1}, {-1}, {-1}, {-1}};
std::atomic<int> fired[static_cast<size_t>(Fault::kCount)] = {};

}  // namespace

Faults::Faults(Fault kind) : kind_(kind) {
  std::atomic<int>& slot = armed[static_cast<size_t>(kind)];
  countdown_ = slot.load(std::memory_order_relaxed) < 0 ? -1 : slot.exchange(-1);
}

bool Faults::FailNext() {
  if (countdown_ < 0 || countdown_-- != 0) return false;
  fired[static_cast<size_t>(kind_)].fetch_add(1);
  return true;
}

Napi::Value FailNextAllocation(const Napi::CallbackInfo& info) {
  Arguments args(info);
  if (!info[0].IsString()) {
    Napi::TypeError::New(info.Env(), "__failNextAllocation: the kernel must be a string")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  lapack_int skip = info[1].IsUndefined() ? 0 : args.Int(1);
  if (!args.ok()) return info.Env().Undefined();
  for (size_t i = 0; i < static_cast<size_t>(Fault::kCount); ++i) {
    if (name == kNames[i] && skip >= -1) {
      armed[i].store(skip);
      return Napi::Number::New(info.Env(), fired[i].load());
    }
  }
  Napi::RangeError::New(info.Env(), "__failNextAllocation: unknown kernel '" + name +
                                        "' or skip < -1")
      .ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

}  // namespace nntk
