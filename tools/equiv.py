"""The guard rail of the upper-half redesign (issue #15): the outputs of the study, of one reproduce artifact and of the
sharpness/hessian CLI, computed by the code in SRC, in one canonical JSON (provenance, times and paths removed).
`python tools/equiv.py SRC OUT.json` runs everything in a fresh interpreter on SRC's `sharpnb` package, one thread."""
import json, os, subprocess, sys, tempfile
from pathlib import Path

DROP = {'provenance', 'seconds', 'time', 'eig_seconds', 'trace_seconds', 'git_sha', 'wall', 'cpu_seconds',
        'source'}   # where the data's bytes were read: provenance (#27 item 5 made it the directory read), not a result

def canon(o):
    "`o` without timings, provenance and absolute paths (they differ between two runs of the same code)"
    if isinstance(o, dict): return {k: canon(v) for k, v in o.items() if k not in DROP and not k.endswith('seconds')}
    if isinstance(o, list): return [canon(v) for v in o]
    if isinstance(o, str) and o.startswith('/'): return Path(o).name
    return o

def cli(src, *args):
    "stdout of `sharpnb ARGS` run with the package in `src`"
    env = dict(os.environ, PYTHONPATH=str(src), OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONHASHSEED='0')
    code = "import sys; from sharpnb.cli import main; sys.argv = ['sharpnb'] + sys.argv[1:]; sys.exit(main())"
    p = subprocess.run([sys.executable, '-c', code, *args], env=env, capture_output=True, text=True, cwd=src)
    if p.returncode: raise SystemExit(f"sharpnb {' '.join(args)} failed in {src}:\n{p.stderr[-3000:]}")
    return p.stdout

def study_numbers(j:dict)->dict:
    "What a study measured, from its JSON in either shape: the pipeline's of #15 (runs, sharpness, parametric) or, since #29, the "
    "artifacts' of one seed of a profile (Table 2, Table 3, Figure 3): each run's accuracies and loss, φ at each ε, the parametric line"
    if 'runs' in j:                                            # the study's own pipeline (before #29), its 'tiny' profile
        r, ph = j['runs'], j['sharpness']['batch']
        return dict(acc={g: [100 * r[g]['train_acc'], 100 * r[g]['test_acc'], r[g]['train_loss']] for g in ('SB', 'LB')},
                    phi={g: ph[g]['phi'] for g in ('SB', 'LB')}, line={k: j['parametric'][k] for k in ('alphas', 'train_loss', 'test_loss')})
    t2, ph, line = j['results']['table2'], j['results']['table3']['phi']['batch'], j['results']['fig3']['recompute']
    return dict(acc={g: [t2[f'train_{g}']['values'][0], t2[f'test_{g}']['values'][0], t2['train_loss'][g]['values'][0]] for g in ('SB', 'LB')},
                phi={g: {str(float(e)): ph[f'{g}/{e:g}']['values'][0] for e in j['results']['table3']['eps']} for g in ('SB', 'LB')},
                line={k: line[k] for k in ('alphas', 'train_loss', 'test_loss')})

def outputs(src, tmp)->dict:
    src, tmp = Path(src).resolve(), Path(tmp).resolve()
    out = {}
    old = 'STUDY_PROFILES' in (src/'sharpnb'/'study.py').read_text()    # the study's own profiles (before #29): 'tiny' was 'quick''s size
    study = json.loads(cli(src, 'study', '--profile', 'tiny' if old else 'quick', '--json', '--out', str(tmp/'study'), '--device', 'cpu'))
    out['study'] = study_numbers(study)
    out['reproduce'] = json.loads(cli(src, 'reproduce', 'table3', '--profile', 'quick', '--json', '--results', str(tmp/'res'),
                                      '--runs', str(tmp/'runs'), '--device', 'cpu'))
    run = tmp/'study'/('LB' if old else 'runs/F1-fashion-mnist-LB-s0')
    # --bn running: the default of both commands before #29 made it RUN_BN ('batch'); the guard compares one configuration
    out['sharpness'] = json.loads(cli(src, 'sharpness', str(run), '--json', '--subset', '500', '--maxiter', '3', '--device', 'cpu', '--bn', 'running'))
    out['hessian'] = json.loads(cli(src, 'hessian', str(run), '--json', '--subset', '500', '--k', '2', '--trace-samples', '4', '--device', 'cpu',
                                    '--bn', 'running'))
    for f in ('sharpness.json', 'hessian.json'):   # the CLI's entries (the old study also cached its own φ in the run directory)
        out[f] = {k: v for k, v in json.loads((run/f).read_text()).items() if 'sub500' in k or f == 'hessian.json'}
    return canon(out)

def _no_cost(o):
    if isinstance(o, dict): return {k: _no_cost(v) for k, v in o.items() if k != 'cost'}
    if isinstance(o, list): return [_no_cost(v) for v in o]
    return o

def artifacts(src, tmp, names=('table2', 'fig3', 'fig5', 'fig6'))->dict:
    "`reproduce NAME --profile quick` for each of `names` with the code in `src`: each result, what it rests on (its work, by kind, and any "
    "weights mismatch), and the ledger they leave (costs removed: they are times)"
    src, tmp = Path(src).resolve(), Path(tmp).resolve()
    out = {}
    for a in names:
        cli(src, 'reproduce', a, '--profile', 'quick', '--results', str(tmp/'res'), '--runs', str(tmp/'runs'), '--device', 'cpu', '--quiet')
        j = json.loads((tmp/'res'/f'{a}-quick.json').read_text()); pv = j['provenance']
        out[a] = dict(result=canon(j['result']), work_items=pv['work_items'], mismatch=pv['weights_mismatch'],
                      work={k: (v['n'], v['cpu_unrecorded']) for k, v in pv['work'].items()})
    out['ledger'] = {f.name: _no_cost(canon(json.loads(f.read_text()))) for f in sorted((tmp/'res'/'ledger-quick').glob('*.json'))}
    return out

if __name__ == '__main__':
    src, dst = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as t: res = outputs(src, t)
    Path(dst).write_text(json.dumps(res, indent=1, sort_keys=True))
