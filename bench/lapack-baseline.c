/*
 * lapack-baseline: the C reference for bench/native-vs-c.mjs. It makes the
 * same Fortran BLAS/LAPACK calls, with the same arguments, that nntk's
 * TypeScript layer makes through the addon (native/routines.cc), on the same
 * input bytes, and times them with clock_gettime(CLOCK_MONOTONIC).
 *
 * Build: cc -O2 -o lapack-baseline bench/lapack-baseline.c -lopenblas
 *
 * Usage:
 *   lapack-baseline ROUTINE N REPS INPUT [THREADS] [--step]
 *     ROUTINE  syrk | potrf | syevd
 *     INPUT    raw little-endian float64, row-major: N*N numbers (for syrk
 *              the N x K matrix A with K = N; for potrf/syevd a symmetric
 *              matrix, both triangles stored).
 *     THREADS  openblas_set_num_threads(THREADS) if given and > 0.
 *   One untimed warm-up repetition, then REPS timed ones. Before each
 *   repetition the input is restored (memcpy, outside the timed region).
 *   Prints one JSON object: {"routine", "n", "threads", "times_ns": [...],
 *   "info", "checksum", ...}.
 *   With --step it prints "ready" after the warm-up and then runs one timed
 *   repetition per line read on stdin, answering each with its time in ns on
 *   a line of its own; after REPS of them (or EOF) it prints the JSON. This
 *   lets the driver interleave JS and C repetitions.
 *
 *   lapack-baseline tiny ROUTINE N ITERS INPUT [THREADS]
 *     ROUTINE  potrf | syrk | gemm
 *   Per-call cost of a tiny call: ITERS calls after ITERS/10 warm-up calls,
 *   timed as one loop. potrf factors in place, so every iteration restores
 *   the input first (memcpy of N*N doubles); a second loop times the restore
 *   alone so that the driver can report the call net of it. syrk and gemm do
 *   not modify their inputs (beta = 0 overwrites the output), so they run
 *   without a restore. Prints JSON with ns per iteration for the loop and for
 *   the restore-only loop.
 *
 * Layout mapping (identical to the lib/linalg sources): a row-major matrix is, in
 * memory, the column-major transpose. So
 *   TS syrk(A n x k, {uplo: 'lower'})  ->  dsyrk('U', 'T', n, k, 1, A, k, 0, C, n)
 *   TS potrf(A, {uplo: 'lower'})        ->  dpotrf('U', n, A, n)
 *   TS syevd(A, {vectors: true, uplo: 'lower'})
 *                                       ->  dsyevd('V', 'U', n, A, n, w, ...)
 *     with a workspace query (lwork = liwork = -1) first, then malloc'd
 *     workspaces of the queried size, freed after the call: all of it timed,
 *     as the addon does all of it inside the call.
 *   TS gemm(A, B) (n x n, no transposes) -> dgemm('N', 'N', n, n, n, 1, B, n, A, n, 0, C, n)
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int lapack_int; /* LP64 OpenBLAS */

/* gfortran ABI: hidden CHARACTER lengths (size_t) after all other arguments. */
extern void dgemm_(const char *transa, const char *transb, const lapack_int *m, const lapack_int *n,
                   const lapack_int *k, const double *alpha, const double *a, const lapack_int *lda,
                   const double *b, const lapack_int *ldb, const double *beta, double *c,
                   const lapack_int *ldc, size_t transa_len, size_t transb_len);
extern void dsyrk_(const char *uplo, const char *trans, const lapack_int *n, const lapack_int *k,
                   const double *alpha, const double *a, const lapack_int *lda, const double *beta,
                   double *c, const lapack_int *ldc, size_t uplo_len, size_t trans_len);
extern void dpotrf_(const char *uplo, const lapack_int *n, double *a, const lapack_int *lda,
                    lapack_int *info, size_t uplo_len);
extern void dsyevd_(const char *jobz, const char *uplo, const lapack_int *n, double *a,
                    const lapack_int *lda, double *w, double *work, const lapack_int *lwork,
                    lapack_int *iwork, const lapack_int *liwork, lapack_int *info, size_t jobz_len,
                    size_t uplo_len);
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);

#define OUT_OF_MEMORY (-2147483647 - 1) /* what the addon returns, too */

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *message) {
  fprintf(stderr, "lapack-baseline: %s\n", message);
  exit(2);
}

/* malloc, like the JS side's ArrayBuffers (large ones are mmap'd, page + 16). */
static double *alloc_doubles(size_t count) {
  double *p = malloc(sizeof(double) * (count > 0 ? count : 1));
  if (p == NULL) die("out of memory");
  return p;
}

