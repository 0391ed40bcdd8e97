#include "arguments.h"

#include <cmath>
#include <cstring>

namespace nntk {

void Arguments::Fail(bool type_error, const std::string& message) {
  if (!ok_) return;
  ok_ = false;
  Napi::Env env = info_.Env();
  if (type_error) {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  }
}

char Arguments::Flag(size_t i, const char* allowed) {
  if (!ok_) return 0;
  if (!info_[i].IsString()) {
    Fail(true, "argument " + std::to_string(i) + " must be a string");
    return 0;
  }
  std::string s = info_[i].As<Napi::String>().Utf8Value();
  // strchr would also find the terminating '\0' of `allowed`.
  if (s.size() != 1 || s[0] == '\0' || std::strchr(allowed, s[0]) == nullptr) {
    Fail(false, "argument " + std::to_string(i) + " must be one of '" +
                    allowed + "', got '" + s + "'");
    return 0;
  }
  return s[0];
}

lapack_int Arguments::Int(size_t i) {
  double value = Number(i);
  if (!ok_) return 0;
  if (value != std::floor(value) || value < -2147483648.0 ||
      value > 2147483647.0) {
    Fail(false, "argument " + std::to_string(i) +
                    " must be a 32-bit integer");
    return 0;
  }
  return static_cast<lapack_int>(value);
}

double Arguments::Number(size_t i) {
  if (!ok_) return 0;
  if (!info_[i].IsNumber()) {
    Fail(true, "argument " + std::to_string(i) + " must be a number");
    return 0;
  }
  return info_[i].As<Napi::Number>().DoubleValue();
}

double* Arguments::Doubles(size_t i) {
  if (!ok_) return nullptr;
  if (!info_[i].IsTypedArray() ||
      info_[i].As<Napi::TypedArray>().TypedArrayType() !=
          napi_float64_array) {
    Fail(true, "argument " + std::to_string(i) + " must be a Float64Array");
    return nullptr;
  }
  return info_[i].As<Napi::Float64Array>().Data();
}

lapack_int* Arguments::Ints(size_t i) {
  if (!ok_) return nullptr;
  if (!info_[i].IsTypedArray() ||
      info_[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    Fail(true, "argument " + std::to_string(i) + " must be an Int32Array");
    return nullptr;
  }
  return info_[i].As<Napi::Int32Array>().Data();
}

void Arguments::RequireMatrix(size_t i, lapack_int rows, lapack_int cols,
                              lapack_int ld) {
  if (!ok_) return;
  if (rows < 0 || cols < 0 || ld < (rows > 1 ? rows : 1)) {
    Fail(false, "argument " + std::to_string(i) + ": invalid shape " +
                    std::to_string(rows) + "x" + std::to_string(cols) +
                    " with leading dimension " + std::to_string(ld));
    return;
  }
  // An empty matrix (no rows or no columns) is never read, whatever ld.
  int64_t needed =
      rows == 0 || cols == 0 ? 0 : static_cast<int64_t>(ld) * (cols - 1) + rows;
  RequireLength(i, needed);
}

void Arguments::RequireLength(size_t i, int64_t length) {
  if (!ok_) return;
  size_t have = info_[i].As<Napi::TypedArray>().ElementLength();
  if (static_cast<int64_t>(have) < length) {
    Fail(false, "argument " + std::to_string(i) + " has " +
                    std::to_string(have) + " elements, needs " +
                    std::to_string(length));
  }
}

}  // namespace nntk
