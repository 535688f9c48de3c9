#!/usr/bin/env bash
# Run tests against one of radish's C modules built with AddressSanitizer.
#
#   tools/asan.sh src/radish/db/_listpack.c tests/unit/test_listpack_twin.py [more test files …]
#
# Copies src/ to a scratch directory, builds the given module there with
# -fsanitize=address (the other extensions as they are), and runs pytest on
# the given files with libasan preloaded and that copy first on the path.
# Python objects come from malloc too (PYTHONMALLOC=malloc), so ASan sees
# them. Leak detection is off (CPython's own allocations would drown it); any
# out-of-bounds access or use after free aborts the run with ASan's report.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$1; shift
[ $# -gt 0 ] || { echo "usage: tools/asan.sh MODULE.c TEST_FILE..."; exit 2; }
scratch=$(mktemp -d /tmp/radish-asan-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cp -r src "$scratch/src"
rel=${src#src/}
suffix=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
include=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
gcc -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer -I"$include" "$src" \
    -o "$scratch/src/${rel%.c}$suffix"
PYTHONMALLOC=malloc ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=$(gcc -print-file-name=libasan.so) PYTHONPATH="$scratch/src" \
    python3 -m pytest -q -p no:cacheprovider "$@"
