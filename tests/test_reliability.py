"Nothing lost, nothing mixed: concurrent writers, killed sweeps, mismatched caches, failed saves. Each test failed before its fix."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import sharpnb, needs_fmnist
from sharpnb.core import *

SYN = ['--net', 'F1', '--data', 'synthetic', '--device', 'cpu', '--quiet']

def test_second_writer_refused(tmp_path):
    "Two `train` processes into one --out: the second is refused while the first holds the run's lock, and the run is the first's"
    out = tmp_path/'run'
    exe = Path(sys.executable).parent/'sharpnb'
    p = subprocess.Popen([str(exe), 'train', *SYN, '--epochs', '400', '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.time()
        while not (out/'history.json').exists():
            assert p.poll() is None and time.time() - t0 < 120, p.stderr.read() if p.poll() is not None else 'slow start'
            time.sleep(0.05)
        r = sharpnb('train', *SYN, '--epochs', '400', '--lr', '0.01', '--out', out, '--force')
        assert r.returncode == 2 and 'in use by another sharpnb process' in r.stderr and 'Traceback' not in r.stderr, r.stderr
        assert load_json(out/'config.json')['cfg']['lr'] == 1e-3                   # still the first writer's run
    finally: p.kill(); p.wait()
    sharpnb('train', *SYN, '--epochs', '2', '--out', out, '--force', check=0)       # the lock died with its process

def test_killed_sweep_kills_its_trainer(tmp_path):
    "A sweep killed with SIGKILL leaves no trainer running (PR_SET_PDEATHSIG), so a re-run never meets an orphan"
    (tmp_path/'child.py').write_text(f"import os, time\nopen({str(tmp_path/'pid')!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n")
    (tmp_path/'sweep.py').write_text("import sys\nfrom pathlib import Path\nfrom sharpnb.sweep import _train_all\n"
                                     f"_train_all([('sleeper', [sys.executable, {str(tmp_path/'child.py')!r}])], 1, Path({str(tmp_path/'logs')!r}))\n")
    p = subprocess.Popen([sys.executable, str(tmp_path/'sweep.py')])
    t0 = time.time()
    while not (tmp_path/'pid').exists() or not (tmp_path/'pid').read_text():
        assert time.time() - t0 < 60; time.sleep(0.05)
    child = int((tmp_path/'pid').read_text())
    p.send_signal(signal.SIGKILL); p.wait()
    t0 = time.time()
    while time.time() - t0 < 10:
        try: os.kill(child, 0)
        except ProcessLookupError: return                                             # the trainer died with the sweep
        try: os.waitpid(child, os.WNOHANG)
        except ChildProcessError: pass
        if Path(f'/proc/{child}/stat').exists() and Path(f'/proc/{child}/stat').read_text().split()[2] == 'Z': return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL); pytest.fail('the trainer outlived its sweep')

def test_sweep_refuses_a_run_made_otherwise(tmp_path):
    "A sweep never reports a cached run trained with other options under its own configuration"
    from sharpnb.sweep import run_sweep, run_name
    sharpnb('train', *SYN, '--bs', '64', '--seed', '0', '--epochs', '1', '--out', tmp_path/'sw'/run_name(64, 0), check=0)
    with pytest.raises(SharpnbError, match='1 of the 1 runs') as e:                     # refused before anything runs (#27 item 15)
        run_sweep('F1', 'synthetic', [64], [0], tmp_path/'sw', epochs=2, eps=(), device='cpu', log=None)
    assert 'another configuration' in str(e.value) and "'n_epochs': (1, 2)" in str(e.value) and 'rerun' not in str(e.value)
    assert not (tmp_path/'sw'/'sweep.json').exists()                                  # nothing of the 1-epoch run reported as the 2-epoch one

def test_sharpness_cache_keyed_by_weights_and_eps(tmp_path):
    "sharpness reuses each finished ε of the same weights; retrained weights are measured again, --force recomputes"
    out = tmp_path/'run'
    sharpnb('train', *SYN, '--epochs', '2', '--out', out, check=0)
    a = json.loads(sharpnb('sharpness', out, '--eps', '1e-3', '--json', check=0).stdout)
    b = json.loads(sharpnb('sharpness', out, '--eps', '1e-3', '5e-4', '--json', check=0).stdout)
    assert b['results'][0] == a['results'][0]                                       # 1e-3 reused, 5e-4 computed
    assert len(load_json(out/'sharpness.json')) == 2
    sharpnb('train', *SYN, '--epochs', '2', '--lr', '0.01', '--out', out, '--force', check=0)
    assert not (out/'sharpness.json').exists()                                      # the old model's values went with it
    c = json.loads(sharpnb('sharpness', out, '--eps', '1e-3', '--json', check=0).stdout)
    assert c['weights'] != a['weights'] and c['results'][0]['f0'] != a['results'][0]['f0']
    d = json.loads(sharpnb('sharpness', out, '--eps', '1e-3', '--json', '--force', check=0).stdout)
    assert d['results'][0]['seconds'] != c['results'][0]['seconds']                 # recomputed

def test_result_printed_when_saving_fails(tmp_path, monkeypatch):
    "A full disk after the work: the result is printed, then a clear error (exit 1), no traceback"
    import contextlib, io
    from sharpnb import runs
    from sharpnb.cli import main
    out = tmp_path/'run'
    sharpnb('train', *SYN, '--epochs', '1', '--out', out, check=0)
    def full(*a, **k): raise OSError(28, 'No space left on device')
    monkeypatch.setattr(runs, 'merge_json', full)
    so, se = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se): rc = main(['sharpness', str(out), '--eps', '1e-3'])
    assert rc == 1 and 'No space left on device' in se.getvalue() and 'Traceback' not in se.getvalue()
    assert json.loads(so.getvalue())['phi']['0.001'] > 0                            # the minute of work is not lost

