// The Jacobian columns of a chunk of neurons, written row by row from the
// features σ, σ′ the TypeScript layer computed for them, and optionally
// whitened by the Cholesky factors of the blocks of A = S + λI (the Z of the
// kernel path). Its M·nc·q entries are the one per-entry loop of a Newton
// step besides the activations; in JavaScript it took as long as the dsyrk
// that consumes it.
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// jacobianblock(k, nc, m, Xt, value, slope, c, scale, L, out):
//   Xt     m×k row-major (the inputs, with the column of ones for a bias);
//   value, slope  m×nc row-major: σ(u), σ′(u) of the chunk's nc neurons;
//   c      nc output weights; scale the N^(−β) of the parametrization;
//   L      null, or nc lower-triangular row-major q×q blocks (q = k + 1);
//   out    m × nc·q row-major: row j, segment i (θᵢ = (cᵢ, wᵢ, bᵢ)) is
//          [scale·σ, scale·cᵢ·σ′·x̃ⱼ], then L_i⁻¹ times it when L is given.
bool PrepareJacobianBlock(Arguments& args, Call* call);

}  // namespace nntk
