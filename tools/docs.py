"""Build the docs site offline, without Quarto.

nbdev-proc-nbs renders each notebook for the docs (frontmatter, show_doc API docs) into _proc/;
each processed notebook is then executed (cells flagged slow/gpu skipped, exactly as nbdev-test does: this is the test command's one run of the notebooks' tests)
so that every figure is current, and Jupyter's nbconvert HTML exporter writes it to _docs/ with a
navigation sidebar. MathJax 2 is bundled from the jupyter-server-mathjax package, so math renders
without a network. Quarto users get the same pages from `nbdev-docs` with _quarto.yml.

    python tools/docs.py            # build into _docs/
    python tools/docs.py --no-exec  # convert without re-executing (faster; figures as committed)
"""
import argparse, html, json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROC, DOCS = ROOT/'_proc', ROOT/'_docs'

def frontmatter(nb):
    "title, description and output file from the raw frontmatter cell nbdev-proc-nbs writes"
    fm = {}
    c = nb.cells[0] if nb.cells else None
    if c is not None and c.cell_type == 'raw' and c.source.startswith('---'):
        import yaml
        fm = yaml.safe_load(c.source.strip('-\n')) or {}
        nb.cells = nb.cells[1:]
    return fm

def bundle_mathjax():
    "Copy MathJax 2 into _docs/mathjax; returns its URL relative to the site root (None: package missing, math falls back to the CDN)"
    try: import jupyter_server_mathjax
    except ImportError:
        print('docs: jupyter-server-mathjax is not installed; math will need a network (pip install jupyter-server-mathjax)'); return None
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent/'static', DOCS/'mathjax')
    return 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe'

def page_name(nb_path:Path, fm:dict)->str:
    rel = nb_path.relative_to(PROC).with_suffix('.html')
    return str(rel.parent/fm['output-file']) if fm.get('output-file') else str(rel)

DIRECTIVE = re.compile(r'^\s*#\|.*$\n?', re.M)

def prepare(nb):
    "Hide inputs of `echo: false` cells, strip directive comments, drop empty code cells"
    keep, std = [], {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}
    for c in nb.cells:
        for k in [k for k in c if k not in std]: del c[k]
        c.metadata.pop('execution', None)
        if c.cell_type == 'code': c.setdefault('outputs', []); c.setdefault('execution_count', None)
        if c.cell_type == 'code':
            echo_false = re.search(r'^\s*#\|\s*echo:\s*false', c.source, re.M)
            c.source = DIRECTIVE.sub('', c.source).strip()
            if echo_false: c.metadata.setdefault('tags', []).append('remove_input')
            if not c.source and not c.get('outputs'): continue
        keep.append(c)
    nb.cells = keep
    return nb

CSS = """
body{margin:0;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
#sharpnb-nav{position:fixed;top:0;left:0;bottom:0;width:230px;overflow-y:auto;background:#f6f8fa;border-right:1px solid #ddd;padding:14px;font-size:14px}
#sharpnb-nav a{display:block;padding:3px 0;color:#0b57d0;text-decoration:none}#sharpnb-nav a.here{font-weight:bold;color:#000}
#sharpnb-nav h3{margin:14px 0 4px;font-size:13px;text-transform:uppercase;color:#555}
#sharpnb-main{margin-left:260px;max-width:1000px;padding:10px 20px}
.sharpnb-desc{font-style:italic;font-size:120%;opacity:.75;margin-bottom:1em}
"""

def nav_html(pages, here):
    out, section = ['<nav id="sharpnb-nav"><a href="{}index.html"><b>sharpnb</b></a>'.format('../' * here.count('/'))], None
    for p in pages:
        sec = ('Reproducing the paper' if p['page'].startswith('paper/') else 'Performance' if p['src'] == 'benchmarks.ipynb'
               else 'Guide' if p['page'] == 'measure_your_model.html' else 'Library')
        if p['page'] == 'index.html': continue
        if sec != section: out.append(f'<h3>{sec}</h3>'); section = sec
        href = '../' * here.count('/') + p['page']
        cls = ' class="here"' if p['page'] == here else ''
        out.append(f'<a href="{href}"{cls}>{html.escape(p["title"])}</a>')
    return '\n'.join(out + ['</nav>'])

