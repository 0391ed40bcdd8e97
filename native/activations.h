// σ, σ′ and σ″ of the activation functions over an array: the one per-element
// loop of a Newton step that is evaluated M·N times per pass over the
// neurons, so it runs four doubles at a time through glibc's vector math
// library (libmvec, AVX2; ≤ 4 ulp) where the CPU has AVX2 and FMA, and
// through the scalar libm otherwise.
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// The activations, in the order of lib/model/activations.ts.
enum class Activation { kTanh = 0, kSigmoid, kSin, kSoftplus, kErf, kRelu };

// activations(kind, u, value, slope, curvature): each output a Float64Array
// of u's length, or null when not wanted.
bool PrepareActivations(Arguments& args, Call* call);

}  // namespace nntk
