"The package reads as its layers (issue #15): every import inside sharpnb/ points down, no module takes another's private names, no function is long."
import ast
from pathlib import Path
from conftest import ROOT

MODS = {f.stem: ast.parse(f.read_text()) for f in sorted((ROOT/'sharpnb').glob('*.py')) if not f.stem.startswith('_')}

def _imports(tree)->list:
    "(module imported, names, line) for every sharpnb import in `tree`, at the top or inside a function"
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module and not n.module.startswith('_'):
            out.append((n.module, [a.name for a in n.names], n.lineno))
        elif isinstance(n, ast.ImportFrom) and n.level == 0 and (n.module or '').startswith('sharpnb.'):
            out.append((n.module.split('.')[1], [a.name for a in n.names], n.lineno))
    return out

def _cycle(graph:dict):
    "One import cycle of `graph` as a list of modules, or None"
    state, stack = {}, []
    def visit(v):
        state[v] = 1; stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1: return stack[stack.index(w):] + [w]
            if w not in state and (c := visit(w)): return c
        state[v] = 2; stack.pop()
    for v in sorted(graph):
        if v not in state and (c := visit(v)): return c

def test_cycle_finder_finds_a_cycle():
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a'] and _cycle({'a': {'b'}, 'b': set()}) is None

def test_no_import_cycle():
    graph = {m: {t for t, _, _ in _imports(tree) if t in MODS and t != m} for m, tree in MODS.items()}
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"

def test_no_private_name_crosses_a_module():
    bad = [(m, t, n, line) for m, tree in MODS.items() for t, names, line in _imports(tree) for n in names if n.startswith('_')]
    assert not bad, bad

def test_no_long_function():
    long = [(m, n.name, n.end_lineno - n.lineno + 1) for m, tree in MODS.items() for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 60]
    assert not long, long
