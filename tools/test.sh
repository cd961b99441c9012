#!/usr/bin/env bash
# Every test: notebooks clean and exported, the notebooks' own examples (nbdev's test_nb, the function
# behind nbdev-test, skipping `slow`/`gpu` cells; run once, by the docs build, which keeps their outputs
# for the site), then pytest (CLI end to end, resume after kill, bad inputs, settings mirror).
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
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing Debian's chromium for the docs browser test"
  (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null) || echo "could not install chromium" >&2
fi
echo "== notebooks and docs (every notebook's examples and tests executed by nbdev's test_nb; a failure fails here; then the offline build into _docs/)"
python tools/docs.py
echo "== pytest"
exec python -m pytest -q --durations=12 "$@"
