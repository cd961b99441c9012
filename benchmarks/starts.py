"""Where should Lanczos start? Random vs gradient (`sharpnb.curvature.start_vector`) on many trained F1 minimisers.

For every run directory given: the top Hessian eigenvalue of the full-batch loss (BN running statistics) on a
seeded stratified subset of its training rows, by `lanczos_eigs` at two tolerances from `seeds` random starts and
from the same seeds with the gradient added; and the top five by `top_eigs` (ARPACK) from one start of each kind.
Products and true relative errors (against ARPACK at tol 1e-8, ncv 24) are recorded, one run at a time, into a JSON
record with provenance (written atomically after every run, so an interrupted study keeps what it measured, and
--resume continues it; `parts` holds each invocation's provenance).

    python benchmarks/starts.py runs/reproduce-cpu/F1-* --out benchmarks/results/lanczos-starts.json

The benchmarks page (nbs/benchmarks.ipynb) shows the committed record.
"""
import argparse, sys, time
from pathlib import Path

import numpy as np
import torch

from sharpnb.core import SharpnbError, load_json, norm64, provenance, save_json
from sharpnb.curvature import start_study
from sharpnb.curvature import start_vector, top_eigs
from sharpnb.data import stratified_subset
from sharpnb.objective import FullBatch
from sharpnb.runs import load_run


def study(run_dir, rows=1000, tols=(1e-3, 1e-4), seeds=(0, 1, 2), data_root=None) -> dict:
    m, d, cfg = load_run(run_dir, device='cpu', data_root=data_root)
    i = stratified_subset(d.y_train, min(rows, d.n_train), 0)
    fb = FullBatch(m.eval(), d.x_train[i], d.y_train[i], bn='running', prep=d.prep)
    H = fb.hvp_at()                                             # one kept graph; H.grad is the gradient at the minimiser
    ref = top_eigs(H, fb.n, k=5, tol=1e-8, ncv=24, like=fb.w0, return_vecs=False)
    lam = ref.evals
    v0 = lambda kind, s: start_vector(fb.n, s, H.grad if kind == 'gradient' else None)
    out = dict(run=Path(run_dir).name, net=cfg.net, regime=cfg.regime, bs=load_json(Path(run_dir)/'config.json')['bs'], seed=cfg.seed, rows=len(i), n=fb.n,
               reference=lam.tolist(), reference_n_hvp=ref.n_hvp, grad_norm=norm64(H.grad), lanczos={}, arpack5={})
    for tol in tols:                                            # the hessian suite's own study, at each tolerance
        out['lanczos'].update({f'{tol:g}/{kind}': v for kind, v in start_study(H, fb.n, fb.w0, float(lam[0]), tol, seeds).items()})
    for kind in ('random', 'gradient'):
        e = top_eigs(H, fb.n, k=5, tol=1e-4, like=fb.w0, v0=v0(kind, 0), return_vecs=False)
        out['arpack5'][kind] = dict(n_hvp=e.n_hvp, max_rel_err=float(np.abs(e.evals - lam).max() / lam[0]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', help='run directories (sharpnb train outputs)')
    p.add_argument('--out', required=True, help='JSON record to write')
    p.add_argument('--rows', type=int, default=1000)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--data-root')
    p.add_argument('--force', action='store_true', help='replace an existing --out record')
    p.add_argument('--resume', action='store_true', help='keep the runs an interrupted --out record holds, study the rest')
    a = p.parse_args(argv)
    out = Path(a.out)
    if out.exists() and not (a.force or a.resume):
        print(f'{out} exists; --resume continues it, --force replaces it (nothing was run)', file=sys.stderr); return 2
    runs = [r for r in a.runs if (Path(r)/'config.json').exists()]
    if not runs: print('no run directories among the arguments', file=sys.stderr); return 2
    torch.set_num_threads(a.threads)
    rec = dict(what=__doc__.splitlines()[0], rows=a.rows, threads=a.threads, runs=[], parts=[])
    if a.resume and out.exists():
        rec = load_json(out); rec.setdefault('parts', [dict(rec.pop('provenance'), runs=len(rec['runs']))])
        if (rec['rows'], rec['threads']) != (a.rows, a.threads):
            print(f"{out} was made with --rows {rec['rows']} --threads {rec['threads']}", file=sys.stderr); return 2
    done = {r['run'] for r in rec['runs']}
    rec['parts'].append(None); t0 = time.perf_counter()   # one provenance per invocation (its git sha, its runs)
    try:
        for r in (r for r in runs if Path(r).name not in done):
            rec['runs'].append(study(r, a.rows, data_root=a.data_root))
            rec['parts'][-1] = dict(provenance('cpu', seconds=time.perf_counter() - t0), runs=len(rec['runs']) - len(done))
            rec['provenance'] = rec['parts'][-1]
            save_json(rec, out)
            print(f"{r}: {rec['runs'][-1]['reference'][0]:.4g}", flush=True)
    except SharpnbError as e:
        print(f'error: {e}', file=sys.stderr); return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
