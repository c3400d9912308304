#!/usr/bin/env bash
# Distributed training with torchrun (PyTorch DDP).
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
# Without CUDA the processes use the gloo backend on CPU.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCS [train.py options...]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "$0")" && pwd)
exec bash "$TOOLS/torchrun_launch.sh" "$2" "$TOOLS/train.py" "$1" \
    --launcher pytorch "${@:3}"
