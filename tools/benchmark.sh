#!/usr/bin/env bash
# The embedded benchmark (`make benchmark`): the four settings on the
# benchmark world with the committed tiny CLIP (checkpoints/vlp-bench/).
#   1. generate the world (tools/data/make_bench_world.py) unless present;
#   2. zero-shot CLIP on every test set: the world's measured properties;
#   3. the grid configs/grids/bench_world.py (tools/run_grid.py), the
#      appearance base-to-novel cells first, then the scenario-weight sweep
#      configs/grids/bench_world_sweep.py, then every other cell;
#   4. tables.md, results_<protocol>.csv, plots, scenario_weight_sweep.png.
# Resumable: finished cells are skipped on a rerun.
# Usage: bash tools/benchmark.sh [BENCH_DIR]   (default work_dirs/benchmark)
# BENCH_JOBS (default 2) sets the cells run at a time.
set -euo pipefail
BENCH_DIR=${1:-work_dirs/benchmark}
cd "$(dirname "$0")/.."
export MMVLP_BENCH_ROOT=${MMVLP_BENCH_ROOT:-data/bench_world}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

if [ ! -f "$MMVLP_BENCH_ROOT/classes_motion.txt" ]; then
    stamp "1/4 generating the benchmark world in $MMVLP_BENCH_ROOT"
    python tools/data/make_bench_world.py "$MMVLP_BENCH_ROOT" --seed 0
else
    stamp "1/4 benchmark world: $MMVLP_BENCH_ROOT (present)"
fi
mkdir -p "$BENCH_DIR"
stamp "2/4 world properties (zero-shot CLIP on every test set)"
if [ ! -f "$BENCH_DIR/properties/done" ]; then
    python tools/test.py configs/benchmark/world_properties.py none \
        --work-dir "$BENCH_DIR/properties" > "$BENCH_DIR/properties.log" 2>&1
    touch "$BENCH_DIR/properties/done"
fi
grep -o '[a-z0-9_]*/acc/top1: [0-9.]*' "$BENCH_DIR/properties.log" | tail -12

GRID=configs/grids/bench_world.py
# two cells at a time (2 cores), each stage in a long-lived worker process
RUN=(python tools/run_grid.py --persistent-workers --jobs "${BENCH_JOBS:-2}")
stamp "3/4 grid $GRID into $BENCH_DIR"
"${RUN[@]}" "$GRID" --work-dir "$BENCH_DIR" \
    --only 'zero-shot_appearance' '*_appearance_s?' || true
"${RUN[@]}" configs/grids/bench_world_sweep.py \
    --work-dir "$BENCH_DIR/sweep" || true
status=0
"${RUN[@]}" "$GRID" --work-dir "$BENCH_DIR" || status=$?
stamp "4/4 scenario-weight sweep figure"
python tools/analysis/plot_scenario_sweep.py "$BENCH_DIR" \
    --declared 8.84 --out "$BENCH_DIR/scenario_weight_sweep.png"
stamp "done: tables.md, results_<protocol>.csv and plots in $BENCH_DIR"
exit $status
