#!/usr/bin/env bash
# The embedded benchmark (`make benchmark`): the four settings on world v2.1
# (docs/en/benchmark/world_v2.md; the grid's design and recipes:
# docs/en/benchmark/world_v2_grid.md) with the committed tiny CLIP
# (checkpoints/vlp-bench/), all seven methods, 3 seeds.
#   1. generate world v2.1 (tools/data/make_world_v2.py) unless present;
#   2. the grid configs/grids/world_v2.py (tools/run_grid.py, two cells at a
#      time in long-lived workers that keep decoded frames in memory);
#   3. tables.md, results_<protocol>.csv, costs, plots (grid_tables), the
#      paired per-seed verdicts (grid_verdicts: verdicts.md, appended to
#      tables.md) and every training's loss convergence (convergence.md).
# Resumable: finished cells are skipped on a rerun.
# Usage: bash tools/benchmark.sh [BENCH_DIR]   (default work_dirs/benchmark)
# BENCH_JOBS (default 2) sets the cells run at a time; MMVLP_WORLD_V2_ROOT
# (default data/world_v2) where the world is.
set -euo pipefail
BENCH_DIR=${1:-work_dirs/benchmark}
cd "$(dirname "$0")/.."
export MMVLP_WORLD_V2_ROOT=${MMVLP_WORLD_V2_ROOT:-data/world_v2}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
T0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }

if [ ! -f "$MMVLP_WORLD_V2_ROOT/classes_motion.txt" ]; then
    stamp "1/3 generating world v2.1 in $MMVLP_WORLD_V2_ROOT"
    python tools/data/make_world_v2.py "$MMVLP_WORLD_V2_ROOT" --seed 0
else
    stamp "1/3 world v2: $MMVLP_WORLD_V2_ROOT (present)"
fi
mkdir -p "$BENCH_DIR"

GRID=configs/grids/world_v2.py
stamp "2/3 grid $GRID into $BENCH_DIR"
status=0
python tools/run_grid.py --persistent-workers --jobs "${BENCH_JOBS:-2}" \
    "$GRID" --work-dir "$BENCH_DIR" || status=$?

stamp "3/3 verdicts and loss convergence"
python tools/analysis/grid_verdicts.py "$BENCH_DIR" \
    --out "$BENCH_DIR/verdicts.md" > /dev/null || status=$?
if [ -f "$BENCH_DIR/verdicts.md" ]; then
    { echo; echo "## Paired verdicts"; echo; cat "$BENCH_DIR/verdicts.md"; } \
        >> "$BENCH_DIR/tables.md"
fi
python tools/analysis/loss_convergence.py "$BENCH_DIR"/*/train \
    > "$BENCH_DIR/convergence.md" || status=$?
stamp "done: tables.md, results_<protocol>.csv, verdicts.md and" \
      "convergence.md in $BENCH_DIR"
exit $status
