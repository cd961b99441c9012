"""Redesigns that changed no result. The upper half (issue #15): the study, one reproduce artifact and the sharpness and
Hessian CLI give bitwise the same JSON as the code before it (the study's numbers since #29 made it artifacts of a profile:
its runs' accuracies and loss, φ and the parametric line, `equiv.study_numbers`). The runner (issue #29: artifacts that ask, a runner that
answers): the artifacts give bitwise the same results, work and ledgers. Each computed here, in this test, on this machine."""
import json, subprocess, sys, tarfile, io
from pathlib import Path
import pytest
from conftest import ROOT, needs_fmnist

BASE = '1ed15a4'   # main before the redesign: the last commit whose sharpnb/ had the import cycle

sys.path.insert(0, str(ROOT/'tools'))
from equiv import artifacts, outputs

RUNNER_BASE = '3e94e52'   # main before the runner's redesign (#29): artifacts that trained and measured through a `Ctx`

def _base_tree(dst:Path, base:str=BASE)->Path|None:
    "sharpnb/ of `base` unpacked under `dst` (None without the git history, e.g. in a shallow clone)"
    try: tar = subprocess.run(['git', '-C', str(ROOT), 'archive', base, 'sharpnb'], capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError): return None
    tarfile.open(fileobj=io.BytesIO(tar)).extractall(dst, filter='data')
    return dst

@needs_fmnist
def test_redesign_leaves_results_bitwise_equal(tmp_path):
    base = _base_tree(tmp_path/'base')
    if base is None: pytest.skip(f"git history without commit {BASE} (a shallow clone): nothing to compare with")
    old, new = outputs(base, tmp_path/'old'), outputs(ROOT, tmp_path/'new')
    assert set(new) == {'study', 'reproduce', 'sharpness', 'hessian', 'sharpness.json', 'hessian.json'}
    po, pn = old['reproduce'].pop('profile'), new['reproduce'].pop('profile')   # the profile may gain settings (corr_lr since #17)
    assert {k: v for k, v in pn.items() if k in po} == po, 'a profile setting of the quick profile changed'
    for k in old: assert json.dumps(new[k], sort_keys=True) == json.dumps(old[k], sort_keys=True), k

@needs_fmnist
def test_runner_redesign_leaves_artifacts_bitwise_equal(tmp_path):
    base = _base_tree(tmp_path/'base', RUNNER_BASE)
    if base is None: pytest.skip(f"git history without commit {RUNNER_BASE} (a shallow clone): nothing to compare with")
    old, new = artifacts(base, tmp_path/'old'), artifacts(ROOT, tmp_path/'new')
    assert set(new) == {'table2', 'fig3', 'fig5', 'fig6', 'ledger'} and new['fig6']['work']['sharpness'][0] > 0
    for k in old: assert json.dumps(new[k], sort_keys=True) == json.dumps(old[k], sort_keys=True), k
