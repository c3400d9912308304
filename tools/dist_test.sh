#!/usr/bin/env bash
# Distributed testing with torchrun (PyTorch DDP).
#   bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options...]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCS [test.py options...]" >&2
    exit 2
fi
TOOLS=$(cd "$(dirname "$0")" && pwd)
exec bash "$TOOLS/torchrun_launch.sh" "$3" "$TOOLS/test.py" "$1" "$2" \
    --launcher pytorch "${@:4}"
