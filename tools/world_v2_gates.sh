#!/usr/bin/env bash
# Measure world v2's gates (docs/en/benchmark/world_v2.md, section 3) on the
# world under $MMVLP_WORLD_V2_ROOT (default data/world_v2), one process at a
# time: zero-shot CLIP on every test set, the still-vs-video gap, full
# fine-tuning on world A (tested on every set), IVLP on base-to-novel; then
# the paired bootstrap differences and the loss-curve check. Each step's
# wall time goes to WORK_DIR/times.txt.
#   bash tools/world_v2_gates.sh work_dirs/world_v2 [VERSION]
set -euo pipefail
W=${1:-work_dirs/world_v2}
VERSION=${2:-}
PY=${PYTHON:-python}
mkdir -p "$W"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
VIFI="model.neck=None model.freeze_backbone=False model.cls_head.loss_scenario=None optim_wrapper.optimizer.lr=1e-4"
IVLP="model.neck.mapping=none model.cls_head.loss_scenario=None"

step() {  # name, command...
    local name=$1; shift
    local t0=$(date +%s)
    echo "[$(date -u +%H:%M:%S)] $name" >&2
    "$@" > "$W/$name.log" 2>&1
    echo "$name $(( $(date +%s) - t0 )) s" >> "$W/times.txt"
}

step zs_test $PY tools/test.py configs/benchmark/world_v2/properties.py none \
    --work-dir "$W/zs" --dump "$W/zs/preds.pkl"
step gap $PY tools/analysis/world_v2_gap.py --set world_a --per-class 40 \
    ${VERSION:+--version $VERSION} --json "$W/gap_world_a.json"
step vifi_train $PY tools/train.py configs/benchmark/world_v2/supervised.py \
    --work-dir "$W/vificlip_supervised_s1" --cfg-options $VIFI randomness.seed=1
step vifi_test $PY tools/test.py configs/benchmark/world_v2/properties.py \
    "$W/vificlip_supervised_s1/epoch_4.pth" --work-dir "$W/vificlip_supervised_s1/test" \
    --dump "$W/vificlip_supervised_s1/test/preds.pkl" --cfg-options model.freeze_backbone=False
step ivlp_train $PY tools/train.py configs/benchmark/world_v2/b2n.py \
    --work-dir "$W/ivlp_b2n_s1" --cfg-options $IVLP randomness.seed=1
step ivlp_test $PY tools/test.py configs/benchmark/world_v2/b2n.py \
    "$W/ivlp_b2n_s1/epoch_6.pth" --work-dir "$W/ivlp_b2n_s1/test" \
    --dump "$W/ivlp_b2n_s1/test/preds.pkl" --cfg-options $IVLP

V=$W/vificlip_supervised_s1/test Z=$W/zs I=$W/ivlp_b2n_s1/test
{
echo "== G1a full fine-tuning vs zero-shot, world A"
$PY tools/analysis/paired_bootstrap.py $V/preds_world_a.pkl $Z/preds_world_a.pkl --names vificlip zero-shot
echo "== G1b IVLP vs zero-shot, b2n base (and novel)"
$PY tools/analysis/paired_bootstrap.py $I/preds_base.pkl $Z/preds_b2n_base.pkl --names ivlp zero-shot
$PY tools/analysis/paired_bootstrap.py $I/preds_novel.pkl $Z/preds_b2n_novel.pkl --names ivlp zero-shot
echo "== G2b full fine-tuning (world A) vs zero-shot, world B subsets pooled"
$PY tools/analysis/paired_bootstrap.py $V/preds_zs_s1.pkl,$V/preds_zs_s2.pkl,$V/preds_zs_s3.pkl \
    $Z/preds_zs_s1.pkl,$Z/preds_zs_s2.pkl,$Z/preds_zs_s3.pkl --names vificlip zero-shot
echo "== G2a stills vs videos (gap tool)"
tail -5 "$W/gap.log"
echo "== G4 loss curves"
$PY tools/analysis/loss_convergence.py "$W/vificlip_supervised_s1" "$W/ivlp_b2n_s1" --plot "$W/loss.png"
echo "== zero-shot and trained top-1 per set"
grep -o '[a-z0-9_]*/acc/top1: [0-9.]*' "$W/zs_test.log" | tail -8
grep -o '[a-z0-9_]*/acc/top1: [0-9.]*' "$W/vifi_test.log" | tail -8
} > "$W/gates.txt" 2>&1
cat "$W/gates.txt" "$W/times.txt"
