// Prototypes of the BLACS, ScaLAPACK and PBLAS symbols the distributed addon
// calls. Neither Debian nor upstream ships a header for them. 32-bit integers;
// the Fortran routines (numroc_, descinit_, pd*_) take a hidden length for
// each CHARACTER argument, by value after the others (gfortran ABI, size_t);
// the PBLAS routines are C and take none.
#pragma once

#include <cstddef>

extern "C" {

void Cblacs_get(int context, int what, int* value);
void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow,
                     int* mycol);
void Cblacs_gridexit(int context);
void Cblacs_exit(int keep_mpi);

int numroc_(const int* n, const int* nb, const int* iproc, const int* isrc,
            const int* nprocs);
int indxl2g_(const int* indxloc, const int* nb, const int* iproc,
             const int* isrc, const int* nprocs);
void descinit_(int* desc, const int* m, const int* n, const int* mb,
               const int* nb, const int* rsrc, const int* csrc,
               const int* context, const int* lld, int* info);

void pdpotrf_(const char* uplo, const int* n, double* a, const int* ia,
              const int* ja, const int* desca, int* info, size_t uplo_len);
void pdpotrs_(const char* uplo, const int* n, const int* nrhs,
              const double* a, const int* ia, const int* ja,
              const int* desca, double* b, const int* ib, const int* jb,
              const int* descb, int* info, size_t uplo_len);
void pdsyevd_(const char* jobz, const char* uplo, const int* n, double* a,
              const int* ia, const int* ja, const int* desca, double* w,
              double* z, const int* iz, const int* jz, const int* descz,
              double* work, const int* lwork, int* iwork, const int* liwork,
              int* info, size_t jobz_len, size_t uplo_len);
void pdsyev_(const char* jobz, const char* uplo, const int* n, double* a,
             const int* ia, const int* ja, const int* desca, double* w,
             double* z, const int* iz, const int* jz, const int* descz,
             double* work, const int* lwork, int* info, size_t jobz_len,
             size_t uplo_len);
void pdsyevr_(const char* jobz, const char* range, const char* uplo,
              const int* n, double* a, const int* ia, const int* ja,
              const int* desca, const double* vl, const double* vu,
              const int* il, const int* iu, int* m, int* nz, double* w,
              double* z, const int* iz, const int* jz, const int* descz,
              double* work, const int* lwork, int* iwork, const int* liwork,
              int* info, size_t jobz_len, size_t range_len, size_t uplo_len);

// C := beta·C + alpha·Aᵀ (PBLAS).
void pdtran_(const int* m, const int* n, const double* alpha, const double* a,
             const int* ia, const int* ja, const int* desca,
             const double* beta, double* c, const int* ic, const int* jc,
             const int* descc);
}

// Descriptor entries (ScaLAPACK's DESC_ array, 0-based here).
namespace nntk::desc {
constexpr int kContext = 1, kRows = 2, kCols = 3, kRowBlock = 4,
              kColBlock = 5, kRowSource = 6, kColSource = 7, kLeading = 8;
constexpr int kLength = 9;
}  // namespace nntk::desc
