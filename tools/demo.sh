#!/usr/bin/env bash
# End-to-end demo on the embedded default: generate synthetic videos, train
# the tiny ViLT-CLIP recipe with tools/train.py, evaluate it with
# tools/test.py.   Usage: bash tools/demo.sh [WORK_DIR]
set -euo pipefail
WORK_DIR=${1:-work_dirs/demo}
CONFIG=configs/demo/vlprompt_tiny_synthetic.py
DATA=$WORK_DIR/data
cd "$(dirname "$0")/.."

echo "== 1/3 generating synthetic videos in $DATA"
python tools/make_synthetic_videos.py "$DATA" --train 8 --val 4
echo "== 2/3 training ($CONFIG)"
export MMVLP_SYNTHETIC_ROOT=$DATA
python tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
    --cfg-options train_cfg.max_epochs=6
echo "== 3/3 testing the last checkpoint"
python tools/test.py "$CONFIG" "$WORK_DIR/epoch_6.pth" --work-dir "$WORK_DIR" \
    --dump "$WORK_DIR/predictions.pkl"
echo "== done: checkpoints, logs and predictions.pkl are in $WORK_DIR"
