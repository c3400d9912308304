#!/usr/bin/env bash
# Shared by slurm_train.sh and slurm_test.sh: run SCRIPT with srun, one task
# per GPU.   bash tools/srun_launch.sh PARTITION JOB_NAME SCRIPT [args...]
# The caller passes --launcher=slurm among the args.
# Honours GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS (""),
# and PYTHON (the interpreter; default: see find_python.sh; the tasks run the
# same path, so it must exist on the compute nodes too).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TOOLS=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/find_python.sh
source "$TOOLS/find_python.sh"
find_python "$TOOLS/.."
# shellcheck disable=SC2086  # SRUN_ARGS is a list of options
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="${GPUS:-8}" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    "$PY" -u "$SCRIPT" "${@:4}"
