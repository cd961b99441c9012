"Kill a real training process mid-way, resume it, and get exactly the uninterrupted run's weights (CPU)."
import os, signal, subprocess, sys, time, json
from pathlib import Path
import torch
from conftest import sharpnb, needs_fmnist

@needs_fmnist
def test_resume_after_kill_equals_uninterrupted(tmp_path):
    args = ['train', '--net', 'F1', '--data', 'fashion-mnist', '--subset', '3000', '--test-subset', '500',
            '--epochs', '6', '--device', 'cpu', '--quiet', '--seed', '3']
    sharpnb(*args, '--out', tmp_path/'a', check=0)
    exe = Path(sys.executable).parent/'sharpnb'
    p = subprocess.Popen([str(exe), *args, '--out', str(tmp_path/'b')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hist, t0 = tmp_path/'b'/'history.json', time.time()
    while time.time() - t0 < 300:
        if hist.exists() and len(json.loads(hist.read_text())) >= 2: break
        assert p.poll() is None, 'the run ended before it could be killed'
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (tmp_path/'b'/'result.json').exists(), 'the run finished before the kill'
    done = len(json.loads(hist.read_text()))
    assert 2 <= done < 6
    r = sharpnb(*args, '--out', tmp_path/'b', '--resume', check=0)
    a = torch.load(tmp_path/'a'/'model.pt', weights_only=True)
    b = torch.load(tmp_path/'b'/'model.pt', weights_only=True)
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    ha, hb = (json.loads((tmp_path/x/'history.json').read_text()) for x in 'ab')
    strip = lambda h: [{k: v for k, v in e.items() if k != 'seconds'} for e in h]
    assert strip(ha) == strip(hb)
