#!/usr/bin/env bash
# Creates bench/python/.venv for the Python peers of bench/python-peers.mjs:
#   python3 -m venv --system-site-packages  (numpy and scipy come from the system python)
#   pip install torch, jax + jaxlib (CPU builds), scikit-learn (W8's bundled data sets)
# from whatever index or wheel store pip is configured to use (pip.conf,
# PIP_FIND_LINKS, PIP_INDEX_URL, …). Nothing here names a host or a path:
# set those up as you normally would for pip.
#
# Each peer that cannot be had is skipped with a notice; the harness then
# reports that peer as "unavailable" and benchmarks the others. numpy and
# scipy are required (the harness refuses to run without them).
#
#   bash bench/python/setup-venv.sh            # create or update
#   bash bench/python/setup-venv.sh --fresh    # delete and recreate
#   PYTHON=python3.11 bash bench/python/setup-venv.sh
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [ "${1:-}" = "--fresh" ]; then rm -rf "$venv"; fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "setup-venv: $python not found" >&2
  exit 1
fi
if ! "$python" -c 'import numpy, scipy' 2>/dev/null; then
  echo "setup-venv: $python has no numpy/scipy; install them for it first (e.g. pip install numpy scipy)" >&2
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup-venv: creating $venv (system site packages visible)"
  "$python" -m venv --system-site-packages "$venv" || { echo "setup-venv: venv creation failed" >&2; exit 1; }
fi
py="$venv/bin/python"

# CPU wheels only: when the configured store also serves CUDA builds, the
# +cpu local version wins if it is there; otherwise plain "torch".
install() {
  local label="$1"; shift
  if "$py" -m pip install --disable-pip-version-check --quiet --retries "${PIP_RETRIES:-1}" "$@"; then
    echo "setup-venv: $label installed"
    return 0
  fi
  echo "setup-venv: NOTICE: $label could not be installed from the configured package sources; the $label peer will be skipped" >&2
  return 1
}

if "$py" -c 'import torch' 2>/dev/null; then
  echo "setup-venv: torch already present ($("$py" -c 'import torch; print(torch.__version__)'))"
else
  install torch torch || true
fi

if "$py" -c 'import jax, jaxlib' 2>/dev/null; then
  echo "setup-venv: jax already present ($("$py" -c 'import jax; print(jax.__version__)'))"
else
  install jax jax jaxlib || true
fi

if "$py" -c 'import sklearn' 2>/dev/null; then
  echo "setup-venv: scikit-learn already present ($("$py" -c 'import sklearn; print(sklearn.__version__)'))"
else
  install scikit-learn scikit-learn || true
fi

echo "setup-venv: versions in $venv:"
OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 JAX_PLATFORMS=cpu "$py" - <<'PY'
import importlib
for name in ("numpy", "scipy", "torch", "jax", "jaxlib", "sklearn"):
    try:
        mod = importlib.import_module(name)
        print(f"  {name:7s} {mod.__version__}")
    except Exception as error:  # noqa: BLE001 - report whatever went wrong
        print(f"  {name:7s} unavailable ({type(error).__name__}: {error})")
PY
