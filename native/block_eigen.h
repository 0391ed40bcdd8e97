// The smallest eigenvalue of each of many symmetric q×q blocks (the Sᵢ of the
// full Hessian, for `auto` λ and its certificate), by LAPACK's dsyevr on a
// copy of each: Householder tridiagonalization and bisection, 4q³/3 flops a
// block, where the cyclic Jacobi sweeps of lib/linalg/blocks.ts cost ≈ 2q³
// each, one after another in JavaScript (16 ms a block at q = 66).
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// smallesteigenvalues(q, n, S, out): S n symmetric row-major q×q blocks (both
// triangles hold the block), out n numbers. Returns 0, or LAPACK's info of the
// first block whose eigenvalue did not converge.
bool PrepareSmallestEigenvalues(Arguments& args, Call* call);

}  // namespace nntk