@needs_fmnist
def test_failed_study_force_keeps_the_study(tmp_path):
    "`study --force` that fails (a --data-root that is a file) leaves the original study_cfg.json, so the original study still runs"
    out = tmp_path/'s'
    sharpnb('study', '--profile', 'quick', '--device', 'cpu', '--out', out, '--quiet', check=0)
    before = (out/'study_cfg.json').read_text()
    (tmp_path/'afile').write_text('x')
    r = sharpnb('study', '--profile', 'quick', '--device', 'cpu', '--out', out, '--force', '--seed', '3', '--data-root', tmp_path/'afile', '--quiet')
    assert r.returncode == 2, r.stderr
    assert (out/'study_cfg.json').read_text() == before
    sharpnb('study', '--profile', 'quick', '--device', 'cpu', '--out', out, '--quiet', check=0)

def test_missing_rank_is_a_message(tmp_path):
    "Under torchrun, a rank that never joins ends in a clear error after --dist-timeout (exit 1), not a raw gloo/c10d traceback"
    import socket
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    env = dict(os.environ, RANK='0', WORLD_SIZE='2', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), OMP_NUM_THREADS='1')
    r = sharpnb('train', *SYN, '--epochs', '1', '--out', tmp_path/'run', '--dist-timeout', '3', env=env, timeout=120)
    assert r.returncode == 1 and 'torchrun processes lost each other' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'run'/'result.json').exists()

