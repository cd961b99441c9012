"A batch-size sweep killed mid-way resumes without redoing finished runs; a crashed run is reported and the rest kept."
import json, os, signal, subprocess, sys, time
from pathlib import Path

ENV = dict(os.environ, OMP_NUM_THREADS='1')
def _cmd(*args):
    "`sharpnb sweep ARGS` with this Python"
    return [sys.executable, '-c', 'import sys; from sharpnb.cli import main; sys.exit(main(sys.argv[1:]))', 'sweep', *map(str, args)]

ARGS = ['--net', 'F1', '--data', 'synthetic', '--bs', 64, 256, '--seeds', 0, '--epochs', 1, '--parallel', 1, '--device', 'cpu',
        '--eps', 1e-3, 5e-4, '--sharp-subset', 128, '--maxiter', 2, '--quiet']

def test_sweep_kill_and_resume(tmp_path):
    out = tmp_path/'sw'
    p = subprocess.Popen(_cmd(*ARGS, '--out', out), env=ENV, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first, t0 = out/'bs64_seed0'/'result.json', time.time()
    while not first.exists():
        assert p.poll() is None and time.time() - t0 < 120, 'the sweep ended or stalled before it could be killed'
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL); p.wait()                       # the sweep and its training process
    assert not (out/'bs256_seed0'/'result.json').exists() and not (out/'sweep.json').exists()
    m0 = {f: (out/'bs64_seed0'/f).stat().st_mtime_ns for f in ('result.json', 'model.pt', 'history.json')}
    r = subprocess.run(_cmd(*ARGS, '--out', out, '--json'), env=ENV, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = {x['run']: x for x in json.loads((out/'sweep.json').read_text())['rows']}
    assert rows['bs64_seed0']['status'] == 'cached' and rows['bs256_seed0']['status'] == 'trained'
    assert {f: (out/'bs64_seed0'/f).stat().st_mtime_ns for f in m0} == m0   # the finished run was not redone
    assert all(x['sharp_0.001'] >= 0 and x['sharp_0.0005'] >= 0 and 0 <= x['test_acc'] <= 1 for x in rows.values())
    assert (out/'sweep.csv').read_text().count('\n') == 3
    # a run that crashes (C1 needs images) is reported with its log tail and the exit is non-zero; the complete runs are kept
    bad = [a if a != 'F1' else 'C1' for a in ARGS if a != 256]
    r = subprocess.run(_cmd(*bad, '--out', tmp_path/'bad'), env=ENV, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and 'convolutional' in r.stderr, r.stderr[-2000:]
    rows = json.loads((tmp_path/'bad'/'sweep.json').read_text())['rows']
    assert [x['status'] for x in rows] == ['failed'] and 'convolutional' in rows[0]['error']

def test_sweep_refuses_a_foreign_folder(tmp_path):
    "`sweep --out /` once wrote run folders and sweep.csv into /; a folder sharpnb did not make is refused before anything is written (#27 item 3)"
    from sharpnb.core import SharpnbError
    from sharpnb.sweep import run_sweep
    mine = tmp_path/'mine'; mine.mkdir(); (mine/'sweep.csv').write_text('my own numbers\n')
    try: run_sweep('F1', 'synthetic', [64], [0], mine, epochs=1, eps=(), log=None); raise AssertionError('not refused')
    except SharpnbError as e: assert 'not a sweep' in str(e)
    assert sorted(p.name for p in mine.iterdir()) == ['sweep.csv'] and (mine/'sweep.csv').read_text() == 'my own numbers\n'
    (tmp_path/'f').write_text('x')
    try: run_sweep('F1', 'synthetic', [64], [0], tmp_path/'f', epochs=1, eps=(), log=None); raise AssertionError('not refused')
    except SharpnbError as e: assert 'not a directory' in str(e)

def test_sweep_keeps_its_table_and_logs(tmp_path):
    "A second sweep with other options leaves sweep.json, sweep.csv and the logs as they were; a rerun appends to a run's log (#27 item 15)"
    import pytest
    from sharpnb.core import SharpnbError
    from sharpnb.sweep import run_sweep
    out = tmp_path/'sw'
    run_sweep('F1', 'synthetic', [64], [0], out, epochs=1, eps=(), device='cpu', log=None)
    files = ('sweep.json', 'sweep.csv', 'logs/bs64_seed0.log')
    before = {f: (out/f).read_bytes() for f in files}
    with pytest.raises(SharpnbError, match='other options') as e: run_sweep('F1', 'synthetic', [64], [0], out, epochs=2, eps=(), device='cpu', log=None)
    assert 'rerun' not in str(e.value).lower()
    assert {f: (out/f).read_bytes() for f in files} == before
    bad = tmp_path/'bad'                                       # C1 on synthetic rows crashes: each attempt's log is kept, one after the other
    for k in (1, 2):
        with pytest.raises(SharpnbError, match='1 of 1 runs failed'): run_sweep('C1', 'synthetic', [64], [0], bad, epochs=1, eps=(), device='cpu', log=None)
        assert (bad/'logs'/'bs64_seed0.log').read_text().count('convolutional') == k
