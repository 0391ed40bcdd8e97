// Scratch memory for a native call.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace nntk {

// What a call returns in place of LAPACK's info when its workspace could
// not be allocated (lib/linalg/native.ts: OUT_OF_MEMORY).
constexpr double kOutOfMemory = -2147483648.0;

// Owns a malloc'd workspace; malloc rather than new so that a failure is a
// result (kOutOfMemory), not an abort, under -fno-exceptions.
template <typename T>
class Workspace {
 public:
  explicit Workspace(int64_t count)
      : data_(static_cast<T*>(std::malloc(sizeof(T) * (count > 0 ? count : 1)))) {}
  ~Workspace() { std::free(data_); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  T* get() const { return data_; }

 private:
  T* data_;
};

}  // namespace nntk
