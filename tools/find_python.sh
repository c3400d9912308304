#!/usr/bin/env bash
# Sourced by the launch scripts (torchrun_launch.sh, srun_launch.sh):
#   source "$TOOLS/find_python.sh"; find_python "$TOOLS/.."   # sets PY
# PY is the first Python that can import torch, in this order:
#   1. $PYTHON, if set (then only that one);
#   2. `python`, then `python3`, on PATH (an activated environment);
#   3. this repository's .venv/bin/python (made by `make test` / `make demo`).
# torchrun is then run as "$PY" -m torch.distributed.run, so it is always the
# torchrun of the Python that has torch, whatever PATH holds.
find_python() {
    local repo candidates candidate tried=()
    repo=$(cd "$1" && pwd)
    if [ -n "${PYTHON:-}" ]; then
        candidates=("$PYTHON")
    else
        candidates=("$(command -v python || true)"
                    "$(command -v python3 || true)"
                    "$repo/.venv/bin/python")
    fi
    for candidate in "${candidates[@]}"; do
        [ -n "$candidate" ] || continue
        tried+=("$candidate")
        # find_spec locates torch without importing it (fast)
        if [ -x "$candidate" ] && "$candidate" -c 'import importlib.util, sys
sys.exit(importlib.util.find_spec("torch") is None)' >/dev/null 2>&1; then
            PY=$candidate
            return 0
        fi
    done
    {
        echo "error: no Python that can import torch (tried: ${tried[*]:-none})."
        echo "Set up the environment once with 'make test' or 'make demo' (they"
        echo "create $repo/.venv), then run 'source $repo/.venv/bin/activate',"
        echo "or set PYTHON=/path/to/python of an environment with requirements.txt."
    } >&2
    return 1
}
