#!/usr/bin/env bash
# Starts radish from this checkout. Any redis-server arguments may follow:
# ./run.sh --port 7000, ./run.sh /path/redis.conf …
#
# - radish and its dependencies live in a project-local virtual environment,
#   .venv/ (created on first use with the first python3 on PATH, or
#   $PYTHON). radish is installed there in editable mode, so Python changes
#   apply at once; it is installed again only when pyproject.toml, setup.py
#   or the C sources change (their hash is kept in .venv/radish-installed).
# - Data files go to $RADISH_DATA_DIR (default: ~/.local/share/radish),
#   not into the source tree: run.sh adds --dir there unless the arguments
#   name a config file or --dir themselves (then they decide, as with
#   redis-server).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/radish-installed"

wanted="$(cd "$here" && cat pyproject.toml setup.py $(find src -name '*.c' | sort) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
    echo "run.sh: creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
    echo "run.sh: installing radish into $venv" >&2
    (cd "$here" && "$venv/bin/python" -m pip install -q --disable-pip-version-check -e .)
    echo "$wanted" >"$stamp"
fi

own_dir=yes
if [ "$#" -gt 0 ] && [ "${1:0:1}" != "-" ]; then
    own_dir=no  # a config file: its dir (or the working directory) applies
fi
for arg in "$@"; do
    if [ "$arg" = "--dir" ]; then own_dir=no; fi
done
if [ "$own_dir" = yes ] && [ "${1:-}" != "-v" ] && [ "${1:-}" != "--version" ] \
    && [ "${1:-}" != "-h" ] && [ "${1:-}" != "--help" ]; then
    data="${RADISH_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/radish}"
    mkdir -p "$data"
    set -- --dir "$data" "$@"
fi
exec "$venv/bin/python" -m radish "$@"
