// One .npy file written by every rank at once with MPI-IO: rank 0 writes the
// header, then each rank's block-cyclic part of the m×n matrix goes to its
// places in the row-major data (an MPI darray file view, and collective
// writes of bounded row panels), so no rank ever holds more than its own
// part and one panel.
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "../arguments.h"
#include "bindings.h"
#include "scalapack.h"

namespace nntk::mpi {
namespace {

// A write panel's buffer holds at most this many doubles (32 MiB).
constexpr int64_t kPanelDoubles = int64_t{1} << 22;

std::string Describe(const char* where, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  return std::string(where) + ": " + std::string(text, length);
}

}  // namespace

// writeNpy(path, header: Uint8Array, m, n, nb, nprow, npcol, local) →
// "" or what failed. Collective over MPI_COMM_WORLD, whose ranks form the
// row-major nprow×npcol grid; `local` is this rank's part in ScaLAPACK's
// layout (column-major numroc(m)×numroc(n), leading dimension the row
// count), transposed panel by panel. The file is created or truncated; the caller
// writes to a temporary name and renames it (lib/distributed/output.ts).
Napi::Value WriteNpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "writeNpy: (path: string, header: Uint8Array, "
                              "m, n, nb, nprow, npcol, local: Float64Array)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Uint8Array header = info[1].As<Napi::Uint8Array>();
  Arguments args(info);
  int m = args.Int(2), n = args.Int(3), nb = args.Int(4), nprow = args.Int(5),
      npcol = args.Int(6);
  double* local = args.Doubles(7);
  if (!args.ok()) return env.Undefined();
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (m < 1 || n < 1 || nb < 1 || nprow < 1 || npcol < 1 ||
      static_cast<int64_t>(nprow) * npcol != size) {
    Napi::RangeError::New(env, "writeNpy: need m, n, nb ≥ 1 and a grid of "
                               "all " + std::to_string(size) + " ranks")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int gsizes[2] = {m, n};
  int distribs[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_CYCLIC};
  int dargs[2] = {nb, nb};
  int psizes[2] = {nprow, npcol};
  MPI_Datatype filetype;
  int rc = MPI_Type_create_darray(size, rank, 2, gsizes, distribs, dargs,
                                  psizes, MPI_ORDER_C, MPI_DOUBLE, &filetype);
  if (rc != MPI_SUCCESS) return Napi::String::New(env, Describe("MPI_Type_create_darray", rc));
  MPI_Type_commit(&filetype);
  int local_size = 0;
  MPI_Type_size(filetype, &local_size);
  int64_t count = local_size / static_cast<int64_t>(sizeof(double));
  args.RequireLength(7, count);
  if (!args.ok()) {
    MPI_Type_free(&filetype);
    return env.Undefined();
  }
  // Written in panels of whole local rows, transposed from the column-major
  // part into a bounded buffer: every rank makes the same number of
  // collective writes (process row 0 holds the most rows), each advancing
  // the file pointer through the darray view.
  int row_index = rank / npcol, col_index = rank % npcol, source = 0,
      first = 0;
  int rows = numroc_(&m, &nb, &row_index, &source, &nprow);
  int cols = numroc_(&n, &nb, &col_index, &source, &npcol);
  int most_rows = numroc_(&m, &nb, &first, &source, &nprow);
  int most_cols = numroc_(&n, &nb, &first, &source, &npcol);
  int64_t panel_rows = kPanelDoubles / (most_cols > 0 ? most_cols : 1);
  if (panel_rows < 1) panel_rows = 1;
  int64_t panels = (most_rows + panel_rows - 1) / panel_rows;
  double* buffer = static_cast<double*>(
      std::malloc(sizeof(double) * static_cast<size_t>(panel_rows) *
                  static_cast<size_t>(cols > 0 ? cols : 1)));
  if (buffer == nullptr) {
    MPI_Type_free(&filetype);
    // The other ranks go on into the collective calls: abort them all.
    MPI_Abort(MPI_COMM_WORLD, 1);
    return env.Undefined();
  }
  std::string failure;
  MPI_File file;
  rc = MPI_File_open(MPI_COMM_WORLD, path.c_str(),
                     MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &file);
  if (rc != MPI_SUCCESS) {
    std::free(buffer);
    MPI_Type_free(&filetype);
    return Napi::String::New(env, Describe(("cannot open " + path).c_str(), rc));
  }
  MPI_Offset offset = static_cast<MPI_Offset>(header.ByteLength());
  MPI_Offset total = offset + static_cast<MPI_Offset>(m) * n * 8;
  rc = MPI_File_set_size(file, total);
  if (rc != MPI_SUCCESS) failure = Describe("MPI_File_set_size", rc);
  if (failure.empty() && rank == 0) {
    rc = MPI_File_write_at(file, 0, header.Data(),
                           static_cast<int>(header.ByteLength()), MPI_BYTE,
                           MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) failure = Describe("MPI_File_write_at (header)", rc);
  }
  // Every rank takes part in the collective calls below whatever happened
  // above, so that none waits for another; the failure is reported after.
  rc = MPI_File_set_view(file, offset, MPI_DOUBLE, filetype, "native",
                         MPI_INFO_NULL);
  if (rc != MPI_SUCCESS && failure.empty()) failure = Describe("MPI_File_set_view", rc);
  for (int64_t panel = 0; panel < panels; panel++) {
    int64_t from = panel * panel_rows;
    int64_t to = from + panel_rows < rows ? from + panel_rows : rows;
    int64_t count = to > from ? (to - from) * cols : 0;
    for (int64_t i = from; i < to; i++) {
      for (int64_t j = 0; j < cols; j++) {
        buffer[(i - from) * cols + j] = local[i + j * static_cast<int64_t>(rows)];
      }
    }
    rc = MPI_File_write_all(file, buffer, static_cast<int>(count), MPI_DOUBLE,
                            MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS && failure.empty()) failure = Describe("MPI_File_write_all", rc);
  }
  std::free(buffer);
  rc = MPI_File_sync(file);
  if (rc != MPI_SUCCESS && failure.empty()) failure = Describe("MPI_File_sync", rc);
  rc = MPI_File_close(&file);
  if (rc != MPI_SUCCESS && failure.empty()) failure = Describe("MPI_File_close", rc);
  MPI_Type_free(&filetype);
  return Napi::String::New(env, failure);
}

}  // namespace nntk::mpi
