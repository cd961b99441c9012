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
