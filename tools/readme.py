"Write README.md from nbs/index.ipynb (markdown cells verbatim), the way nbdev-readme would without Quarto."
import json, sys
from pathlib import Path
root = Path(__file__).resolve().parents[1]
def render():
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip()
        if c['cell_type'] == 'markdown': parts.append(src)
        elif src and not src.startswith('#|'): parts.append(f"```python\n{src}\n```")   # '#|' cells (figures) live in the docs only
    return '<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file -->\n\n' + '\n\n'.join(parts) + '\n'
if __name__ == '__main__':
    text = render()
    if '--check' in sys.argv:
        sys.exit(0 if (root/'README.md').read_text() == text else 'README.md is out of date: run python tools/readme.py')
    (root/'README.md').write_text(text)
