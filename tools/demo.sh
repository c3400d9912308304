#!/usr/bin/env bash
# The embedded default (`make demo`): a base-to-novel experiment on world v2
# (docs/en/benchmark/world_v2.md; disjoint base and novel words) with the
# committed tiny CLIP (checkpoints/vlp-bench/).
#   1. generate world v2's base-to-novel pools into data/world_v2, the
#      default data root of configs/demo/*_world_v2.py
#      (tools/data/make_world_v2.py --pools ...: the full world's files for
#      those pools; kept when present; MMVLP_WORLD_V2_ROOT moves it);
#   2. check the tiny CLIP;
#   3. zero-shot CLIP: tools/test.py on base and novel classes;
#   4. IVLP and ViLT-CLIP: tools/train.py on the base classes, then
#      tools/test.py on base and novel classes;
#   5. print the table, write results.md and results.csv, plot the
#      training curves and the results (tools/analysis/plot_results.py).
# Usage: bash tools/demo.sh [WORK_DIR]   (default work_dirs/demo)
set -euo pipefail
WORK_DIR=${1:-work_dirs/demo}
cd "$(dirname "$0")/.."
DATA=${MMVLP_WORLD_V2_ROOT:-data/world_v2}
CLIP=${MMVLP_BENCH_CLIP:-checkpoints/vlp-bench/vlp-bench.pt}
export MMVLP_WORLD_V2_ROOT=$DATA MMVLP_BENCH_CLIP=$CLIP
# The tiny model gains nothing from intra-op threads, and extra threads slow
# it down badly on a busy machine; set OMP_NUM_THREADS to override.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

if [ -f "$DATA/classes_b2n_novel.txt" ] && [ -f "$DATA/b2n_base_k16_s1.txt" ]
then
    stamp "1/6 world v2 (base-to-novel): $DATA (present)"
else
    stamp "1/6 generating world v2's base-to-novel pools in $DATA"
    python tools/data/make_world_v2.py "$DATA" --seed 0 \
        --pools b2n_train b2n_base_test b2n_novel_test
fi

stamp "2/6 tiny CLIP: $CLIP"
if [ ! -f "$CLIP" ]; then
    echo "missing $CLIP; make it with the command in $CLIP.json or" \
         "checkpoints/vlp-bench/README.md" >&2
    exit 1
fi
python -c "import json,sys; m=json.load(open(sys.argv[1])); print('   made by:', m['command'], '| seed', m['seed'])" "$CLIP.json"

# evaluate CONFIG CHECKPOINT OUT_DIR: one run scores the base and the novel
# set (MultiSetTestLoop) and dumps preds_base.pkl and preds_novel.pkl
evaluate() {
    python tools/test.py "$1" "$2" --work-dir "$3/test" --dump "$3/preds.pkl"
}

stamp "3/6 zero-shot CLIP (hand prompt 'a video of {}.')"
ZS=configs/demo/zeroshot-clip_world_v2.py
evaluate "$ZS" none "$WORK_DIR/zero-shot"  # 'none': the model as built

step=4
for method in ivlp vilt-clip; do
    cfg=configs/demo/${method}_world_v2.py
    stamp "$step/6 $method: training on the base classes ($cfg)"
    start=$(date +%s.%N)
    python tools/train.py "$cfg" --work-dir "$WORK_DIR/$method"
    python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
        "$start" "$(date +%s.%N)" > "$WORK_DIR/$method/train_seconds.txt"
    stamp "$step/6 $method: testing on base and novel classes"
    evaluate "$cfg" "$WORK_DIR/$method/epoch_2.pth" "$WORK_DIR/$method"
    step=$((step + 1))
done

stamp "6/6 results"
python tools/analysis/demo_table.py "$WORK_DIR" \
    --method zero-shot "$ZS" \
    --method ivlp configs/demo/ivlp_world_v2.py \
    --method vilt-clip configs/demo/vilt-clip_world_v2.py
python tools/analysis/plot_results.py "$WORK_DIR"
stamp "done: results.md, results.csv, logs and checkpoints are in $WORK_DIR"