static double *read_input(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("cannot open the input file");
  double *x = alloc_doubles(count);
  if (fread(x, sizeof(double), count, f) != count) die("the input file is too short");
  fclose(f);
  return x;
}

/* ---- one call of each routine, exactly as native/routines.cc makes it ---- */

static lapack_int call_syrk(lapack_int n, lapack_int k, const double *a, double *c) {
  const char uplo = 'U', trans = 'T';
  const double alpha = 1, beta = 0;
  const lapack_int lda = k, ldc = n;
  dsyrk_(&uplo, &trans, &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
  return 0;
}

static lapack_int call_gemm(lapack_int n, const double *a, const double *b, double *c) {
  const char ta = 'N', tb = 'N';
  const double alpha = 1, beta = 0;
  /* Cᵀ = Bᵀ·Aᵀ: the TS layer passes B first. */
  dgemm_(&tb, &ta, &n, &n, &n, &alpha, b, &n, a, &n, &beta, c, &n, 1, 1);
  return 0;
}

static lapack_int call_potrf(lapack_int n, double *a) {
  const char uplo = 'U';
  lapack_int info = 0;
  dpotrf_(&uplo, &n, a, &n, &info, 1);
  return info;
}

static lapack_int call_syevd(lapack_int n, double *a, double *w) {
  const char jobz = 'V', uplo = 'U';
  lapack_int info = 0, query_lwork = -1, query_liwork = -1, iwork_size = 0;
  double work_size = 0;
  dsyevd_(&jobz, &uplo, &n, a, &n, w, &work_size, &query_lwork, &iwork_size, &query_liwork, &info, 1, 1);
  if (info != 0) return info;
  lapack_int lwork = (lapack_int)ceil(work_size);
  lapack_int liwork = iwork_size;
  double *work = malloc(sizeof(double) * (lwork > 0 ? (size_t)lwork : 1));
  lapack_int *iwork = malloc(sizeof(lapack_int) * (liwork > 0 ? (size_t)liwork : 1));
  if (work == NULL || iwork == NULL) {
    free(work);
    free(iwork);
    return OUT_OF_MEMORY;
  }
  dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  free(work);
  free(iwork);
  return info;
}

/* ---- large calls ---- */

enum routine { SYRK, POTRF, SYEVD, GEMM };

static enum routine parse_routine(const char *name) {
  if (strcmp(name, "syrk") == 0) return SYRK;
  if (strcmp(name, "potrf") == 0) return POTRF;
  if (strcmp(name, "syevd") == 0) return SYEVD;
  if (strcmp(name, "gemm") == 0) return GEMM;
  die("routine must be syrk, potrf, syevd or gemm");
  return SYRK;
}

struct state {
  enum routine routine;
  lapack_int n;
  const double *input; /* n*n, never modified */
  double *work;        /* potrf/syevd: the matrix operated on in place */
  double *out;         /* syrk/gemm: C; syevd: the eigenvalues */
};

/* Restores the input (untimed), then times one call. */
static int64_t one_rep(struct state *s, lapack_int *info) {
  size_t count = (size_t)s->n * (size_t)s->n;
  if (s->routine == POTRF || s->routine == SYEVD) memcpy(s->work, s->input, sizeof(double) * count);
  int64_t t0 = now_ns();
  switch (s->routine) {
    case SYRK: *info = call_syrk(s->n, s->n, s->input, s->out); break;
    case GEMM: *info = call_gemm(s->n, s->input, s->input, s->out); break;
    case POTRF: *info = call_potrf(s->n, s->work); break;
    case SYEVD: *info = call_syevd(s->n, s->work, s->out); break;
  }
  return now_ns() - t0;
}

/* A number to compare with the JS side's result (same definition there). */
static double checksum(const struct state *s) {
  size_t count = (size_t)s->n * (size_t)s->n;
  double sum = 0;
  switch (s->routine) {
    case SYRK:
    case GEMM:
      for (size_t i = 0; i < count; i++) sum += s->out[i];
      break;
    case POTRF:
      for (size_t i = 0; i < count; i++) sum += s->work[i];
      break;
    case SYEVD: /* eigenvalues, plus |vectors| (their signs are arbitrary) */
      for (lapack_int i = 0; i < s->n; i++) sum += s->out[i];
      for (size_t i = 0; i < count; i++) sum += fabs(s->work[i]);
      break;
  }
  return sum;
}

static int run_large(int argc, char **argv) {
  if (argc < 5) die("usage: lapack-baseline ROUTINE N REPS INPUT [THREADS] [--step]");
  struct state s;
  s.routine = parse_routine(argv[1]);
  s.n = atoi(argv[2]);
  int reps = atoi(argv[3]);
  if (s.n < 1 || reps < 1) die("N and REPS must be positive");
  int step = 0, threads = 0;
  for (int i = 5; i < argc; i++) {
    if (strcmp(argv[i], "--step") == 0) step = 1;
    else threads = atoi(argv[i]);
  }
  if (threads > 0) openblas_set_num_threads(threads);
  size_t count = (size_t)s.n * (size_t)s.n;
  s.input = read_input(argv[4], count);
  s.work = alloc_doubles(count);
  s.out = alloc_doubles(s.routine == SYEVD ? (size_t)s.n : count);
  memset(s.out, 0, sizeof(double) * (s.routine == SYEVD ? (size_t)s.n : count));

  lapack_int info = 0;
  int64_t warmup = one_rep(&s, &info);
  int64_t *times = malloc(sizeof(int64_t) * (size_t)reps);
  if (times == NULL) die("out of memory");
  int done = 0;
  if (step) {
    printf("ready\n");
    fflush(stdout);
    char line[64];
    while (done < reps && fgets(line, sizeof line, stdin) != NULL) {
      times[done] = one_rep(&s, &info);
      printf("%lld\n", (long long)times[done]);
      fflush(stdout);
      done++;
    }
  } else {
    for (; done < reps; done++) times[done] = one_rep(&s, &info);
  }

  printf("{\"routine\":\"%s\",\"n\":%d,\"threads\":%d,\"info\":%d,\"warmup_ns\":%lld,\"checksum\":%.17g,\"times_ns\":[",
         argv[1], s.n, openblas_get_num_threads(), info, (long long)warmup, checksum(&s));
  for (int i = 0; i < done; i++) printf("%s%lld", i ? "," : "", (long long)times[i]);
  printf("]}\n");
  return info == 0 ? 0 : 1;
}

/* ---- tiny calls ---- */

static int run_tiny(int argc, char **argv) {
  if (argc < 6) die("usage: lapack-baseline tiny ROUTINE N ITERS INPUT [THREADS]");
  enum routine routine = parse_routine(argv[2]);
  lapack_int n = atoi(argv[3]);
  long iters = atol(argv[4]);
  if (n < 1 || iters < 1) die("N and ITERS must be positive");
  if (argc > 6 && atoi(argv[6]) > 0) openblas_set_num_threads(atoi(argv[6]));
  size_t count = (size_t)n * (size_t)n;
  double *input = read_input(argv[5], count);
  double *work = alloc_doubles(count);
  double *out = alloc_doubles(count);
  memset(out, 0, sizeof(double) * count);
  lapack_int info = 0;
  long warmup = iters / 10 > 0 ? iters / 10 : 1;

  /* volatile sink so the restore loop is not optimized away */
  volatile double sink = 0;
  int64_t loop_ns = 0, restore_ns = 0;
  for (int pass = 0; pass < 2; pass++) { /* pass 0: warm-up */
    long count_iters = pass == 0 ? warmup : iters;
    int64_t t0 = now_ns();
    for (long i = 0; i < count_iters; i++) {
      switch (routine) {
        case POTRF:
          memcpy(work, input, sizeof(double) * count);
          info |= call_potrf(n, work);
          break;
        case SYRK: info |= call_syrk(n, n, input, out); break;
        case GEMM: info |= call_gemm(n, input, input, out); break;
        case SYEVD:
          memcpy(work, input, sizeof(double) * count);
          info |= call_syevd(n, work, out);
          break;
      }
    }
    if (pass == 1) loop_ns = now_ns() - t0;
  }
  if (routine == POTRF || routine == SYEVD) {
    for (int pass = 0; pass < 2; pass++) {
      long count_iters = pass == 0 ? warmup : iters;
      int64_t t0 = now_ns();
      for (long i = 0; i < count_iters; i++) {
        memcpy(work, input, sizeof(double) * count);
        /* keep the copy observable, like the factorization would */
        __asm__ volatile("" : : "r"(work) : "memory");
      }
      if (pass == 1) restore_ns = now_ns() - t0;
    }
    sink += work[0];
  }
  printf("{\"mode\":\"tiny\",\"routine\":\"%s\",\"n\":%d,\"iters\":%ld,\"threads\":%d,\"info\":%d,"
         "\"loop_ns_per_iter\":%.3f,\"restore_ns_per_iter\":%.3f}\n",
         argv[2], n, iters, openblas_get_num_threads(), info, (double)loop_ns / (double)iters,
         (double)restore_ns / (double)iters);
  (void)sink;
  return info == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "config") == 0) {
    printf("{\"openblas\":\"%s\",\"threads\":%d}\n", openblas_get_config(), openblas_get_num_threads());
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "tiny") == 0) return run_tiny(argc, argv);
  return run_large(argc, argv);
}
