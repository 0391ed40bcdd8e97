{
  "variables": {
    "nntk_mpi": "<!(node native/mpi/detect.cjs)"
  },
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
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-fno-exceptions",
        "-Wall",
        "-Wextra"
      ],
      "libraries": [
        "<!@(node native/find-openblas.cjs)",
        "-lmvec"
      ]
    }
  ],
  "conditions": [
    [
      "nntk_mpi==1",
      {
        "targets": [
          {
            "target_name": "nntk_mpi",
            "sources": [
              "native/arguments.cc",
              "native/mpi/addon.cc",
              "native/mpi/grid.cc",
              "native/mpi/panels.cc",
              "native/mpi/session.cc",
              "native/mpi/solvers.cc"
            ],
            "include_dirs": [
              "<!(node -p \"require('node-addon-api').include_dir\")"
            ],
            "defines": [
              "NAPI_VERSION=8",
              "NAPI_DISABLE_CPP_EXCEPTIONS",
              "NODE_ADDON_API_DISABLE_DEPRECATED",
              "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
              "OMPI_SKIP_MPICXX"
            ],
            "cflags_cc": [
              "-std=c++17",
              "-O3",
              "-fno-exceptions",
              "-Wall",
              "-Wextra",
              "<!@(pkg-config --cflags mpi-c)"
            ],
            "libraries": [
              "<!@(pkg-config --libs scalapack-openmpi mpi-c)",
              "-ldl"
            ]
          }
        ]
      }
    ]
  ]
}
