#!/usr/bin/env bash
# The GPU benchmark run of issue #6 as one command. On a machine with a GPU, from the repository root:
#
#   OUT=/some/dir bash benchmarks/gpu.sh                  # every suite on cuda, about 8 minutes on one H200
#   OUT=/tmp/b bash benchmarks/gpu.sh --device cpu --tiny # the same script end to end at CI size (about 5 min on the loaded 2-core CPU)
#
# Each suite runs in its own process (python -m sharpnb.bench) with a time limit, so one failure or
# overrun does not lose the others. Under $OUT (default benchmarks/results/gpu): <suite>-<device>.json
# (the full record), <suite>-<device>.log (every round), env-<device>.txt (nvidia-smi, versions), and
# summary-<device>.txt (the targets table, also printed last). The GPU machine reaches no network:
# Fashion-MNIST is used if it is installed, else random images of the same shape (said in each record);
# the peers (pyhessian, loss-landscapes) are measured if installed, else recorded as unavailable.
set -uo pipefail
cd "$(dirname "$0")/.."
DEVICE=cuda; TINY=(); LIMIT=150
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2;;
    --tiny) TINY=(--tiny); LIMIT=120; shift;;
    *) echo "usage: OUT=DIR bash benchmarks/gpu.sh [--device cuda|cpu] [--tiny]" >&2; exit 2;;
  esac
done
OUT="${OUT:-benchmarks/results/gpu}"
mkdir -p "$OUT"
PY=python3; [ -x .venv/bin/python ] && PY=.venv/bin/python
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"

{ date -u; nvidia-smi 2>&1 | head -20
  $PY -c "import torch, sys; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(0))"
  $PY -c "import pyhessian; print('pyhessian ok')" 2>&1 | tail -1
  $PY -c "import loss_landscapes; print('loss-landscapes ok')" 2>&1 | tail -1
} > "$OUT/env-$DEVICE.txt" 2>&1
cat "$OUT/env-$DEVICE.txt"

DATA=fashion-mnist
$PY -c "from sharpnb.data import load_data; load_data('fashion-mnist', download=False)" >/dev/null 2>&1 || DATA=synthetic
echo "data: $DATA"

# Problem sizes: CI size with --tiny; otherwise large enough for a GPU to leave the launch-bound regime.
if [ ${#TINY[@]} -gt 0 ]; then
  TRAIN=(); CONV=(--rows 32 --test-rows 16 --bs 32 --reps 1); SHARP=(); HESS=(); PARAM=(); SWEEP=(--reps 1 --parallel 1)
else
  TRAIN=(--rows 20000 --test-rows 5000); CONV=(--rows 10000 --test-rows 2000); SHARP=(--rows 5000); HESS=(--rows 5000)
  PARAM=(--rows 10000 --test-rows 5000); SWEEP=(--rows 5000 --seeds 0 --reps 3)
fi

fail=0
run() {   # run NAME ARGS...: one suite in one process, its record and log under $OUT
  local name="$1"; shift
  echo "== $name"
  timeout "$LIMIT" $PY -m sharpnb.bench --device "$DEVICE" "${TINY[@]}" --out "$OUT/$name-$DEVICE.json" "$@" \
    > "$OUT/$name-$DEVICE.log" 2>&1
  local rc=$?
  tail -n 25 "$OUT/$name-$DEVICE.log" | grep -v '^  round' || true
  [ $rc -eq 0 ] || { echo "FAILED: $name (exit $rc; see $OUT/$name-$DEVICE.log)"; fail=1; }
}
run train      --suite train --net F1 --data "$DATA" "${TRAIN[@]}"
run train-C1   --suite train --net C1 --data synthetic "${CONV[@]}"
run train-C2   --suite train --net C2 --data synthetic "${CONV[@]}"
run sharpness  --suite sharpness  --data "$DATA" "${SHARP[@]}"
run hessian    --suite hessian    --data "$DATA" "${HESS[@]}"
run parametric --suite parametric --data "$DATA" "${PARAM[@]}"
run sweep      --suite sweep      --data "$DATA" "${SWEEP[@]}"

$PY -c "import sys; from sharpnb.bench import summary; print(summary(sys.argv[1], sys.argv[2]))" "$OUT" "$DEVICE" \
  | tee "$OUT/summary-$DEVICE.txt"
exit $fail
