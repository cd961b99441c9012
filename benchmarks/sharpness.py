"""Benchmark: Metric 2.1 with sharpnb against the way a typical user writes it, on the same problem, in one run.

The problem: full-space ε-sharpness (ε = 1e-3, 10 L-BFGS-B iterations, BN running statistics) of a
trained F1 (the `cpu` profile's LB run of seed 0, or any run given with --run) on a seeded stratified
subset of its training rows. Three implementations, alternated after a warm-up, median of --reps:
- naive: `scipy.optimize.minimize(method='L-BFGS-B', bounds=Bounds(...))` with a DataLoader objective
  and `.item()` per batch (`sharpnb.sharpness.naive_sharpness`);
- scipy: sharpnb's objective (device-resident chunks, one sync) with SciPy's `minimize` driver;
- fast: sharpnb's objective with the vectorised-bounds L-BFGS-B driver (the default).
The answers are checked to agree before the times are compared.

    python benchmarks/sharpness.py [--run RUN_DIR] [--rows 2000] [--reps 3]
"""
import argparse, json, statistics, sys, time
from pathlib import Path
import torch
from sharpnb.core import provenance, save_json
from sharpnb.data import stratified_subset
from sharpnb.train import load_run
from sharpnb.sharpness import model_sharpness, naive_sharpness

ap = argparse.ArgumentParser()
ap.add_argument('--run', default='runs/reproduce-cpu/F1-fashion-mnist-LB-s0')
ap.add_argument('--rows', type=int, default=2000)
ap.add_argument('--reps', type=int, default=3)
ap.add_argument('--out', default='benchmarks/results/sharpness-cpu.json')
a = ap.parse_args()

model, data, cfg = load_run(a.run, device='cpu')
i = stratified_subset(data.y_train, a.rows, 0)
x, y = data.x_train[i], data.y_train[i]
impl = {
    'naive': lambda: naive_sharpness(model, x, y, eps=1e-3, bs=1000, maxiter=10, bn='running', prep=data.prep),
    'scipy': lambda: model_sharpness(model, x, y, eps=[1e-3], prep=data.prep, method='scipy')['results'][0]['phi'],
    'fast':  lambda: model_sharpness(model, x, y, eps=[1e-3], prep=data.prep, method='fast')['results'][0]['phi'],
}
times, phis = {k: [] for k in impl}, {}
for k, f in impl.items(): phis[k] = f()                    # warm-up, and the answers
for r in range(a.reps):
    for k, f in impl.items():
        t = time.perf_counter(); f(); times[k].append(time.perf_counter() - t)
        print(f'rep {r}: {k:5s} {times[k][-1]:7.2f}s', flush=True)
ok = all(abs(phis[k] - phis['fast']) <= 1e-3 * max(1., abs(phis['fast'])) or phis[k] <= phis['fast'] for k in phis)
med = {k: statistics.median(v) for k, v in times.items()}
res = dict(problem=dict(run=a.run, rows=a.rows, n=sum(p.numel() for p in model.parameters() if p.requires_grad), eps=1e-3,
                        maxiter=10, bn='running'), phi=phis, answers_agree=ok, seconds=times, median=med,
           ratio=dict(naive_over_fast=med['naive'] / med['fast'], scipy_over_fast=med['scipy'] / med['fast']),
           provenance=provenance('cpu'))
save_json(res, a.out)
print(json.dumps({k: res[k] for k in ('phi', 'answers_agree', 'median', 'ratio')}, indent=1))
sys.exit(0 if ok else 1)
