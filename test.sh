#!/usr/bin/env bash
# Runs the whole test suite; installs radish and its test dependencies first.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q -e '.[test]' 2>&1 | grep -v -i "warning: running pip as" || true
python3 -m ruff check src tests
exec python3 -m pytest -q "$@"
