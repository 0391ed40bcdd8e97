// Reading the arguments of a binding. The TypeScript layer validates
// everything first; these checks are the floor that keeps a wrong call from
// touching memory outside the arrays it was given.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "fortran.h"

namespace nntk {

class Arguments {
 public:
  explicit Arguments(const Napi::CallbackInfo& info) : info_(info) {}

  bool ok() const { return ok_; }

  // One character out of `allowed`, passed as a one-letter string.
  char Flag(size_t i, const char* allowed);
  lapack_int Int(size_t i);
  double Number(size_t i);
  double* Doubles(size_t i);
  lapack_int* Ints(size_t i);

  // The array at position i holds a column-major rows x cols matrix with
  // leading dimension ld >= max(1, rows) (LAPACK's rule, also for rows = 0).
  void RequireMatrix(size_t i, lapack_int rows, lapack_int cols,
                     lapack_int ld);
  void RequireLength(size_t i, int64_t length);

  Napi::Value At(size_t i) const { return info_[i]; }

 private:
  void Fail(bool type_error, const std::string& message);

  const Napi::CallbackInfo& info_;
  bool ok_ = true;
};

}  // namespace nntk
