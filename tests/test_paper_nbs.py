"The paper notebooks are committed with their outputs: re-running each from the committed results reproduces its text"
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import paper_nbs

@pytest.mark.parametrize('path', sorted(paper_nbs.PAPER.glob('*.ipynb')), ids=lambda p: p.stem)
def test_outputs_current(path):
    "Every code cell prints what its committed output says (tables, numbers and prose read from the results)"
    bad = paper_nbs.check([path])
    assert not bad, '\n\n'.join(f"{first!r}:\n--- committed\n{old}\n--- re-run\n{new}" for _, first, old, new in bad)

def _scope(node)->tuple:
    "(names `node`'s scope sets, names it reads from outside): a function's, lambda's or comprehension's own names stay inside it"
    import ast
    stored, loaded = set(), set()
    def visit(n):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): stored.add(n.name)
        if n is not node and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            s, l = _scope(n); loaded.update(l - s); return
        if isinstance(n, ast.Name): (stored if isinstance(n.ctx, (ast.Store, ast.Del)) else loaded).add(n.id)
        elif isinstance(n, ast.arg): stored.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)): stored.update((a.asname or a.name).split('.')[0] for a in n.names)
        for c in ast.iter_child_nodes(n): visit(c)
    for c in ast.iter_child_nodes(node): visit(c)
    return stored, loaded

def _names(src:str)->tuple:
    "(names a cell sets at its top level, names it reads from outside itself), cell magics dropped"
    import ast
    return _scope(ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))))

def prose_leaks(cells:list)->list:
    """(cell index, name) for every name a computed prose cell (`#| echo: false`) reads but does not set itself, while two or more
    cells of the notebook set it: such a cell reads whichever network's or profile's value ran last (notebook 11 once stated C1's gap as F1's)"""
    parsed = [_names(src) for _, src in cells]
    setters = {}
    for i, (stored, _) in enumerate(parsed):
        for n in stored: setters.setdefault(n, []).append(i)
    return [(i, n) for i, ((kind, src), (stored, loaded)) in enumerate(zip(cells, parsed))
            if kind == 'prose' for n in sorted(loaded - stored) if len(setters.get(n, [])) > 1]

def _cells(path):
    import json, re
    nb = json.loads(Path(path).read_text())
    return [('prose' if re.search(r'^#\|\s*echo:\s*false', ''.join(c['source']), re.M) else 'code', ''.join(c['source']))
            for c in nb['cells'] if c['cell_type'] == 'code']

def test_prose_leak_detector():
    "The check sees notebook 11's old error: a prose cell reading `g` after a C1 cell reassigned it; a prose cell that re-reads its row passes"
    bad = [('code', "g = r['gap']"), ('prose', "g = c['gap']; resolved = g['mean'] > 0"), ('prose', "Markdown(f\"{g['mean']} {resolved}\")")]
    assert prose_leaks(bad) == [(2, 'g')]                      # `resolved` is set once: reading it is not ambiguous
    good = [('code', "g = r['gap']"), ('prose', "gc = c['gap']"), ('prose', "gf = res['result']['F1/x']['gap']; Markdown(str(gf))")]
    assert prose_leaks(good) == []

@pytest.mark.parametrize('path', sorted(paper_nbs.PAPER.glob('*.ipynb')), ids=lambda p: p.stem)
def test_prose_reads_its_own_numbers(path):
    "No computed prose cell reads a name that two cells of its notebook set (the value of another network or profile may be the one it gets)"
    assert not prose_leaks(_cells(path)), prose_leaks(_cells(path))
