// The bindings, one per BLAS/LAPACK routine, with Fortran's column-major
// semantics and argument order. Each prepares a Call; the addon runs it now
// (sync) or on the BLAS queue (async). Every call returns LAPACK's info
// (0 for BLAS), or kOutOfMemory when a workspace could not be allocated.
#pragma once

#include "arguments.h"
#include "blas_queue.h"
#include "workspace.h"

namespace nntk {

// dgemm(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)
bool PrepareDgemm(Arguments& args, Call* call);
// dsyrk(uplo, trans, n, k, alpha, A, lda, beta, C, ldc)
bool PrepareDsyrk(Arguments& args, Call* call);
// dtrsm(side, uplo, transa, diag, m, n, alpha, A, lda, B, ldb)
bool PrepareDtrsm(Arguments& args, Call* call);
// dpotrf(uplo, n, A, lda)
bool PrepareDpotrf(Arguments& args, Call* call);
// dpotrs(uplo, n, nrhs, A, lda, B, ldb)
bool PrepareDpotrs(Arguments& args, Call* call);
// dposv(uplo, n, nrhs, A, lda, B, ldb)
bool PrepareDposv(Arguments& args, Call* call);
// dsyevd(jobz, uplo, n, A, lda, W)
bool PrepareDsyevd(Arguments& args, Call* call);
// dsyevr(jobz, range, uplo, n, A, lda, vl, vu, il, iu, abstol, W, Z, ldz, M)
// M is an Int32Array that receives the number of eigenvalues found.
bool PrepareDsyevr(Arguments& args, Call* call);
// nonfinite(uplo, m, n, A, lda): the offset of the first NaN or infinity in
// the m x n matrix ('G') or in the upper/lower triangle of the n x n matrix
// ('U'/'L'), scanning column by column; -1 when there is none.
bool PrepareNonfinite(Arguments& args, Call* call);

}  // namespace nntk
