// σ, σ′ and σ″ of the activation functions at the pre-activations of a chunk
// of neurons: the per-entry loop of a Newton step that is evaluated M·N times
// per pass over the neurons, so it runs four doubles at a time through glibc's vector math
// library (libmvec, AVX2; ≤ 4 ulp) where the CPU has AVX2 and FMA, and
// through the scalar libm otherwise.
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// The activations, in the order of lib/model/activations.ts.
enum class Activation { kTanh = 0, kSigmoid, kSin, kSoftplus, kErf, kRelu };

// activations(kind, k, nc, m, Xt, W, value, slope, curvature): σ, σ′, σ″ of
// the pre-activations U = X̃·Wᵀ (Xt m×k and W nc×k row-major), formed in the
// same pass rather than by a dgemm whose m × nc result would be written and
// read again; each output a row-major m × nc Float64Array, or null when not
// wanted. k = 1, m = 1, Xt = [1] evaluates W itself (U = 1·W exactly).
bool PrepareActivations(Arguments& args, Call* call);

// curvaturefromfeatures(kind, n, value, slope, curvature): σ″ from σ and σ′
// where the formulas above form it from them (tanh, sin, relu), bitwise what
// activations writes; returns 0, or 1 (nothing written) for the activations
// whose σ″ needs u.
bool PrepareCurvatureFromFeatures(Arguments& args, Call* call);

}  // namespace nntk
