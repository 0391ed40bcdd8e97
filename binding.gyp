{
  "targets": [
    {
      "target_name": "nntk",
      "sources": [
        "native/activations.cc",
        "native/addon.cc",
        "native/arguments.cc",
        "native/block_eigen.cc",
        "native/blas_queue.cc",
        "native/columns.cc",
        "native/faults.cc",
        "native/jacobian.cc",
        "native/routines.cc",
        "native/whitening.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-exceptions", "-Wall", "-Wextra"],
      "libraries": ["<!@(node native/find-openblas.cjs)", "-lmvec"]
    }
  ]
}
