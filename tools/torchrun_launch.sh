#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh: run SCRIPT under torchrun.
#   bash tools/torchrun_launch.sh NUM_PROCS SCRIPT [args...]
# The caller passes --launcher pytorch among the args.
# Honours NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500),
# and PYTHON (the interpreter; default: see find_python.sh).
set -euo pipefail
NPROC=$1
SCRIPT=$2
TOOLS=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/find_python.sh
source "$TOOLS/find_python.sh"
find_python "$TOOLS/.."
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PY" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$SCRIPT" "${@:3}"
