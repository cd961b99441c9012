"End-to-end parametric plot (Figures 3 and 7) on real Fashion-MNIST at tiny size: two runs made by the `sharpnb train` CLI, then `parametric_runs`, `plot_parametric` and the `sharpnb parametric` command."
import json, os
from pathlib import Path
import pytest, torch
from conftest import sharpnb, needs_fmnist
from sharpnb.core import *
from sharpnb.objective import evaluate
from sharpnb.runs import load_run
from sharpnb.landscape import *

TINY = ['--net', 'F1', '--data', 'fashion-mnist', '--subset', '600', '--test-subset', '300', '--epochs', '2', '--device', 'cpu', '--quiet']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}   # tiny tensors: one thread avoids OpenMP contention on shared cores
PNG = b'\x89PNG\r\n\x1a\n'

@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "An SB and an LB run of F1 on 600 Fashion-MNIST rows, trained through the CLI"
    d = tmp_path_factory.mktemp('runs')
    for reg in ('SB', 'LB'): sharpnb('train', *TINY, '--regime', reg, '--out', d/reg, check=0, env=ENV)
    return d

@needs_fmnist
def test_parametric_runs_real_data(runs, tmp_path):
    c = parametric_runs(runs/'SB', runs/'LB', device='cpu')
    assert c['alphas'] == alpha_grid().tolist() and (c['path'], c['bn'], c['chunk']) == ('linear', 'recompute', 5000)
    assert (c['data']['name'], c['data']['n_train'], c['data']['n_test']) == ('fashion-mnist', 600, 300)
    assert (c['networks']['SB']['bs'], c['networks']['LB']['bs']) == (256, 60) and c['bn_rows'] == 600
    assert all(v is not None and v >= 0 for k in ('train_loss', 'test_loss') for v in c[k])
    assert all(0 <= v <= 1 for k in ('train_acc', 'test_acc') for v in c[k])
    json.dumps(c, allow_nan=False)
    for i, reg in ((8, 'SB'), (16, 'LB')):                      # alpha = 0 and 1: the runs' own networks
        m, data, _ = load_run(runs/reg, device='cpu')
        recompute_bn(m, data.x_train, data.prep)                # 600 rows < BN_ROWS: all of them
        assert c['test_loss'][i] == evaluate(m, data.x_test, data.y_test, data.prep)['loss']
        assert c['train_acc'][i] == evaluate(m, data.x_train, data.y_train, data.prep)['acc']
    fig = plot_parametric(c, log_loss=True)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == 'alpha'
    fig.savefig(tmp_path/'parametric.png')
    assert (tmp_path/'parametric.png').read_bytes()[:8] == PNG

@needs_fmnist
def test_paths_and_policies_agree_at_the_minimisers(runs):
    a = [0., 1.]
    lin = parametric_runs(runs/'SB', runs/'LB', device='cpu', alphas=a, bn='interpolate')
    cur = parametric_runs(runs/'SB', runs/'LB', device='cpu', alphas=a, bn='interpolate', path='curvilinear')
    for k in ('train_loss', 'train_acc', 'test_loss', 'test_acc'): assert lin[k] == cur[k]
    for i, reg in enumerate(('SB', 'LB')):                      # 'interpolate' at the ends = the runs' running statistics
        m, data, _ = load_run(runs/reg, device='cpu')
        assert lin['test_loss'][i] == evaluate(m, data.x_test, data.y_test, data.prep)['loss']

def _subparser():
    "The CLI's parser, with its `parametric` subcommand"
    from sharpnb.cli import parser
    return parser()

def cmd_parametric(a):
    "`sharpnb parametric` with parsed options `a`; returns the curve it wrote"
    from sharpnb.cli import cmd_parametric as cmd
    cmd(a)
    return load_json(a.out.with_suffix('.json') if isinstance(a.out, Path) else Path(a.out).with_suffix('.json'))

