"""The runs of paper notebook 21 ("Why does sharpness stop rising?"), resumable: F1 on all 60,000 Fashion-MNIST rows at SB and LB
(seeds 0, 1; the paper profile's 30 epochs) with the training instruments read once an epoch, and a small full-batch gradient descent
run of F1 (the edge-of-stability check). Each finished run is written to nbs/paper/results/beyond/ with its provenance.

    python tools/beyond_runs.py [--runs runs/beyond] [--only sb-lb|gd]
"""
import argparse, sys, time
from dataclasses import replace
from pathlib import Path

from sharpnb.core import SharpnbError, cfg_dict, load_json, provenance, save_json, state_sha
from sharpnb.data import load_data
from sharpnb.train import SB, TrainCfg, batch_size, build_model, fit
from sharpnb.runs import train_run
from sharpnb.instruments import InstrumentCfg, Instruments

RESULTS = Path(__file__).resolve().parents[1]/'nbs'/'paper'/'results'/'beyond'
GD_ETAS = (0.2, 0.05)             # full-batch GD step sizes: thresholds 2/η = 10 and 40 (λ_max at the start: about 20)
GD = dict(rows=2048, steps=300, every=10, test_rows=1000)
GD_MSE = dict(etas=(0.01, 0.02), steps=400)  # the squared loss of Cohen et al.'s Figure 1: λ_max at the start about 125; 2/η = 200, 100

def mse(out, y):
    "Half the squared error against one-hot targets, summed over the classes, averaged over the rows"
    import torch.nn.functional as F
    return 0.5 * ((out - F.one_hot(y, out.shape[1]).to(out)) ** 2).sum(1).mean()

def mse_step(model, opt, xb, yb):
    "A plain (GD) step on `mse`: fit's step seam"
    opt.zero_grad(set_to_none=True)
    loss = mse(model(xb), yb); loss.backward(); opt.step()
    return loss.detach()

def sb_lb(runs:Path, seeds=(0, 1)):
    "F1 SB and LB on every Fashion-MNIST row, 30 epochs (the paper profile's protocol), instruments once an epoch"
    for seed in seeds:
        for reg in ('SB', 'LB'):
            k = -(-60000 // batch_size(replace(SB, regime=reg), 60000))           # steps per epoch: one reading an epoch
            cfg = TrainCfg(net='F1', data='fashion-mnist', regime=reg, n_epochs=30, seed=seed, save_every=3, device='cpu', instruments=k)
            name = f'F1-fashion-mnist-{reg}-s{seed}'
            dst = RESULTS/f'{name}.json'
            if dst.exists(): print(f'{name}: done'); continue
            res = train_run(cfg, runs/name, resume=True, log=print)
            save_json(dict(kind='instruments', name=name, cfg=cfg_dict(cfg), result=res, history=load_json(runs/name/'history.json'),
                           weights=load_json(runs/name/'weights.json')['final']), dst)
            print(f'{name} -> {dst}')
        for reg in ('SB', 'LB'): final_check(runs, f'F1-fashion-mnist-{reg}-s{seed}')

def final_check(runs:Path, name:str):
    "At the end of a run: λ_max(H) and λ_max(P⁻¹H) by Lanczos from a cold random start to 1e-4 (a check of the warm-started readings), and φ(1e-3)"
    import torch
    from sharpnb.core import safe_torch_load
    from sharpnb.runs import load_run, measure_sharpness
    from sharpnb.train import make_opt
    from sharpnb.curvature import lanczos_eigs
    from sharpnb.instruments import adam_precond
    dst = RESULTS/f'{name}.json'; d = load_json(dst)
    if 'final_check' in d: print(f'{name}: checked'); return
    t0 = time.perf_counter()
    model, data, cfg = load_run(runs/name, 'final', 'cpu')
    opt = make_opt(model, cfg); opt.load_state_dict(safe_torch_load(runs/name/'last.pt')['opt'])   # P of the last step
    ins = Instruments(InstrumentCfg(every=cfg.instruments)).bind(model, opt, data.x_train, data.y_train, data.prep)
    H = ins.fh.hvp_at(ins.fh.w0)
    e1 = lanczos_eigs(H, ins.fh.n, k=1, tol=1e-4, maxiter=300, seed=1, like=ins.fh.w0)
    dP = adam_precond(opt, ins.params).rsqrt().to(ins.fh.w0)
    e2 = lanczos_eigs(lambda v: dP * H(dP * v), ins.fh.n, k=1, tol=1e-4, maxiter=300, seed=1, like=ins.fh.w0)
    sh = measure_sharpness(runs/name, model, data, eps=(1e-3,), bn='batch')
    d['final_check'] = dict(lam=float(e1.evals[0]), lam_conv=bool(e1.converged), lam_hvp=e1.n_hvp,
                            lam_pre=float(e2.evals[0]), pre_conv=bool(e2.converged), pre_hvp=e2.n_hvp,
                            rows=ins.fh.rows, sharpness=sh, provenance=provenance('cpu', seconds=time.perf_counter() - t0))
    save_json(d, dst); print(f"{name}: cold λ {d['final_check']['lam']:.3f}, λ(P⁻¹H) {d['final_check']['lam_pre']:.0f}")

def gd(eta:float, loss:str='ce', steps:int|None=None):
    "Full-batch gradient descent (no momentum) of F1 on 2,048 Fashion-MNIST rows: the instruments read the very objective GD descends"
    name = f'F1-fashion-mnist-GD-lr{eta:g}' + ('' if loss == 'ce' else f'-{loss}')
    dst = RESULTS/f'{name}.json'
    if dst.exists(): print(f'{name}: done'); return
    n = GD['rows']
    cfg = TrainCfg(net='F1', data='fashion-mnist', bs=n, n_epochs=steps or GD['steps'], opt='sgd', momentum=0., lr=eta, subset=n,
                   test_subset=GD['test_rows'], seed=0, device='cpu')
    data = load_data('fashion-mnist', None, 'cpu', n, GD['test_rows'], seed=0)
    ic = InstrumentCfg(every=GD['every'], rows=n, small=n, hess_rows=n)   # one chunk: BN over the whole batch, as GD trains
    model, t0 = build_model(cfg, data), time.perf_counter()
    kw = {} if loss == 'ce' else dict(step=mse_step)                   # cross-entropy (fit's own step) or the squared loss
    h = fit(model, data, cfg, instruments=Instruments(ic, loss_fn=None if loss == 'ce' else mse), progress=False, **kw,
            log=lambda s: print(s) if ' epoch ' in s and int(s.split(' epoch ')[1].split('/')[0]) % 100 == 0 else None)
    save_json(dict(kind='instruments-gd', name=name, loss=loss, cfg=cfg_dict(cfg), instruments=vars(ic), history=h, weights=state_sha(model),
                   provenance=provenance('cpu', seconds=time.perf_counter() - t0)), dst)
    print(f'{name} -> {dst}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs', default='runs/beyond'); p.add_argument('--only', choices=['sb-lb', 'gd'])
    a = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        if a.only in (None, 'sb-lb'): sb_lb(Path(a.runs))
        if a.only in (None, 'gd'):
            for eta in GD_ETAS: gd(eta)
            for eta in GD_MSE['etas']: gd(eta, 'mse', GD_MSE['steps'])
    except SharpnbError as e: sys.exit(f'error: {e}')
