// The two per-entry loops over a chunk's M×nc feature arrays that the
// TypeScript layer ran in JavaScript at ≈ 9 ns an entry: f = s·σ·c (the
// prediction, a sum in neuron order) and σ′·|c| (the columns whose Gram
// matrix is the slope part of the structured J·Jᵀ). At M = 512, N = 16 384
// each took a third to three quarters of one of the two dsyrk of a
// Gauss–Newton step.
#pragma once

#include "arguments.h"
#include "blas_queue.h"

namespace nntk {

// weightedrowsums(m, nc, a, w, out): out[j] ← out[j] + Σᵢ w[i]·a[j·nc + i],
// a m×nc row-major, each product rounded and added in order of i (the
// operations of the JavaScript loop: the terms of a symmetric pair of
// neurons cancel exactly).
bool PrepareWeightedRowSums(Arguments& args, Call* call);

// scaledcolumns(m, nc, a, s, out): out[j·nc + i] = a[j·nc + i]·s[i].
bool PrepareScaledColumns(Arguments& args, Call* call);

}  // namespace nntk
