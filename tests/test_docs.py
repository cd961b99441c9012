"""The offline docs site in headless Chromium: every page loads, every figure renders, math renders offline, no internal link is broken.

tools/test.sh builds the site (python tools/docs.py) before pytest runs; if it is missing this test
builds it without re-executing the notebooks."""
import functools, http.server, json, shutil, subprocess, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urlparse
import pytest
from conftest import ROOT

DOCS = ROOT/'_docs'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

@pytest.fixture(scope='module')
def site():
    if not (DOCS/'pages.json').exists():
        subprocess.run([sys.executable, str(ROOT/'tools'/'docs.py'), '--no-exec'], check=True, cwd=ROOT)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(DOCS))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}/', json.loads((DOCS/'pages.json').read_text())
    srv.shutdown()

def test_pages_cover_every_notebook(site):
    _, pages = site
    # as nbdev: a file or folder whose name starts with '_' or '.' is not a page (nbs/paper/_drafts holds notebooks awaiting results)
    nbs = {p.name for p in (ROOT/'nbs').rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(ROOT/'nbs').parts)}
    assert {p['src'] for p in pages} == nbs

@pytest.mark.skipif(CHROMIUM is None, reason='Debian chromium is not installed (tools/test.sh installs it as root)')
def test_site_in_chromium(site):
    pw = pytest.importorskip('playwright.sync_api')
    base, pages = site
    problems, n_img = [], 0
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync'])
        page = browser.new_page()
        page.route('**/*', lambda r: r.abort() if not r.request.url.startswith(base) else r.continue_())  # offline: local only
        for info in pages:
            url = urljoin(base, info['page'])
            resp = page.goto(url, wait_until='load')
            if resp is None or not resp.ok: problems.append(f'{info["page"]}: HTTP {resp and resp.status}'); continue
            if page.locator('#sharpnb-nav a').count() < len(pages) - 0: problems.append(f'{info["page"]}: navigation incomplete')
            if info['src'] == '05_sharpness.ipynb':   # math-heavy page: MathJax is bundled, so it typesets without a network
                n_math = page.evaluate("window.MathJax ? new Promise(r => MathJax.Hub.Queue(() => r(document.querySelectorAll('.MathJax, .MathJax_CHTML, .MathJax_SVG').length))) : -1")
                if n_math <= 0: problems.append(f'{info["page"]}: math not typeset (MathJax {"missing" if n_math < 0 else "rendered nothing"})')
            imgs = page.evaluate("Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.src.slice(0, 40)])")
            n_img += len(imgs)
            problems += [f'{info["page"]}: image not rendered {src}' for ok, src in imgs if not ok]
            hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
            for h in hrefs:
                if not h.startswith(base): continue
                target = h.split('#')[0]
                r = page.request.get(target)
                if not r.ok: problems.append(f'{info["page"]}: broken link {h} ({r.status})')
        browser.close()
    assert not problems, '\n'.join(problems)
    assert n_img >= 1, 'the site shows no figure at all'
