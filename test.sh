#!/usr/bin/env bash
# Runs the whole test suite; installs radish and its test dependencies first.
# With no arguments: ruff, mypy (settings in pyproject.toml), the whole suite (C extensions in use), then the
# integration and compat tests once more on the pure-Python parser and
# batch loop (RADISH_NO_EXTENSIONS=1). Arguments go to a single pytest run.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q --root-user-action=ignore -e '.[test]'
python3 -m ruff check src tests
python3 -m mypy
if [ "$#" -gt 0 ]; then
    exec python3 -m pytest -q "$@"
fi
python3 -m pytest -q
echo "== integration and compat tests without the C extensions (RADISH_NO_EXTENSIONS=1) =="
RADISH_NO_EXTENSIONS=1 python3 -m pytest -q tests/integration tests/compat
