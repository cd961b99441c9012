#!/usr/bin/env bash
# The prepared GPU run (issues #6 and #16) as one command. On a machine with a GPU, from the repository root:
#
#   OUT=/some/dir bash benchmarks/gpu.sh                  # the convnet half, then every benchmark suite, within 9 minutes on one H200
#   OUT=/tmp/b bash benchmarks/gpu.sh --device cpu --tiny # the same script end to end at CI size on the CPU
#
# First, the convnet half of the paper (issue #16): `sharpnb reproduce` of Tables 2, 3 and 4 and Figure 3 under
# the profile gpu-conv (C1 and C2 on every Fashion-MNIST row at 1x28x28, SB 256 / LB 6,000, 3 seeds, 20 epochs;
# --tiny: gpu-conv-tiny), committed-format results and their ledger under $OUT/results, within $CONV_LIMIT
# seconds (default 330; SKIP_CONV=1 skips it). Then C3 and C4 trained end to end at a small size on synthetic
# images (their CIFAR-100 cannot be had offline), then the benchmark suites in the time that is left.
# `python tools/unpack_gpu.py $OUT/gpu-cuda.tgz` puts the results where the notebooks read them.
#
# From a session lent the device tool: `bash benchmarks/device-prep.sh` here, then ONE call
#   run(command='PACK=1 OUT=$OUT bash benchmarks/gpu.sh', carry=['.carry'], timeout_s=600)
# and give_back; commit $OUT's records under benchmarks/results/ (they name the GPU).
#
# An $OUT that already holds records of the device is refused unless FORCE=1.
# With .carry/ from benchmarks/device-prep.sh carried along, the peers are installed from its wheels
# and Fashion-MNIST is read from it. The whole run ends within $DEADLINE seconds (default 540, under
# the device tool's 10-minute limit per command): each suite gets at most $LIMIT seconds and what is
# left; a suite that would start with less than 30 s is skipped and said so.
# Each suite runs in its own process (python -m sharpnb.cli bench) with a time limit, so one failure or
# overrun does not lose the others. Under $OUT (default benchmarks/results/gpu): <suite>-<device>.json
# (the full record), <suite>-<device>.log (every round), env-<device>.txt (nvidia-smi, versions), and
# summary-<device>.txt (the targets table, also printed last). The GPU machine reaches no network:
# Fashion-MNIST is used if it is installed, else random images of the same shape (said in each record);
# the peers (pyhessian, loss-landscapes) are measured if installed, else recorded as unavailable.
set -uo pipefail
cd "$(dirname "$0")/.."
DEVICE=cuda; TINY=(); LIMIT=150; DEADLINE="${DEADLINE:-540}"; START=$(date +%s)
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2;;
    --tiny) TINY=(--tiny); LIMIT=120; shift;;
    *) echo "usage: OUT=DIR bash benchmarks/gpu.sh [--device cuda|cpu] [--tiny]" >&2; exit 2;;
  esac
done
OUT="${OUT:-benchmarks/results/gpu}"
if { compgen -G "$OUT/*-$DEVICE.json" || compgen -G "$OUT/gpu-$DEVICE.tgz"; } > /dev/null && [ "${FORCE:-0}" != 1 ]; then
  echo "$OUT already holds $DEVICE records; FORCE=1 replaces them (nothing was run)" >&2; exit 2
fi
mkdir -p "$OUT"
REC="$OUT"                                   # PACK=1: records in one archive, $OUT/gpu-<device>.tgz (the device tool returns 8 files at most)
if [ "${PACK:-0}" = 1 ]; then REC="$(mktemp -d)"; fi
pack() { [ "$REC" = "$OUT" ] || { tar czf "$OUT/.gpu-$DEVICE.tgz" -C "$REC" . && mv "$OUT/.gpu-$DEVICE.tgz" "$OUT/gpu-$DEVICE.tgz"; }; }
PY=python3; [ -x .venv/bin/python ] && PY=.venv/bin/python
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"

{ date -u; nvidia-smi 2>&1 | head -20
  $PY -c "import torch, sys; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(0))"
  $PY -c "import pyhessian; print('pyhessian ok')" 2>&1 | tail -1
  $PY -c "import loss_landscapes; print('loss-landscapes ok')" 2>&1 | tail -1
} > "$REC/env-$DEVICE.txt" 2>&1
cat "$REC/env-$DEVICE.txt"

