// One OpenBLAS thread for a LAPACK call too small to share.
//
// OpenBLAS 0.3.21 threads dpotrf from n = 64 on. A Cholesky factorisation of
// order n is n³/3 flops: at n = 64 that is ~5 µs of one core's arithmetic,
// less than the hand-over to a second thread, and on a machine whose cores
// are busy the call then waits until that thread is scheduled. Measured here
// (2 cores, shared): dpotrf at n = 64 / 96 / 128 took 2.1× / 3.9× / 1.8× as
// long on 2 threads as on 1 (medians of 5 rounds), with tails to 7×.
// Every call holds BlasLock(), so the thread count can be lowered for the
// call and restored after it without another call seeing it.
#pragma once

#include "fortran.h"

namespace nntk {

// Up to this order a factorisation runs on one thread.
constexpr lapack_int kSingleThreadOrder = 128;

class SingleThreadBelow {
 public:
  explicit SingleThreadBelow(lapack_int n)
      : saved_(n <= kSingleThreadOrder ? openblas_get_num_threads() : 1) {
    if (saved_ > 1) openblas_set_num_threads(1);
  }
  ~SingleThreadBelow() {
    if (saved_ > 1) openblas_set_num_threads(saved_);
  }
  SingleThreadBelow(const SingleThreadBelow&) = delete;
  SingleThreadBelow& operator=(const SingleThreadBelow&) = delete;

 private:
  int saved_;
};

}  // namespace nntk
