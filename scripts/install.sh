#!/usr/bin/env bash
# Installs what nntk needs on a Debian machine and builds it: the system
# packages that are missing (OpenBLAS, a C++ toolchain, CMake; OpenMPI and
# ScaLAPACK for the optional distributed addon, native/mpi/), numpy and
# scipy and mpmath for the test suite's reference implementations, the npm packages
# (npm ci also builds the addon, with node-gyp, and the TypeScript, by the
# package's prepare script).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
# NNTK_NO_MPI=1 leaves the MPI packages out: the core addon never needs them,
# and without them the distributed addon is simply not built (docs/distributed.md).
packages=(libopenblas-dev cmake g++ make)
[ "${NNTK_NO_MPI:-}" = 1 ] || packages+=(openmpi-bin libopenmpi-dev libscalapack-openmpi-dev)
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "nntk install: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
if ! python3 -c 'import numpy, scipy, mpmath' 2>/dev/null; then
  echo "nntk install: pip install numpy scipy mpmath" >&2
  python3 -m pip install --quiet numpy scipy mpmath
fi

npm ci --no-audit --no-fund
