#!/usr/bin/env bash
# The paper-scale reproduction (profile `paper`: F1 on all 60,000 Fashion-MNIST rows, SB 256 / LB 6,000, 5 seeds),
# one artifact after another, resumable: a finished artifact (nbs/paper/results/<artifact>-paper.json) is read, not
# recomputed, and every finished run and measurement is in the committed ledger (nbs/paper/results/ledger-paper/),
# so a re-run on any machine continues where the last one stopped. Several CPU-hours on two cores.
# Usage: bash tools/paper.sh [ARTIFACT ...]   (default: the profile's, `sharpnb reproduce all --profile P --list`)
#        PROFILE=cpu-conv bash tools/paper.sh  (C1's scaled protocol on the CPU, #16: Table 2, Figure 3, then Table 3, whose
#        16 full-space solves are the longest part; a few CPU-hours)
#        PROFILE=paper-mnist bash tools/paper.sh  (F1 on MNIST under the stopping rule, #26: Tables 2-4, Figures 3 and 7,
#        then Figures 4-6; the ten Table 2 runs are 2-4 CPU-hours, committed in nbs/paper/results/ledger-paper-mnist/)
set -euo pipefail
profile="${PROFILE:-paper}"
cd "$(dirname "$0")/.."
bash tools/setup.sh
arts=("$@")
if [ ${#arts[@]} -eq 0 ]; then                 # the profile's artifacts, in the order of sharpnb.reproduce's registry
  list=$(.venv/bin/sharpnb reproduce all --profile "$profile" --list)   # a failure stops the script here (set -e), never an empty list
  mapfile -t arts <<< "$list"
fi
for a in "${arts[@]}"; do
  echo "== $(date -u +%H:%M:%S) $a"
  PYTHONUNBUFFERED=1 .venv/bin/sharpnb reproduce "$a" --profile "$profile"
  echo "== $(date -u +%H:%M:%S) $a done: nbs/paper/results/$a-$profile.json"
done