if compgen -G ".carry/wheels/*.whl" > /dev/null; then      # the peers, carried as wheels (no network there)
  $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/peers .carry/wheels/*.whl \
    && export PYTHONPATH="/tmp/peers${PYTHONPATH:+:$PYTHONPATH}"
fi
DATA=fashion-mnist; ROOT=()
if compgen -G ".carry/fashion-mnist/*.gz" > /dev/null; then ROOT=(--data-root /tmp/sharpnb-data)
  $PY -c "from sharpnb.data import load_data; load_data('fashion-mnist', '/tmp/sharpnb-data', download=False, debian_fmnist='.carry/fashion-mnist')" \
    || ROOT=()
fi
$PY -c "import sys; from sharpnb.data import load_data; load_data('fashion-mnist', sys.argv[1] if len(sys.argv) > 1 else None, download=False)" \
  "${ROOT[@]:1}" >/dev/null 2>&1 || DATA=synthetic
echo "data: $DATA ${ROOT[*]}"

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
  local left=$(( DEADLINE - $(date +%s) + START - 15 ))   # 15 s kept for the summary
  local lim=$(( left < LIMIT ? left : LIMIT ))
  echo "== $name (limit ${lim}s)"
  if [ "$lim" -lt 30 ]; then echo "SKIPPED: $name (the run's ${DEADLINE}s are spent)"; fail=1; return; fi
  timeout "$lim" $PY -m sharpnb.cli bench --device "$DEVICE" "${TINY[@]}" "${ROOT[@]}" --out "$REC/$name-$DEVICE.json" --force "$@" \
    > "$REC/$name-$DEVICE.log" 2>&1
  local rc=$?
  tail -n 25 "$REC/$name-$DEVICE.log" | grep -v '^  round' || true
  [ $rc -eq 0 ] || { echo "FAILED: $name (exit $rc; see $name-$DEVICE.log)"; fail=1; }
  pack                                       # what is done so far survives a kill
}
CONVP=gpu-conv; [ ${#TINY[@]} -gt 0 ] && CONVP=gpu-conv-tiny
if [ "$DATA" = fashion-mnist ] && [ "${SKIP_CONV:-0}" != 1 ]; then
  conv_end=$(( $(date +%s) + ${CONV_LIMIT:-330} ))
  arts=$($PY -m sharpnb.cli reproduce all --profile "$CONVP" --list) || { echo "FAILED: the artifact list of $CONVP"; fail=1; arts=; }
  for a in $arts; do                           # the profile's artifacts, in the registry's order
    left=$(( conv_end - $(date +%s) ))
    if [ "$left" -lt 30 ]; then echo "SKIPPED: conv $a (the convnet stage's ${CONV_LIMIT:-330}s are spent)"; [ $a = table4 ] || fail=1; continue; fi
    echo "== conv $a ($CONVP profile, limit ${left}s)"
    timeout "$left" $PY -m sharpnb.cli reproduce "$a" --profile "$CONVP" --results "$REC/results" --runs /tmp/sharpnb-conv-runs \
      --device "$DEVICE" "${ROOT[@]}" > "$REC/conv-$a-$DEVICE.log" 2>&1 || { echo "FAILED: conv $a (see conv-$a-$DEVICE.log)"; [ $a = table4 ] || fail=1; }
    tail -n 2 "$REC/conv-$a-$DEVICE.log"
    pack
  done
else echo "SKIPPED: the convnet stage (SKIP_CONV=1, or no Fashion-MNIST here)"; fi
SMALL=(--rows 64 --test-rows 32 --bs 32 --epochs 1 --reps 1)   # C3, C4: end to end, not timed for speed
run train-C3   --suite train --net C3 --data synthetic "${SMALL[@]}"
run train-C4   --suite train --net C4 --data synthetic "${SMALL[@]}"
if [ "${SKIP_SUITES:-0}" != 1 ]; then          # SKIP_SUITES=1: the convnet stage and the C3/C4 smoke runs only
  run train      --suite train --net F1 --data "$DATA" "${TRAIN[@]}"
  run instruments --suite instruments --data "$DATA" "${TRAIN[@]}"
  run train-C1   --suite train --net C1 --data synthetic "${CONV[@]}"
  run train-C2   --suite train --net C2 --data synthetic "${CONV[@]}"
  run sharpness  --suite sharpness  --data "$DATA" "${SHARP[@]}"
  run hessian    --suite hessian    --data "$DATA" "${HESS[@]}"
  run parametric --suite parametric --data "$DATA" "${PARAM[@]}"
  run sweep      --suite sweep      --data "$DATA" "${SWEEP[@]}"
  # streaming: F1 phi from a DataLoader and ResNet-18 lambda_max against PyHessian (its CI-size run is in the suites notebook)
  [ ${#TINY[@]} -gt 0 ] || run streaming --suite streaming --data "$DATA" --rows 20000 --bs 2000 --reps 3
fi

$PY -c "import sys; from sharpnb.bench import summary; print(summary(sys.argv[1], sys.argv[2]))" "$REC" "$DEVICE" \
  | tee "$REC/summary-$DEVICE.txt"
pack; [ "$REC" = "$OUT" ] || cp "$REC/summary-$DEVICE.txt" "$OUT/"
exit $fail
