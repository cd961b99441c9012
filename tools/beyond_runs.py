"""The runs of paper notebook 21 ("Why does sharpness stop rising?"), resumable: F1 on all 60,000 Fashion-MNIST rows at SB and LB
(seeds 0, 1; the paper profile's 30 epochs) with the training instruments read once an epoch, and a small full-batch gradient descent
run of F1 (the edge-of-stability check). Each finished run is written to nbs/paper/results/beyond/ with its provenance.

    python tools/beyond_runs.py [--runs runs/beyond] [--only sb-lb|gd]
    python tools/beyond_runs.py --only gd-tanh --device cuda [--results DIR] [--steps N]   # the harder GD check (a GPU's work)

The harder GD check (`gd-tanh`) follows Cohen et al. 2021's fully connected tanh network (two hidden layers of 200, no BatchNorm)
trained by full-batch gradient descent on the squared loss, here on 5,000 Fashion-MNIST rows, with λ_max read by the instruments
every 20 steps: does λ_max rise to 2/η (progressive sharpening) and hover there (the edge of stability)?
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

GD_TANH = dict(rows=5000, steps=10000, every=20, etas=(0.08, 0.04, 0.02))   # 2/η = 25, 50, 100

def fc_tanh(seed:int=0):
    "Cohen et al.'s fc-tanh: 784-200-200-10, tanh, no BatchNorm (PyTorch's default initialisation, seeded)"
    import torch
    from torch import nn
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.Tanh(), nn.Linear(200, 200), nn.Tanh(), nn.Linear(200, 10))

def gd_tanh(eta:float, device:str='cpu', rows:int|None=None, steps:int|None=None, every:int|None=None, root=None, results:Path=RESULTS):
    "Full-batch GD of fc-tanh on the squared loss: the training loss and λ_max (warm Lanczos) every `every` steps, beside 2/η"
    import torch
    rows, steps, every = rows or GD_TANH['rows'], steps or GD_TANH['steps'], every or GD_TANH['every']
    name = f'fc-tanh-fashion-mnist-GD-lr{eta:g}-mse-{rows}rows'
    dst = results/f'{name}.json'
    if dst.exists(): print(f'{name}: done'); return
    data = load_data('fashion-mnist', root, device, rows, 1000, seed=0, download=False)
    x, y = data.prep(data.x_train), data.y_train
    model = fc_tanh().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=eta, momentum=0.)
    ins = Instruments(InstrumentCfg(every=every, rows=rows, small=rows, hess_rows=rows, maxiter=30, tol=1e-3), loss_fn=mse)
    ins.bind(model, opt, data.x_train, y, data.prep); ins.read()            # a first reading at step 0
    t0 = time.perf_counter()
    for t in range(steps):
        opt.zero_grad(set_to_none=True)
        mse(model(x), y).backward(); opt.step(); ins.after_step()
        if not torch.isfinite(torch.as_tensor(ins.last['f'])): print(f'{name}: diverged at step {ins.step}'); break
    R = ins.take()
    with torch.no_grad():
        acc = lambda xs, ys: float((model(data.prep(xs)).argmax(1) == ys).float().mean())
        final = dict(train_acc=acc(data.x_train, y), test_acc=acc(data.x_test, data.y_test))
    lam = [r['lam'] for r in R]
    save_json(dict(kind='instruments-gd-tanh', name=name, net='fc-tanh 784-200-200-10 (no BatchNorm)', data='fashion-mnist', rows=rows,
                   loss='mse (half the squared error to one-hot targets, summed over classes, mean over rows)', eta=eta, threshold=2 / eta,
                   steps=ins.step, instruments=vars(ins.cfg), readings=R, final=final, weights=state_sha(model),
                   provenance=provenance(device, seconds=time.perf_counter() - t0)), dst)
    print(f'{name}: λ_max {lam[0]:.1f} -> max {max(lam):.1f} -> {lam[-1]:.1f} (2/η = {2 / eta:g}); f {R[0]["f"]:.4f} -> {R[-1]["f"]:.4f}; '
          f'{final}; {time.perf_counter() - t0:.0f} s -> {dst}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs', default='runs/beyond'); p.add_argument('--only', choices=['sb-lb', 'gd', 'gd-tanh'])
    p.add_argument('--device', default='cpu'); p.add_argument('--results', default=str(RESULTS)); p.add_argument('--data-root')
    p.add_argument('--rows', type=int); p.add_argument('--steps', type=int); p.add_argument('--every', type=int)
    p.add_argument('--etas', type=float, nargs='+', default=GD_TANH['etas'])
    a = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        if a.only == 'gd-tanh':
            Path(a.results).mkdir(parents=True, exist_ok=True)
            for eta in a.etas: gd_tanh(eta, a.device, a.rows, a.steps, a.every, a.data_root, Path(a.results))
            sys.exit(0)
        if a.only in (None, 'sb-lb'): sb_lb(Path(a.runs))
        if a.only in (None, 'gd'):
            for eta in GD_ETAS: gd(eta)
            for eta in GD_MSE['etas']: gd(eta, 'mse', GD_MSE['steps'])
    except SharpnbError as e: sys.exit(f'error: {e}')
