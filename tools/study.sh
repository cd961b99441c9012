#!/usr/bin/env bash
# The main job: `sharpnb study`, Tables 2 and 3 and Figures 2 and 3 of seed 0 of the `paper` profile (F1 on every
# Fashion-MNIST row, SB 256 / LB 6,000, 30 epochs), printed beside the paper's numbers, into runs/study/.
# Extra arguments go to `sharpnb study` (e.g. --profile paper-mnist, --seed 1, --force, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/sharpnb study "$@"
