#!/usr/bin/env bash
# Every test: notebooks clean and exported, the notebooks' own examples (nbdev-test, skipping
# `slow`/`gpu` cells), then pytest (CLI end to end, resume after kill, bad inputs, settings mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
state() { git status --porcelain --untracked-files=all; git diff; }
before="$(state | sha1sum)"
nbdev-clean
[ "$(state | sha1sum)" = "$before" ] || { echo "FAIL: nbdev-clean changed files; run nbdev-clean and commit" >&2; git status --short >&2; exit 1; }
nbdev-export
[ "$(state | sha1sum)" = "$before" ] || { echo "FAIL: nbdev-export changed sharpnb/; run nbdev-export and commit" >&2; git status --short >&2; exit 1; }
echo "== nbdev-test"
nbdev-test --n-workers 1 --timing
echo "== pytest"
exec python -m pytest -q "$@"
