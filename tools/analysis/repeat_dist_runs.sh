#!/usr/bin/env bash
# Run the 2-process train and test of the demo config N times in a row and
# count passes and failures (a check for flaky distributed exits).
#   bash tools/analysis/repeat_dist_runs.sh [N=20] [OUT=work_dirs/repeat_dist]
# Each round: tools/dist_train.sh (1 epoch) then tools/dist_test.sh on its
# checkpoint, both with 2 processes and a fresh port. A round passes when both
# exit 0 and neither log mentions `terminate called` or a signal. Logs of
# every round stay in OUT/round_K/. Prints one line per round and a summary.
set -uo pipefail
N=${1:-20}
OUT=${2:-work_dirs/repeat_dist}
TOOLS=$(cd "$(dirname "$0")/.." && pwd)
CONFIG="$TOOLS/../configs/demo/vlprompt_tiny_synthetic.py"
PYTHON=${PYTHON:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export MMVLP_SYNTHETIC_ROOT="$OUT/data"
# the tiny world v2 of the config's header (and of the tests' conftest.py)
if [ ! -f "$MMVLP_SYNTHETIC_ROOT/classes_b2n_base.txt" ]; then
    "$PYTHON" "$TOOLS/data/make_world_v2.py" "$MMVLP_SYNTHETIC_ROOT" \
        --pools b2n_train b2n_base_test --classes 4 \
        --per-class b2n_train=3 b2n_base_test=2 --b2n-shots 3 \
        --frames 16 --size 32 > /dev/null || exit 1
fi
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
bad_log() {  # a crash marker in a log file
    grep -qE 'terminate called|SIGABRT|Signal 6|exitcode *: *-' "$1"
}
pass=0; fail=0
for k in $(seq 1 "$N"); do
    dir="$OUT/round_$k"; rm -rf "$dir"; mkdir -p "$dir"
    start=$(date +%s)
    PORT=$(free_port) bash "$TOOLS/dist_train.sh" "$CONFIG" 2 \
        --work-dir "$dir/train" --cfg-options train_cfg.max_epochs=1 \
        > "$dir/train.log" 2>&1
    train_rc=$?
    test_rc=skipped
    if [ $train_rc -eq 0 ]; then
        PORT=$(free_port) bash "$TOOLS/dist_test.sh" "$CONFIG" \
            "$dir/train/epoch_1.pth" 2 --work-dir "$dir/test" \
            > "$dir/test.log" 2>&1
        test_rc=$?
    fi
    verdict=PASS
    if [ $train_rc -ne 0 ] || [ "$test_rc" != 0 ] || bad_log "$dir/train.log" \
            || { [ -f "$dir/test.log" ] && bad_log "$dir/test.log"; }; then
        verdict=FAIL; fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
    echo "round $k: train rc=$train_rc test rc=$test_rc $verdict ($(( $(date +%s) - start )) s)"
done
echo "passed $pass / $N, failed $fail"
[ $fail -eq 0 ]
