"End-to-end CLI runs on real data at tiny sizes, and bad input: clear message, exit 2, no traceback."
import json
from pathlib import Path
import pytest
from conftest import sharpnb, needs_fmnist

TINY = ['--net', 'F1', '--data', 'fashion-mnist', '--subset', '600', '--test-subset', '300', '--epochs', '2', '--device', 'cpu', '--quiet']

def clean_error(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert 'Traceback' not in r.stderr and 'Traceback' not in r.stdout
    for n in needles: assert n in r.stderr, (n, r.stderr)

def test_nets_and_data():
    r = sharpnb('nets', '--json', check=0)
    assert [x['params'] for x in json.loads(r.stdout)] == [1462794, 2780085, 1757834, 14991946, 1775204, 15038116]
    r = sharpnb('data', '--json', check=0)
    assert {x['name'] for x in json.loads(r.stdout)} == {'mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'timit'}

@needs_fmnist
def test_train_real_data_and_refuse_clobber(tmp_path):
    out = tmp_path/'run'
    r = sharpnb('train', *TINY, '--regime', 'LB', '--out', out, '--json', check=0)
    res = json.loads(r.stdout)
    assert res['bs'] == 60 and res['data']['n_train'] == 600 and res['data']['name'] == 'fashion-mnist'
    assert 0.25 < res['test_acc'] <= 1 and res['provenance']['torch']     # learned: 2.5x chance (10 classes)
    assert json.loads((out/'result.json').read_text())['test_acc'] == res['test_acc']
    before = (out/'model.pt').read_bytes()
    clean_error(sharpnb('train', *TINY, '--regime', 'LB', '--out', out), 'already holds a run', '--force')
    assert (out/'model.pt').read_bytes() == before
    r = sharpnb('train', *TINY, '--regime', 'LB', '--out', out, '--resume', check=0)
    assert 'already complete' in r.stdout
    clean_error(sharpnb('train', *TINY, '--regime', 'SB', '--out', out, '--resume'), 'different configuration')
    sharpnb('train', *TINY, '--regime', 'SB', '--out', out, '--force', check=0)
    assert json.loads((out/'result.json').read_text())['bs'] == 256

def test_bad_inputs(tmp_path):
    clean_error(sharpnb('train', '--net', 'F7', '--out', tmp_path/'a'), 'Unknown network', 'F1, F2, C1')
    clean_error(sharpnb('train', '--net', 'F1', '--data', 'imagenet', '--out', tmp_path/'a'), 'Unknown data set')
    clean_error(sharpnb('train', '--net', 'F2', '--data', 'timit', '--data-root', tmp_path, '--out', tmp_path/'a'),
                'TIMIT data set was not found', str(tmp_path), 'LDC')
    clean_error(sharpnb('train', '--net', 'C1', '--data', 'synthetic', '--out', tmp_path/'a'), 'needs image inputs')
    clean_error(sharpnb('train', '--net', 'F1', '--epochs', '0', '--out', tmp_path/'a'), 'positive integer')
    clean_error(sharpnb('train', '--net', 'F1', '--device', 'cuda:0', '--out', tmp_path/'a') if not _cuda() else _skip(),
                'no usable CUDA')
    (tmp_path/'mine').mkdir(); (tmp_path/'mine'/'thesis.tex').write_text('precious')
    clean_error(sharpnb('train', '--net', 'F1', '--data', 'synthetic', '--out', tmp_path/'mine', '--force'), 'not a sharpnb run')
    assert (tmp_path/'mine'/'thesis.tex').read_text() == 'precious'
    r = sharpnb('bogus'); assert r.returncode == 2 and 'invalid choice' in r.stderr

def _cuda():
    import torch; return torch.cuda.is_available()
def _skip(): pytest.skip('a GPU is present')

def test_corrupt_checkpoint(tmp_path):
    out = tmp_path/'run'
    args = ['train', '--net', 'F1', '--data', 'synthetic', '--epochs', '3', '--device', 'cpu', '--quiet', '--out', out]
    sharpnb(*args, check=0)
    (out/'result.json').unlink(); (out/'model.pt').unlink()          # pretend it was interrupted...
    (out/'last.pt').write_bytes(b'\x80\x04garbage')                     # ...while a disk went bad
    clean_error(sharpnb(*args, '--resume'), 'could not be loaded safely')
    (out/'config.json').write_text('{"sharpnb_run": 1, "cfg": {"net": "F1", "evil": 1}}')
    clean_error(sharpnb(*args, '--resume'), 'unknown keys')

@needs_fmnist
def test_study_tiny(tmp_path):
    r = sharpnb('study', '--profile', 'quick', '--device', 'cpu', '--out', tmp_path/'s', '--quiet', check=0)
    assert 'Train SB' in r.stdout and 'stand-in' in r.stdout and '98.03' in r.stdout and 'BN batch stats (paper)' in r.stdout
    assert (tmp_path/'s'/'study.png').stat().st_size > 1000
    res = json.loads((tmp_path/'s'/'study.json').read_text())
    assert list(res['results']) == ['table2', 'table3', 'fig3'] and res['provenance']['git_sha'] is not None
    assert res['study']['name'] == 'quick' and res['study']['seeds'] == [0]
    led = json.loads((tmp_path/'s'/'ledger'/'F1-fashion-mnist-LB-s0.json').read_text())      # the runner's ledger, in the study
    assert res['results']['table3']['phi']['batch']['LB/0.001']['values'] == [led['sharpness'][k]['phi']['0.001'] for k in led['sharpness']]

def test_broken_pipe_is_quiet():
    "`sharpnb nets | head -0`: a reader that closes the pipe is not a disk error (#27 item 17: the BrokenPipeError branch sat after OSError's)"
    import subprocess, sys
    from conftest import ROOT
    exe = Path(sys.executable).parent/'sharpnb'
    cmd = [str(exe)] if exe.exists() else [sys.executable, '-m', 'sharpnb.cli']
    p = subprocess.run(['bash', '-c', f"{' '.join(cmd)} nets --json | head -c 0"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert 'Check the paths' not in p.stderr and 'Traceback' not in p.stderr, p.stderr

def test_label_count_mismatch(tmp_path):
    "Test labels copied over the training labels: refused with a message naming the split, not trained at 8.8 % (#27 item 4)"
    import shutil
    from sharpnb.data import default_root
    src = default_root()/'MNIST'/'raw'
    if not (src/'train-images-idx3-ubyte').exists(): pytest.skip('MNIST is not fetched here (sharpnb data --fetch mnist)')
    raw = tmp_path/'MNIST'/'raw'; shutil.copytree(src, raw)
    shutil.copy(raw/'t10k-labels-idx1-ubyte', raw/'train-labels-idx1-ubyte')
    r = sharpnb('train', '--net', 'F1', '--data', 'mnist', '--data-root', tmp_path, '--epochs', '1', '--subset', '500', '--out', tmp_path/'run')
    assert r.returncode != 0 and 'train-labels-idx1-ubyte is not the published mnist file train-labels-idx1-ubyte: it is the published mnist file t10k-labels-idx1-ubyte' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'run').exists()

def test_lock_file_follows_umask(tmp_path):
    "The lock beside a results file gets the umask's permissions, as the file it guards does (#27 item 16: it was 0644 whatever the umask)"
    import os, stat
    from sharpnb.runs import merge_json
    old = os.umask(0o002)
    try: merge_json(tmp_path/'m.json', 'k', 1)
    finally: os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)
    assert mode(tmp_path/'.m.json.lock') == mode(tmp_path/'m.json') == 0o664

def test_force_never_deletes_a_users_folder(tmp_path):
    "A folder with someone else's config.json is not a run: `train --force` refuses it and deletes nothing (#27 item 1)"
    u = tmp_path/'U'; (u/'ckpt').mkdir(parents=True)
    (u/'config.json').write_text('{"model_type": "bert"}'); (u/'model.pt').write_text('w'); (u/'ckpt'/'step_1000.bin').write_text('c')
    r = sharpnb('train', '--net', 'F1', '--data', 'synthetic', '--epochs', '1', '--device', 'cpu', '--out', u, '--force')
    assert r.returncode == 2 and 'is not a sharpnb run' in r.stderr, r.stderr
    assert (u/'config.json').read_text() == '{"model_type": "bert"}' and (u/'model.pt').read_text() == 'w' and (u/'ckpt'/'step_1000.bin').exists()

def test_weights_are_checked_before_measuring(tmp_path):
    "A model.pt copied from another run, or cast to int8, is refused with a message, not measured (#27 item 6: int8 weights gave phi = 2.8e10)"
    import torch
    base = ['train', '--net', 'F1', '--data', 'synthetic', '--epochs', '1', '--device', 'cpu', '--quiet']
    for s in (0, 1): sharpnb(*base, '--seed', s, '--out', tmp_path/f'r{s}', check=0)
    assert json.loads((tmp_path/'r0'/'weights.json').read_text())['sharpnb_weights'] == 1
    ok = sharpnb('sharpness', tmp_path/'r0', '--eps', '1e-3', '--maxiter', '1', '--device', 'cpu')
    assert ok.returncode == 0, ok.stderr
    (tmp_path/'r1'/'model.pt').write_bytes((tmp_path/'r0'/'model.pt').read_bytes())        # another run's weights
    r = sharpnb('sharpness', tmp_path/'r1', '--eps', '1e-3', '--maxiter', '1', '--device', 'cpu')
    assert r.returncode == 2 and 'copied from another run' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    sd = torch.load(tmp_path/'r0'/'model.pt', weights_only=True)
    torch.save({k: (v.to(torch.int8) if v.is_floating_point() else v) for k, v in sd.items()}, tmp_path/'r0'/'model.pt')
    r = sharpnb('sharpness', tmp_path/'r0', '--eps', '1e-3', '--maxiter', '1', '--device', 'cpu')
    assert r.returncode == 2 and 'torch.int8' in r.stderr and 'Traceback' not in r.stderr, r.stderr
