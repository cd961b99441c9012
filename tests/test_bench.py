"""`sharpnb bench` at CI size (--tiny): every suite runs, its record has the documented shape, and its answers
agree with the baseline and the peers before any time is compared. Timings are only checked where the margin
is wide enough not to flake on a busy 2-core machine. The suites run in this process (one torch import);
one suite goes through the command line end to end."""
import json, os, subprocess, sys
import pytest
import torch
from conftest import ROOT, FMNIST, CACHE
from sharpnb.suites import run_suite
from sharpnb.cli import main

DATA = 'fashion-mnist' if (FMNIST.exists() or CACHE.exists()) else 'synthetic'
COARSE = {'sharpness': ('naive', 1.0), 'parametric': ('naive', 0.95)}   # T_naive / T_sharpnb at CI size, lower bounds
KEYS = ('suite', 'device', 'problem', 'answers', 'checks', 'agree', 'times', 'stats', 'ratios', 'targets', 'limits_before',
        'limits_after', 'load', 'provenance')

def _has(mod):
    import importlib.util
    return importlib.util.find_spec(mod) is not None

@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@pytest.mark.parametrize('suite', ['train', 'sharpness', 'hessian', 'sweep'])
def test_suite(suite):
    res = run_suite(suite, 'cpu', tiny=True, reps=1, data=DATA, **({'parallel': 1} if suite == 'sweep' else {}))
    assert all(k in res for k in KEYS) and res['suite'] == suite and res['tiny']
    assert res['agree'] is True, res['checks']
    assert all(s['median'] > 0 and s['n'] == 1 for s in res['stats'].values())
    for t in res['targets']: assert t['measured'] is not None and t['met'] in (True, False)
    if suite in COARSE:
        k, lo = COARSE[suite]
        assert res['ratios'][k]['median'] > lo, res['ratios']
    if suite == 'hessian' and _has('pyhessian'):       # a dev dependency: CI measures the peer on the same problem
        assert {'pyhessian_eig', 'pyhessian_trace'} <= set(res['times'])
        assert res['checks']['trace'] and res['checks']['lanczos_accuracy']   # equal accuracy: no worse than PyHessian's

def test_cli_end_to_end(tmp_path):
    "`python -m sharpnb.cli bench` prints the JSON record and writes the same record with --out (parametric, with its peer)"
    out = tmp_path/'parametric.json'
    r = subprocess.run([sys.executable, '-m', 'sharpnb.cli', 'bench', '--suite', 'parametric', '--device', 'cpu', '--tiny', '--reps', '1',
                        '--data', DATA, '--json', '--out', str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                       env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert json.loads(out.read_text())['times'] == res['times'] and all(k in res for k in KEYS)
    assert res['agree'] is True, res['checks']
    assert res['ratios']['naive']['median'] > COARSE['parametric'][1]
    if _has('loss_landscapes'): assert 'loss_landscapes' in res['times'] and res['checks']['loss_landscapes']

def run(*args):
    "`sharpnb ...` in this process: (exit status, stderr)"
    import contextlib, io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: rc = main(list(args))
        except SystemExit as e: rc = e.code
    return rc, err.getvalue()

def test_bad_input(tmp_path):
    rec = tmp_path/'train.json'; rec.write_text('{"mine": 1}')
    rc, err = run('bench', '--suite', 'train', '--tiny', '--out', str(rec))     # refused before any work
    assert rc == 2 and '--force' in err and rec.read_text() == '{"mine": 1}'
    rc, err = run('bench', '--suite', 'speed'); assert rc == 2 and 'invalid choice' in err
    rc, err = run('bench', '--suite', 'train', '--reps', '0'); assert rc == 2 and 'positive integer' in err
    rc, err = run('bench', '--suite', 'train', '--net', 'F9'); assert rc == 2 and 'Unknown network' in err
    rc, err = run('bench', '--suite', 'parametric', '--tiny', '--data', 'synthetic', '--sb-run', 'x')
    assert rc == 2 and 'Give both' in err and 'Traceback' not in err
    rc, err = run('bench', '--suite', 'sharpness', '--tiny', '--data', 'synthetic', '--lb-run', str(ROOT/'nowhere'))
    assert rc == 2 and 'does not exist' in err
    if not torch.cuda.is_available():
        rc, err = run('bench', '--suite', 'train', '--device', 'cuda'); assert rc == 2 and 'no usable CUDA GPU' in err

def test_gpu_script_covers_every_suite():
    "benchmarks/gpu.sh is the prepared GPU run (it also runs on the CPU with --device cpu --tiny, about 5 minutes on a loaded 2-core box: not repeated here)"
    s = (ROOT/'benchmarks'/'gpu.sh').read_text()
    assert all(f'--suite {k}' in s for k in ('train', 'sharpness', 'hessian', 'parametric', 'sweep')) and '$OUT' in s