@needs_fmnist
def test_parametric_command(runs, tmp_path, capsys):
    p = _subparser()
    out = tmp_path/'fig'/'c.png'
    a = p.parse_args(['parametric', str(runs/'SB'), str(runs/'LB'), '--grid', '5', '--curvilinear', '--bn', 'batch',
                      '--device', 'cpu', '--out', str(out)])
    c = cmd_parametric(a)
    assert out.read_bytes()[:8] == PNG and load_json(out.with_suffix('.json')) == c
    assert (c['path'], c['bn'], len(c['alphas'])) == ('curvilinear', 'batch', 5)
    assert 'alpha' in capsys.readouterr().out
    before = out.read_bytes()
    with pytest.raises(SharpnbError, match='already exist'): cmd_parametric(a)
    assert out.read_bytes() == before                           # refused: nothing was changed
    a = p.parse_args(['parametric', str(runs/'SB'), str(runs/'LB'), '--grid', '3', '--device', 'cpu', '--out', str(out), '--force', '--json'])
    c = cmd_parametric(a)
    assert json.loads(capsys.readouterr().out) == load_json(out.with_suffix('.json')) == c and len(c['alphas']) == 3

@needs_fmnist
def test_parametric_console_script(runs, tmp_path):
    "Through the installed `sharpnb` script"
    out = tmp_path/'p.png'
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--grid', '5', '--device', 'cpu', '--out', out, '--json', check=0, env=ENV)
    assert json.loads(r.stdout)['alphas'] == [-1., -.25, .5, 1.25, 2.] and out.read_bytes()[:8] == PNG
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--out', out, env=ENV)
    assert r.returncode == 2 and 'already exist' in r.stderr and 'Traceback' not in r.stderr

@needs_fmnist
def test_parametric_never_writes_over_a_run(runs, tmp_path):
    "`--out RUN/config.png --force` would have replaced the run's config.json with the curve (#27 item 2); a bad --out fails before the work (item 13)"
    import time
    before = {f: (runs/'LB'/f).read_bytes() for f in ('config.json', 'result.json')}
    for name in ('config.png', 'result.png'):
        r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--out', runs/'LB'/name, '--force', env=ENV)
        assert r.returncode == 2 and 'never overwritten' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert {f: (runs/'LB'/f).read_bytes() for f in before} == before
    (tmp_path/'x.png').mkdir()
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--out', tmp_path/'x.png', env=ENV)
    assert r.returncode == 2 and 'is a directory' in r.stderr
    (tmp_path/'file').write_text('x')
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--out', tmp_path/'file'/'c.png', env=ENV)
    assert r.returncode == 2 and 'is not a directory' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    long = tmp_path/('c'*300 + '.png')                                               # the name the file system refuses: before the work
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--out', long, env=ENV)
    assert r.returncode == 2 and 'shorter name' in r.stderr and 'Traceback' not in r.stderr and 'alpha' not in r.stdout, r.stderr
    ok = tmp_path/('c'*250 + '.png')                                                 # 255 bytes with '.json': room for the temp files
    r = sharpnb('parametric', runs/'SB', runs/'LB', '--device', 'cpu', '--grid', '3', '--out', ok, env=ENV)
    assert r.returncode == 0 and ok.exists() and ok.with_suffix('.json').exists(), r.stderr

@needs_fmnist
def test_parametric_prints_the_curve_it_could_not_save(runs, tmp_path, monkeypatch, capsys):
    "A disk that fills during the work: the curve is printed, the error names the file, and the exit is non-zero (#27 item 13)"
    import errno, sharpnb.landscape as L
    from sharpnb.cli import main
    def full(path, data): raise OSError(errno.ENOSPC, 'No space left on device', str(path))
    monkeypatch.setattr(L, 'atomic_write_bytes', full); monkeypatch.setattr(L, 'save_json', lambda o, p: full(p, b''))
    rc = main(['parametric', str(runs/'SB'), str(runs/'LB'), '--device', 'cpu', '--grid', '3', '--out', str(tmp_path/'c.png')])
    out, err = capsys.readouterr()
    assert rc == 1 and 'No space left' in err and 'c.json' in err and json.loads(out)['alphas'] == [-1.0, 0.5, 2.0], err
