import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
FMNIST = Path('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')
CACHE = Path.home()/'.cache'/'sharpnb'/'data'/'FashionMNIST'

needs_fmnist = pytest.mark.skipif(not (FMNIST.exists() or CACHE.exists()),
                                  reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")

def sharpnb(*args, timeout=600, check=None, **kw):
    "Run the `sharpnb` console script; returns CompletedProcess (text)"
    exe = Path(sys.executable).parent/'sharpnb'
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ['-m', 'sharpnb.cli']), *map(str, args)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check is not None: assert r.returncode == check, f"rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r
