#!/usr/bin/env bash
# Runs the whole test suite; installs radish and its test dependencies first.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q --root-user-action=ignore -e '.[test]'
python3 -m ruff check src tests
exec python3 -m pytest -q "$@"
