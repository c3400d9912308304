#!/usr/bin/env bash
# The GPU table of a training step, in one command (about 5 minutes on one
# H200): tools/analysis/benchmark.py on configs/vlprompt_k400.py with random
# ViT-B/16 weights, batch 8 x 8 frames x 224 px, 400 class names, for
#   fp32 | bf16 (--amp) | bf16 + gradient checkpointing | bf16 at 32 frames |
#   bf16 on ViT-L/14,
# plus a profile of each case (kernel time against wall time per step) and
# the launch counts. Writes OUT_DIR/{table.md,*.json,*.log}.
#
#   bash tools/analysis/gpu_table.sh OUT_DIR [LABEL_MAP]
#
# LABEL_MAP: the K400 class names (default data/kinetics400/label_map_k400.txt;
# generated names when absent). WHEELS=DIR installs the project's
# requirements from wheels first (pip --no-index), for a machine without a
# package index; PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?usage: gpu_table.sh OUT_DIR [LABEL_MAP]}
NAMES=${2:-data/kinetics400/label_map_k400.txt}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
if [ -n "${WHEELS:-}" ]; then
  "$PY" -m pip install --no-index --find-links "$WHEELS" -q \
    mmengine mmcv-lite mmaction2 open-clip-torch decord importlib_metadata
  "$PY" -m pip install --no-index --no-deps --no-build-isolation -q -e .
fi
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else
  "gpu_table.sh: no CUDA device")'
common=(configs/vlprompt_k400.py --device cuda --batch-size 8 --num-classes 400
        --iters 10 --warmup 3 --count-ops --profile-steps 5)
[ -f "$NAMES" ] && common+=(--label-map "$NAMES")
run() {  # NAME, then benchmark arguments
  local name=$1; shift
  echo "== $name: $*"
  "$PY" tools/analysis/benchmark.py "${common[@]}" "$@" \
    --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1 \
    || { echo "   failed, see $OUT/$name.log"; tail -5 "$OUT/$name.log"; }
}
run fp32 --frames 8
run bf16 --frames 8 --amp
run bf16_cp --frames 8 --amp --with-cp --cases ours_train,limit_train,peer_train
run bf16_32f --frames 32 --amp --cases ours_train,limit_train,peer_train
run bf16_vitl14 --frames 8 --amp --arch ViT-L-14 \
  --cases ours_train,ours_infer,limit_train,limit_infer,full_ft_train
"$PY" tools/analysis/gpu_table.py "$OUT" | tee "$OUT/table.md"
