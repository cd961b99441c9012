"Data-parallel training and sharded full-batch objectives with two CPU processes (gloo on loopback)."
import json, os, socket, subprocess, sys, time
from dataclasses import replace
from pathlib import Path
import pytest, torch
import torch.multiprocessing as mp
from torch import nn

from sharpnb.core import get_flat
from sharpnb.data import synth_classification
from sharpnb.models import tiny_mlp
from sharpnb.objective import FullBatch, sharded
from sharpnb.train import TrainCfg, fit, plain_step
from sharpnb.runs import train_run

ENV = dict(os.environ, OMP_NUM_THREADS='1', MASTER_ADDR='127.0.0.1')
CFG = TrainCfg(net='F1', data='synthetic', bs=27, n_epochs=2, device='cpu')   # 100 rows: batches 27 27 27 19, slices 13/14 and 9/10

def _port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _data(): return synth_classification(n=100, d=6, n_cls=3, seed=0)
def _plain(): torch.manual_seed(0); return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))   # no BatchNorm
def _bn(): return tiny_mlp(6, 3, 16, seed=0)                                                                # BatchNorm MLP

# BN nets train with SGD in the exactness test: the bias before a BatchNorm has a zero gradient in exact arithmetic,
# and ADAM turns its float-order noise (~1e-9, different in one and two processes) into steps of size lr.
SGD = replace(CFG, opt='sgd', lr=0.05)

def _fit(make, d=None, cfg=CFG):
    m = make(); h = fit(m, _data(), cfg, progress=False, dist=d)
    return get_flat(m), [{k: v for k, v in e.items() if k != 'seconds'} for e in h]

def _fullbatch(model, ds, group):
    out = {}
    for bn in ('running', 'batch'):
        fb = FullBatch(model, ds.x_train, ds.y_train, chunk=32, bn=bn, group=group)
        f, g = fb.loss_grad()
        v = torch.linspace(-1, 1, fb.n)
        H = fb.hvp_at()                                                  # kept graph: its products and the gradient it carries
        out[bn] = (f, g, fb.hvp(None, v), fb.loss(), H(v), H.grad)
    return out

def _streamed(model, ds, group):
    "f, ∇f and ∇²f v over 4 streamed batches of 25 rows (batch k on rank k mod 2 under a group)"
    fb = FullBatch(model, batches=[(ds.x_train[i:i + 25], ds.y_train[i:i + 25]) for i in range(0, 100, 25)], group=group)
    f, g = fb.loss_grad()
    return (f, g, fb.hvp(None, torch.linspace(-1, 1, fb.n)), fb.loss())

def _worker(rank, port, tmp):
    from sharpnb.dist import init_dist, close_dist
    from sharpnb.sharpness import model_sharpness
    d = init_dist(rank, 2, device='cpu', init_method=f'tcp://127.0.0.1:{port}', timeout_s=60)
    res = dict(plain=_fit(_plain, d), sync=_fit(_bn, replace(d, sync_bn=True), SGD), ghost=_fit(_bn, d, SGD))
    ds, m = _data(), _bn(); fit(m, ds, CFG, progress=False)        # a trained BN net, the same on both ranks
    res['fb'] = _fullbatch(m, ds, d.group)
    res['stream'] = _streamed(m, ds, d.group)
    with sharded(d.group): res['phi'] = model_sharpness(m, ds.x_train, ds.y_train, eps=[1e-3], maxiter=3, chunk=32, bn='batch')['phi']
    # resume under DDP: a run interrupted in epoch 2 on every rank, resumed, equals the uninterrupted run
    cfg = replace(CFG, n_epochs=3, bs=40)
    train_run(cfg, Path(tmp)/'A', data=_data(), dist=d, progress=False)
    n = [0]
    def bad(*a):
        n[0] += 1
        if n[0] == 5: raise RuntimeError('simulated crash')
        return plain_step(*a)
    try: train_run(cfg, Path(tmp)/'B', data=_data(), dist=d, step=bad, progress=False)
    except RuntimeError: res['crashed'] = True
    res['resumed'] = train_run(cfg, Path(tmp)/'B', resume=True, data=_data(), dist=d, progress=False)['train_loss']
    torch.save(res, Path(tmp)/f'rank{rank}.pt')
    close_dist()

