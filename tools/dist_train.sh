#!/usr/bin/env bash
# Train with N processes:  tools/dist_train.sh CONFIG N [train.py ARGS]
set -euo pipefail
exec "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"
