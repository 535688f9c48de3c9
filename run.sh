#!/usr/bin/env bash
# Starts radish (installing it and its dependencies first). Any redis-server
# arguments may follow: ./run.sh --port 7000, ./run.sh /path/redis.conf …
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q --root-user-action=ignore -e .
exec python3 -m radish "$@"