def fix_links(body, here, mapping):
    "Rewrite links to notebooks (.ipynb) into links to their pages"
    def sub(m):
        target = m.group(2)
        base = target.split('#')[0]
        frag = target[len(base):]
        name = Path(base).name
        if name in mapping:
            return f'{m.group(1)}{"../" * here.count("/")}{mapping[name]}{frag}"'
        return m.group(0)
    return re.sub(r'(href=")([^"]+?\.ipynb(?:#[^"]*)?)"', sub, body)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--no-exec', action='store_true'); a = ap.parse_args()
    import nbformat
    from nbconvert import HTMLExporter
    EXEC = ROOT/'_exec'
    if not a.no_exec:
        # Execute a copy of nbs/ (hidden test cells included, slow/gpu cells skipped, exactly as nbdev-test),
        # then graft the outputs onto the processed notebooks by cell id.
        if EXEC.exists(): shutil.rmtree(EXEC)
        shutil.copytree(ROOT/'nbs', EXEC, ignore=shutil.ignore_patterns('_*', '.ipynb_checkpoints'))
        from nbdev.test import test_nb
        import torch
        failed, threads = [], torch.get_num_threads()
        for p in sorted(EXEC.rglob('*.ipynb')):
            torch.set_num_threads(threads)     # as in a fresh kernel: a notebook that pins one thread does not pin the next
            ok, secs = test_nb(p, skip_flags=['slow', 'gpu'], save=True, basepath=ROOT)
            print(f'executed {p.relative_to(EXEC)} in {secs:.1f}s' + ('' if ok else '  FAILED'), flush=True)
            if not ok: failed.append(p)
        if failed: sys.exit(f'docs: {len(failed)} notebook(s) failed to execute: {[str(f) for f in failed]}')
    if PROC.exists(): shutil.rmtree(PROC)
    subprocess.run([str(Path(sys.executable).parent/'nbdev-proc-nbs')], cwd=ROOT, check=True, capture_output=True)
    for f in (ROOT/'nbs').rglob('*'):            # data the notebooks read (e.g. paper/results/*.json)
        rel = f.relative_to(ROOT/'nbs')
        if f.is_file() and f.suffix != '.ipynb' and not rel.parts[0].startswith(('_', '.')):
            (PROC/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, PROC/rel)
    nbs = sorted(p for p in PROC.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
    if not a.no_exec:
        for p in nbs:
            src = EXEC/p.relative_to(PROC)
            if not src.exists(): continue
            done = {c.get('id'): c.get('outputs', []) for c in nbformat.read(src, as_version=4).cells if c.cell_type == 'code'}
            nb = nbformat.read(p, as_version=4)
            for c in nb.cells:
                if c.cell_type == 'code' and not c.get('outputs') and done.get(c.get('id')): c.outputs = done[c.get('id')]
            nbformat.write(nb, p)
    pages, loaded = [], []
    for p in nbs:
        nb = nbformat.read(p, as_version=4)
        fm = frontmatter(nb)
        page = page_name(p, fm)
        pages.append(dict(page=page, title=fm.get('title') or p.stem, desc=fm.get('description', ''), src=p.name))
        loaded.append((p, nb, pages[-1]))
    pages.sort(key=lambda q: (q['page'] != 'index.html', q['page'] != 'measure_your_model.html', q['page'].startswith('paper/'), q['src']))   # the guide right after the home page
    mapping = {q['src']: q['page'] for q in pages}
    if DOCS.exists(): shutil.rmtree(DOCS)
    exp = HTMLExporter(template_name='lab')
    exp.exclude_input_prompt = exp.exclude_output_prompt = True
    from nbconvert.preprocessors import TagRemovePreprocessor
    exp.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    mathjax = bundle_mathjax()
    for p, nb, info in loaded:
        nb = prepare(nb)
        here = info['page']
        if mathjax: exp.mathjax_url = '../' * here.count('/') + mathjax
        body, _ = exp.from_notebook_node(nb)
        head = f'<h1>{html.escape(info["title"])}</h1>' + (f'<div class="sharpnb-desc">{html.escape(info["desc"])}</div>' if info['desc'] else '')
        body = body.replace('<title>Notebook</title>', f'<title>{html.escape(info["title"])} – sharpnb</title>')
        body = body.replace('</head>', f'<style>{CSS}</style></head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav_html(pages, here) + '<main id="sharpnb-main">' + head, body, count=1)
        body = body.replace('</body>', '</main></body>')
        body = fix_links(body, here, mapping)
        body = re.sub(r'\{target=(&quot;|")_blank(&quot;|")[^}]*\}', '', body)   # Quarto link attributes from show_doc
        out = DOCS/here; out.parent.mkdir(parents=True, exist_ok=True); out.write_text(body)
    (DOCS/'pages.json').write_text(json.dumps(pages, indent=1))
    print(f'docs: {len(pages)} pages in {DOCS}')

if __name__ == '__main__': main()
