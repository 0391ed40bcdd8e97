// Prototypes of the OpenBLAS symbols nntk calls: the Fortran BLAS/LAPACK
// interface (column-major, every argument by pointer) and OpenBLAS's thread
// control. Debian's libopenblas-dev ships no LAPACKE, and the Fortran symbols
// are what LAPACKE would call anyway.
//
// gfortran ABI: each CHARACTER argument carries a hidden length, passed by
// value after all the other arguments (size_t since GCC 8). Omitting them is
// undefined behaviour for routines compiled from Fortran sources.
#pragma once

#include <cstddef>

using lapack_int = int;  // LP64 OpenBLAS: 32-bit integers everywhere.

extern "C" {

void dgemm_(const char* transa, const char* transb, const lapack_int* m,
            const lapack_int* n, const lapack_int* k, const double* alpha,
            const double* a, const lapack_int* lda, const double* b,
            const lapack_int* ldb, const double* beta, double* c,
            const lapack_int* ldc, size_t transa_len, size_t transb_len);

void dsyrk_(const char* uplo, const char* trans, const lapack_int* n,
            const lapack_int* k, const double* alpha, const double* a,
            const lapack_int* lda, const double* beta, double* c,
            const lapack_int* ldc, size_t uplo_len, size_t trans_len);

void dtrsm_(const char* side, const char* uplo, const char* transa,
            const char* diag, const lapack_int* m, const lapack_int* n,
            const double* alpha, const double* a, const lapack_int* lda,
            double* b, const lapack_int* ldb, size_t side_len,
            size_t uplo_len, size_t transa_len, size_t diag_len);

void dpotrf_(const char* uplo, const lapack_int* n, double* a,
             const lapack_int* lda, lapack_int* info, size_t uplo_len);

void dpotrs_(const char* uplo, const lapack_int* n, const lapack_int* nrhs,
             const double* a, const lapack_int* lda, double* b,
             const lapack_int* ldb, lapack_int* info, size_t uplo_len);

void dposv_(const char* uplo, const lapack_int* n, const lapack_int* nrhs,
            double* a, const lapack_int* lda, double* b, const lapack_int* ldb,
            lapack_int* info, size_t uplo_len);

void dsyevd_(const char* jobz, const char* uplo, const lapack_int* n,
             double* a, const lapack_int* lda, double* w, double* work,
             const lapack_int* lwork, lapack_int* iwork,
             const lapack_int* liwork, lapack_int* info, size_t jobz_len,
             size_t uplo_len);

void dsyevr_(const char* jobz, const char* range, const char* uplo,
             const lapack_int* n, double* a, const lapack_int* lda,
             const double* vl, const double* vu, const lapack_int* il,
             const lapack_int* iu, const double* abstol, lapack_int* m,
             double* w, double* z, const lapack_int* ldz, lapack_int* isuppz,
             double* work, const lapack_int* lwork, lapack_int* iwork,
             const lapack_int* liwork, lapack_int* info, size_t jobz_len,
             size_t range_len, size_t uplo_len);

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
int openblas_get_num_procs(void);
char* openblas_get_config(void);

}  // extern "C"
