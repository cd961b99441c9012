"""Run the paper notebooks (nbs/paper/*.ipynb) from the committed results, and keep their outputs.

The paper notebooks are committed *with* their outputs, so that a reader who opens one in JupyterLab
or on a code host sees every table and figure without running anything. Their cells read only the
committed results (nbs/paper/results/); the cells that recompute a result are flagged `slow` and
skipped here, as in nbdev-test.

    python tools/paper_nbs.py                # execute each notebook in place and save its outputs (then run nbdev-clean)
    python tools/paper_nbs.py --check        # execute copies and compare their text outputs with the committed ones
    python tools/paper_nbs.py 12_sharpness   # only the notebooks whose names contain one of these words
"""
import argparse, re, shutil, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT/'nbs'/'paper'
SKIP = re.compile(r'^\s*#\|\s*(slow|gpu)\s*$', re.M)

def run(path:Path)->object:
    "Execute the notebook at `path` in its own folder (cells flagged slow/gpu skipped); returns the executed notebook"
    from fastcore.nbio import read_nb
    from execnb.shell import CaptureShell
    nb = read_nb(path)
    from fastcore.xtras import working_directory
    import matplotlib.pyplot as plt
    plt.close('all')                     # a figure left open by other code in this process would be shown by the first plt.show()
    k = CaptureShell(path, mpl_format='png')
    with working_directory(path.parent):
        k.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or bool(SKIP.search(c.source)))
    return nb

def texts(nb)->list:
    "The text a reader sees of each code cell: stdout, Markdown and plain-text results (stderr and images left out)"
    out = []
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        t = []
        for o in c.get('outputs', []):
            if o['output_type'] == 'stream' and o.get('name') == 'stdout': t.append(''.join(o['text']))
            elif o['output_type'] in ('execute_result', 'display_data'):
                d = o.get('data', {}); v = d.get('text/markdown', d.get('text/plain', ''))
                t.append(v if isinstance(v, str) else ''.join(v))
            elif o['output_type'] == 'error': t.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
        out.append((c['source'] if isinstance(c['source'], str) else ''.join(c['source']), ''.join(t)))
    return out

def check(paths)->list:
    "Re-run copies of `paths` (with the committed results beside them); the cells whose text output differs from the committed one"
    from fastcore.nbio import read_nb
    bad = []
    with tempfile.TemporaryDirectory() as d:
        shutil.copytree(PAPER, Path(d)/'paper', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
        for p in paths:
            new, old = texts(run(Path(d)/'paper'/p.name)), texts(read_nb(p))
            for (src, a), (_, b) in zip(old, new):
                if a != b: bad.append((p.name, src.splitlines()[0] if src else '', a, b))
            if len(old) != len(new): bad.append((p.name, 'number of code cells', str(len(old)), str(len(new))))
    return bad

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument('--check', action='store_true'); ap.add_argument('names', nargs='*')
    a = ap.parse_args()
    paths = [p for p in sorted(PAPER.glob('*.ipynb')) if not a.names or any(n in p.name for n in a.names)]
    if a.check:
        bad = check(paths)
        for name, first, old, new in bad: print(f"{name}: the cell starting {first!r} printed\n{new}\nbut the committed output is\n{old}\n")
        sys.exit(f"{len(bad)} cell(s) differ: run python tools/paper_nbs.py and nbdev-clean, and commit" if bad else 0)
    from fastcore.nbio import write_nb
    for p in paths:
        write_nb(run(p), p); print(f'executed {p.relative_to(ROOT)}')

if __name__ == '__main__': main()
