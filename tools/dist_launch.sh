#!/usr/bin/env bash
# Starts N processes of a tool on this machine with torchrun:
#   tools/dist_launch.sh TOOL.py N [TOOL ARGS]
# One process per GPU with NCCL when CUDA is available; otherwise N CPU
# processes on the gloo backend. NNODES, NODE_RANK, MASTER_ADDR and PORT work
# as in MMAction2 for several machines. Used by dist_train.sh / dist_test.sh.
set -euo pipefail
TOOL=$1
NPROC=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$ROOT/tools/$TOOL" "${@:3}" --launcher pytorch
