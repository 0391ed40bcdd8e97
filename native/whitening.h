// The blocks of A = S + λI of the full-Hessian kernel path, factored, and the
// whitened Jacobian Z = J·L_A⁻ᵀ of a chunk of neurons by one dgemm, for block
// sizes q past the unrolled cases of jacobian.cc: there each row segment is
// solved with its neuron's Lᵢ (M·q² dependent flops per neuron, several
// times the dsyrk that consumes Z at q = 66). Here, with Tᵢ = Lᵢ⁻ᵀ and the
// Jacobian segment [s·σ, s·cᵢ·σ′·x̃ᵀ] of row j,
//   Zᵢ = s·σ·(row 0 of Tᵢ) + s·cᵢ·σ′ ⊙ (X̃ · rows 1…k of Tᵢ),
// and X̃ is shared by every neuron: the products of a chunk are one gemm of
// X̃ (M×k) with the panel of the Tᵢ laid side by side.
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// blockfactors(q, n, lambda, S, L, T):
//   S  n symmetric row-major q×q blocks (the lower triangle is read);
//   L  out, n blocks: the lower triangle becomes the Cholesky factor of
//      Sᵢ + λI (the operations of the dot-product form, lᵢⱼ = (aᵢⱼ −
//      Σ_{k<j} lᵢₖlⱼₖ)/lⱼⱼ summed in order of k, that the JavaScript
//      choleskyBlock used), the strict upper triangle holds Sᵢ's;
//   T  null, or out: the q × n·q row-major panel whose columns i·q … i·q+q−1
//      are Tᵢ = Lᵢ⁻ᵀ (upper triangular, its zeros written).
// Returns 0, or i·q + m for the first neuron i whose block is not positive
// definite, m the order of its failing leading minor (then L and T are
// incomplete).
bool PrepareBlockFactors(Arguments& args, Call* call);

// blocksolve(q, n, L, x): x (n segments of q) ← Aᵢ⁻¹·x segment by segment,
// Aᵢ = Lᵢ·Lᵢᵀ from blockfactors: forward then back substitution, the
// same operations as the JavaScript loops it replaced.
bool PrepareBlockSolve(Arguments& args, Call* call);

// whitenedjacobian(k, nc, m, Xt, value, slope, c, scale, T, ldt, out):
//   Xt, value, slope, c, scale, out as for jacobianblock (jacobian.h);
//   T  the chunk's part of a panel of blockfactors: q rows of ldt entries,
//      the chunk's nc·q columns first (a subarray of the whole panel).
// out = Z, the chunk's Jacobian whitened by the Lᵢ: m × nc·q row-major.
bool PrepareWhitenedJacobian(Arguments& args, Call* call);

}  // namespace nntk
