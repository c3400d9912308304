#!/usr/bin/env bash
# The embedded retrieval benchmark (`make retrieval`): video-text retrieval
# on world v2 with the committed tiny CLIP (checkpoints/vlp-bench/).
#   1. generate the videos and their captions
#      (tools/data/make_world_v2_retrieval.py);
#   2. zero-shot CLIP: tools/test.py on the test set;
#   3. IVLP and ViLT-CLIP: tools/train.py, then tools/test.py;
#   4. write results_retrieval.csv and .md (tools/analysis/retrieval_table.py).
# Usage: bash tools/retrieval.sh [WORK_DIR]   (default work_dirs/retrieval)
set -euo pipefail
WORK_DIR=${1:-work_dirs/retrieval}
cd "$(dirname "$0")/.."
DATA=$WORK_DIR/data
CLIP=${MMVLP_BENCH_CLIP:-checkpoints/vlp-bench/vlp-bench.pt}
export MMVLP_RETRIEVAL_ROOT=$DATA MMVLP_BENCH_CLIP=$CLIP
# the tiny model gains nothing from intra-op threads (see tools/demo.sh)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

stamp "1/5 generating videos and captions in $DATA"
python tools/data/make_world_v2_retrieval.py "$DATA" --train 4 --test 6 \
    --train-captions 3 --test-captions 2 --seed 0
if [ ! -f "$CLIP" ]; then
    echo "missing $CLIP; see checkpoints/vlp-bench/README.md" >&2
    exit 1
fi

stamp "2/5 zero-shot CLIP (the plain caption)"
python tools/test.py configs/retrieval/zeroshot-clip_world-v2.py none \
    --work-dir "$WORK_DIR/zero-shot/test" --dump "$WORK_DIR/zero-shot/preds.pkl"

step=3
for method in ivlp vilt-clip; do
    cfg=configs/retrieval/${method}_world-v2.py
    stamp "$step/5 $method: training ($cfg)"
    python tools/train.py "$cfg" --work-dir "$WORK_DIR/$method"
    stamp "$step/5 $method: testing"
    python tools/test.py "$cfg" "$WORK_DIR/$method/epoch_6.pth" \
        --work-dir "$WORK_DIR/$method/test" --dump "$WORK_DIR/$method/preds.pkl"
    step=$((step + 1))
done

stamp "5/5 results"
python tools/analysis/retrieval_table.py "$WORK_DIR" \
    --method zero-shot "$WORK_DIR/zero-shot/preds.pkl" \
    --method ivlp "$WORK_DIR/ivlp/preds.pkl" \
    --method vilt-clip "$WORK_DIR/vilt-clip/preds.pkl"
stamp "done: results_retrieval.csv/.md, logs and checkpoints are in $WORK_DIR"
