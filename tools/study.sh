#!/usr/bin/env bash
# The main job: a quick SB-vs-LB study of F1 on Fashion-MNIST (Table 2 and Figure 2 style).
# Extra arguments go to `sharpnb study` (e.g. --profile full, --force, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/sharpnb study "$@"
