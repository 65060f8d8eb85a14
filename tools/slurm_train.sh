#!/usr/bin/env bash
# Train on a Slurm cluster, as MMAction2's tools/slurm_train.sh:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#       tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [PY_ARGS]
# srun starts GPUS tasks, GPUS_PER_NODE per node; each runs tools/train.py
# with --launcher slurm (MMEngine reads SLURM_PROCID, SLURM_NTASKS,
# SLURM_NODELIST, SLURM_LOCALID). PY_ARGS go to train.py.
set -euo pipefail

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=${4:-}
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PY_ARGS=${PY_ARGS:-""}
PYTHON=${PYTHON:-python}
EXTRA=("${@:5}")
if [[ -n "$WORK_DIR" ]]; then
    EXTRA=(--work-dir "$WORK_DIR" "${EXTRA[@]}")
fi

PYTHONPATH="$(dirname "$0")/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "${PYTHON}" -u "$(dirname "$0")/train.py" "${CONFIG}" \
    --launcher slurm "${EXTRA[@]}" ${PY_ARGS}