def test_ddp_fullbatch_resume_match_single_process(tmp_path):
    mp.start_processes(_worker, args=(_port(), str(tmp_path)), nprocs=2, start_method='spawn', join=True)
    r0, r1 = (torch.load(tmp_path/f'rank{r}.pt', weights_only=False) for r in (0, 1))
    for k in ('plain', 'sync', 'ghost'):                                  # ranks hold identical weights and histories
        assert torch.equal(r0[k][0], r1[k][0]) and r0[k][1] == r1[k][1], k
    for k, make, cfg in (('plain', _plain, CFG), ('sync', _bn, SGD)):     # DDP == one process at the same global batch
        w, h = _fit(make, cfg=cfg)
        torch.testing.assert_close(r0[k][0], w, rtol=0, atol=1e-5)
        for a, b in zip(r0[k][1], h):
            for c in ('run_loss', 'train_loss', 'test_acc'): assert abs(a[c] - b[c]) < 1e-5, (k, c, a[c], b[c])
    w, _ = _fit(_bn, cfg=SGD)                                             # ghost BN (per-rank statistics) differs on purpose
    assert (r0['ghost'][0] - w).abs().max() > 1e-4
    ds, m = _data(), _bn(); fit(m, ds, CFG, progress=False)
    single = _fullbatch(m, ds, None)
    for bn in single:                                                     # sharded f, ∇f, ∇²f v == one process
        for a, b, c in zip(r0['fb'][bn], r1['fb'][bn], single[bn]):
            assert torch.equal(a, b)
            torch.testing.assert_close(a, c, rtol=1e-5, atol=1e-6)
    for a, b, c in zip(r0['stream'], r1['stream'], _streamed(m, ds, None)):   # streamed batches sharded over ranks == one process
        assert torch.equal(a, b)
        torch.testing.assert_close(a, c, rtol=1e-6, atol=1e-6)
    phi = __import__('sharpnb.sharpness', fromlist=['x']).model_sharpness(m, ds.x_train, ds.y_train, eps=[1e-3], maxiter=3, chunk=32, bn='batch')['phi']
    assert r0['phi'] == r1['phi'] and abs(r0['phi']['0.001'] - phi['0.001']) <= 1e-4 * max(1, abs(phi['0.001'])), (r0['phi'], phi)
    assert r0['crashed'] and r1['crashed']
    a, b = (torch.load(tmp_path/x/'model.pt', weights_only=True) for x in 'AB')
    for k in a: assert torch.equal(a[k], b[k]), k
    assert json.loads((tmp_path/'A'/'config.json').read_text())['dist'] == dict(world=2, sync_bn=False)

FAIL = """
import os, sys, time, torch.distributed as dist
from sharpnb.dist import dist_from_env
d = dist_from_env('cpu', timeout_s=300)
if d.rank == 1: raise RuntimeError('rank 1 fails')
dist.barrier()        # rank 0 would wait here for the collective timeout (300 s) without torchrun's teardown
"""

def _torchrun(*args, timeout=240):
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_addr', '127.0.0.1',
           '--master_port', str(_port()), *map(str, args)]   # options (--no-python) go before the script
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)

def test_rank_failure_ends_job(tmp_path):
    (tmp_path/'fail.py').write_text(FAIL)
    t = time.time(); r = _torchrun(tmp_path/'fail.py')
    assert r.returncode != 0 and 'rank 1 fails' in r.stderr
    assert time.time() - t < 90, time.time() - t

def test_torchrun_sharpnb_train(tmp_path):
    args = ['train', '--net', 'F1', '--data', 'synthetic', '--bs', '100', '--epochs', '2', '--device', 'cpu', '--quiet', '--out', tmp_path/'run']
    r = _torchrun('--no-python', Path(sys.executable).parent/'sharpnb', *args)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ['run']
    res = json.loads((tmp_path/'run'/'result.json').read_text())
    assert res['dist'] == dict(world=2, sync_bn=False) and res['n_epochs'] == 2
    assert len(json.loads((tmp_path/'run'/'history.json').read_text())) == 2
    assert sorted(p.name for p in (tmp_path/'run').iterdir()) == ['config.json', 'history.json', 'init.pt', 'last.pt', 'model.pt', 'result.json', 'weights.json']
