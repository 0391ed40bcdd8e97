#!/usr/bin/env bash
# npm run test:valgrind — the addon under valgrind's memcheck, driven by
# test/smoke/native-smoke.cjs (every binding once, sync and async) and
# scripts/valgrind-paths.cjs (argument errors, LAPACK failures, async calls
# under GC, workers terminated mid-call, exit with calls queued). Fails on any
# invalid read/write, use of uninitialised memory, bad free, or definite leak.
# Node's own noise is suppressed by scripts/valgrind.supp (explained there).
# A manual check for every change to native/ (not in CI); ~1 minute.
#
# Checks whichever addon node-gyp-build loads (build/Release/nntk.node: run
# npm run build:native or build:gyp first). Valgrind sees every instruction,
# OpenBLAS's included, unlike ASan, which only checks code compiled with it.
#
# Environment: NNTK_VALGRIND_SKIP_WORKERS=1 leaves out the worker-termination
# scenario (see docs-reliability.md, "Found": it leaks until native/ is fixed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v valgrind >/dev/null; then
  echo "valgrind: not installed (Debian: apt-get install valgrind)" >&2
  exit 1
fi
addon="$(node -p "require('node-gyp-build').path('.')")"
echo "== addon: ${addon#"$root"/}"

log_dir="$root/build-valgrind"   # ignored by git (build-*/)
rm -rf "$log_dir"
mkdir -p "$log_dir"

run() {
  local name="$1"
  shift
  echo "== valgrind: $*"
  local started=$SECONDS status=0
  valgrind --tool=memcheck --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --suppressions="$root/scripts/valgrind.supp" --num-callers=40 \
    --log-file="$log_dir/$name.log" "$@" || status=$?
  if [ "$status" -eq 0 ]; then
    echo "   clean ($((SECONDS - started)) s): $(grep -h 'ERROR SUMMARY' "$log_dir/$name.log" | sed 's/^==[0-9]*== //')"
    return 0
  fi
  echo "   FAILED (exit $status) — $log_dir/$name.log:" >&2
  grep -v '^==[0-9]*== Warning: set address range perms' "$log_dir/$name.log" | sed -n '/HEAP SUMMARY\|Invalid\|uninitialised\|definitely lost\|Mismatched\|free/,$p' >&2
  return 1
}

failed=0
run smoke node test/smoke/native-smoke.cjs || failed=1
run paths node --expose-gc scripts/valgrind-paths.cjs || failed=1

if [ "$failed" -ne 0 ]; then
  echo "valgrind: errors or definite leaks, see above and build-valgrind/*.log" >&2
  exit 1
fi
echo "valgrind: no invalid access, no uninitialised use, no definite leak"
