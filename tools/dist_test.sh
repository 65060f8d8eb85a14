#!/usr/bin/env bash
# Test with N processes:  tools/dist_test.sh CONFIG CHECKPOINT N [test.py ARGS]
set -euo pipefail
exec "$(dirname "$0")/dist_launch.sh" test.py "$3" "$1" "$2" "${@:4}"
