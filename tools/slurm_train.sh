#!/usr/bin/env bash
# Training on a Slurm cluster, one task per GPU.
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options...]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py options...]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "$0")" && pwd)
exec bash "$TOOLS/srun_launch.sh" "$1" "$2" "$TOOLS/train.py" "$3" \
    --work-dir="$4" --launcher=slurm "${@:5}"
