"""`sharpnb bench` through its command line at CI size (every suite itself runs in the suites notebook, 08d_suites),
its bad inputs, and the prepared GPU run end to end on the CPU."""
import json, os, subprocess, sys
import pytest
import torch
from conftest import ROOT, FMNIST, CACHE
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

@pytest.mark.skipif(DATA != 'fashion-mnist', reason="Fashion-MNIST not installed: the convnet stage needs it")
def test_gpu_run_end_to_end_on_the_cpu(tmp_path):
    """benchmarks/gpu.sh at CI size on the CPU (its convnet stage and the C3/C4 runs; the benchmark suites run above), packed,
    unpacked by tools/unpack_gpu.py, and read by the notebooks' `conv_summary`; an unpack over existing files is refused"""
    s = (ROOT/'benchmarks'/'gpu.sh').read_text()
    assert all(f'--suite {k}' in s for k in ('train', 'sharpness', 'hessian', 'parametric', 'sweep')) and '$OUT' in s
    env = dict(os.environ, PACK='1', SKIP_SUITES='1', OUT=str(tmp_path/'out'), OMP_NUM_THREADS='1')
    r = subprocess.run(['bash', 'benchmarks/gpu.sh', '--device', 'cpu', '--tiny'], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path/'out').iterdir()) == ['gpu-cpu.tgz', 'summary-cpu.txt']
    unp = [sys.executable, str(ROOT/'tools'/'unpack_gpu.py'), str(tmp_path/'out'/'gpu-cpu.tgz'), '--results', str(tmp_path/'res'), '--records', str(tmp_path/'rec')]
    assert subprocess.run(unp, capture_output=True, text=True).returncode == 0
    names = sorted(p.name for p in (tmp_path/'res').iterdir())
    assert names == ['fig3-gpu-conv-tiny.json', 'ledger-gpu-conv-tiny', 'table2-gpu-conv-tiny.json', 'table3-gpu-conv-tiny.json', 'table4-gpu-conv-tiny.json']
    assert {'train-C3-cpu.json', 'train-C4-cpu.json', 'env-cpu.txt'} <= {p.name for p in (tmp_path/'rec').iterdir()}
    from sharpnb.report import conv_summary
    from sharpnb.core import device_name, load_json
    md = conv_summary(tmp_path/'res', 'gpu-conv-tiny')
    dev = load_json(tmp_path/'res'/'table2-gpu-conv-tiny.json')['provenance']['device_name']
    assert 'ours: C1' in md and 'paper: C1 on cifar10' in md and 'Table 3' in md and dev in md and dev.split(' (')[0] in device_name(torch.device('cpu'))
    (tmp_path/'res'/'table3-gpu-conv-tiny.json').rename(tmp_path/'t3.json')       # Table 2 landed, Table 3 not yet: said so
    md2 = conv_summary(tmp_path/'res', 'gpu-conv-tiny')
    assert md2.startswith(md.split('\n\n| Table 3')[0]) and md2.endswith('Table 3 of the `gpu-conv-tiny` profile is not computed yet '
                                                                  '(`sharpnb reproduce table3 --profile gpu-conv-tiny`).')
    (tmp_path/'t3.json').rename(tmp_path/'res'/'table3-gpu-conv-tiny.json')
    again = subprocess.run(unp, capture_output=True, text=True)
    assert again.returncode == 2 and 'use --force' in again.stderr
