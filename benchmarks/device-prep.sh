#!/usr/bin/env bash
# Before a session's GPU run, on this (networked) machine: put what the GPU machine cannot fetch into
# .carry/ (ignored by git; the device tool carries it when asked, 64 MiB in all):
#   .carry/fashion-mnist/*.gz   Debian's Fashion-MNIST (30 MB), so the GPU numbers are on real data
#   .carry/wheels/*.whl         the peers PyHessian and loss-landscapes (pure Python), so they are measured there too
# Then run benchmarks/gpu.sh there as one command with .carry carried; gpu.sh uses both when present.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3; [ -x .venv/bin/python ] && PY=.venv/bin/python
mkdir -p .carry/fashion-mnist .carry/wheels
src=/usr/share/datasets/fashion-mnist
if ls "$src"/*.gz > /dev/null 2>&1; then cp -u "$src"/*.gz .carry/fashion-mnist/
else echo "no Fashion-MNIST at $src (apt-get install -y dataset-fashion-mnist); the GPU run will use synthetic images" >&2; fi
$PY -m pip wheel -q --no-deps -w .carry/wheels pyhessian==0.1 loss-landscapes==3.0.6
du -sh .carry; ls -R .carry