@needs_fmnist
def test_interrupted_force_is_reported_and_undone(tmp_path):
    "A train --force killed in its first epoch: the next train says so and offers both ways; `sharpnb restore` puts the old run back"
    out, args = tmp_path/'run', ['train', '--net', 'F1', '--data', 'fashion-mnist', '--subset', '3000', '--test-subset', '500', '--device', 'cpu', '--quiet']
    sharpnb(*args, '--epochs', '1', '--out', out, check=0)
    before = (out/'model.pt').read_bytes()
    exe = Path(sys.executable).parent/'sharpnb'
    p = subprocess.Popen([str(exe), *map(str, args), '--epochs', '5', '--lr', '0.002', '--out', str(out), '--force'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not (out/'.replaced').exists():
        assert p.poll() is None and time.time() - t0 < 120, 'the --force run ended before it could be killed'
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL); p.wait()
    assert (out/'.replaced'/'model.pt').read_bytes() == before and not (out/'history.json').exists(), 'killed too late'
    for extra in ([], ['--resume']):
        r = sharpnb(*args, '--epochs', '1', '--out', out, *extra)
        assert r.returncode != 0 and 'interrupted replacement' in r.stderr and 'sharpnb restore' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    sharpnb('restore', out, check=0)
    assert (out/'model.pt').read_bytes() == before and not (out/'.replaced').exists()
    r = sharpnb('restore', out)
    assert r.returncode != 0 and 'no replaced run' in r.stderr

@needs_fmnist
def test_interrupted_study_force_is_reported_and_undone(tmp_path):
    "A study --force killed while it trains: the old and the new command both say so and offer both ways (#27 item 14); restore puts the old study back"
    out, args = tmp_path/'s', ['study', '--profile', 'quick', '--device', 'cpu', '--quiet']
    sharpnb(*args, '--out', out, check=0)
    before = {f: (out/f).read_bytes() for f in ('study_cfg.json', 'study.json', *(f'runs/F1-fashion-mnist-{r}-s0/model.pt' for r in ('SB', 'LB')))}
    exe = Path(sys.executable).parent/'sharpnb'
    p = subprocess.Popen([str(exe), *args, '--seed', '3', '--epochs', '40', '--out', str(out), '--force'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not (out/'.replaced').exists():
        assert p.poll() is None and time.time() - t0 < 120, 'the --force study ended before it could be killed'
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (out/'study.json').exists(), 'killed too late'
    for extra in ([], ['--seed', '3', '--epochs', '40']):                           # the old command, then the new one, without --force
        r = sharpnb(*args, *extra, '--out', out)
        assert r.returncode == 2 and 'interrupted replacement' in r.stderr and 'sharpnb restore' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = sharpnb('restore', out, check=0)
    assert 'study' in r.stdout and not (out/'.replaced').exists()
    assert {f: (out/f).read_bytes() for f in before} == before
    sharpnb(*args, '--out', out, check=0)                                           # the old study is whole again: it runs without --force

def test_edited_caches_named_not_tracebacks(tmp_path):
    "Cache entries, ledger records and result files that do not have their shape are refused naming the file and field (#27 item 12)"
    out = tmp_path/'run'
    sharpnb('train', *SYN, '--epochs', '1', '--out', out, check=0)
    sharpnb('sharpness', out, '--eps', '1e-3', '--bn', 'batch', '--json', check=0)
    sharpnb('measures', out, '--json', check=0)
    def broken(file, edit, *argv):
        good = (out/file).read_text(); d = json.loads(good); k = next(iter(d)); edit(d[k]); (out/file).write_text(json.dumps(d))
        r = sharpnb(*argv)
        (out/file).write_text(good)
        assert r.returncode != 0 and 'Traceback' not in r.stderr and file in r.stderr, r.stderr
        return r.stderr
    assert 'phi.0.001 is "big" (str)' in broken('sharpness.json', lambda e: e['phi'].update({'0.001': 'big'}), 'sharpness', out, '--eps', '1e-3', '--bn', 'batch')
    assert 'the field config is missing' in broken('sharpness.json', lambda e: e.pop('config'), 'sharpness', out, '--eps', '1e-3', '--bn', 'batch')
    assert 'rows is "many" (str)' in broken('measures.json', lambda e: e.update(rows='many'), 'measures', out)
    assert 'the field measures is missing' in broken('measures.json', lambda e: e.pop('measures'), 'measures', out)
    from sharpnb.reproduce import Ledger, reproduce
    led = tmp_path/'led'; led.mkdir()
    for bad, want in (([1], 'its top level is list'), ({'result': {}, 'history': [], 'weights': {}}, 'the field cost is missing'),
                      ({'sharpness': {'k': {'phi': {'0.001': 'x'}}}}, 'is missing')):
        (led/'r.json').write_text(json.dumps(bad))
        with pytest.raises(SharpnbError, match=want): Ledger(led).get('r')
    res = tmp_path/'res'; res.mkdir(); (res/'table2-quick.json').write_text('[1]')
    with pytest.raises(SharpnbError, match='its top level is list'): reproduce('table2', 'quick', results_root=res, log=None)
