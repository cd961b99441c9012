"Kill a real training process mid-way, resume it, and get exactly the uninterrupted run's weights (CPU), with and without the training instruments."
import os, signal, subprocess, sys, time, json
from pathlib import Path
import pytest, torch
from conftest import sharpnb, needs_fmnist

def _strip(h):
    "A history without its clocks (the epoch's and each instrument reading's)"
    out = []
    for e in h:
        e = {k: v for k, v in e.items() if k != 'seconds'}
        if 'instruments' in e: e['instruments'] = [{k: v for k, v in r.items() if k != 'seconds'} for r in e['instruments']]
        out.append(e)
    return out

def _weights(run):
    return torch.load(run/'model.pt', weights_only=True)

@needs_fmnist
@pytest.mark.parametrize('extra', [[], ['--instruments', '12']], ids=['plain', 'instruments'])
def test_resume_after_kill_equals_uninterrupted(tmp_path, extra):
    args = ['train', '--net', 'F1', '--data', 'fashion-mnist', '--subset', '3000', '--test-subset', '500',
            '--epochs', '6', '--device', 'cpu', '--quiet', '--seed', '3', *extra]
    T = 1800                                    # seconds a run may take: the instruments' readings on a loaded 2-core machine took ~600 (the meaning is the equality, not the time)
    sharpnb(*args, '--out', tmp_path/'a', check=0, timeout=T)
    exe = Path(sys.executable).parent/'sharpnb'
    p = subprocess.Popen([str(exe), *args, '--out', str(tmp_path/'b')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hist, t0 = tmp_path/'b'/'history.json', time.time()
    while time.time() - t0 < T / 2:
        if hist.exists() and len(json.loads(hist.read_text())) >= 2: break
        assert p.poll() is None, 'the run ended before it could be killed'
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (tmp_path/'b'/'result.json').exists(), 'the run finished before the kill'
    done = len(json.loads(hist.read_text()))
    assert 2 <= done < 6
    r = sharpnb(*args, '--out', tmp_path/'b', '--resume', check=0, timeout=T)
    a, b = _weights(tmp_path/'a'), _weights(tmp_path/'b')
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    ha, hb = (json.loads((tmp_path/x/'history.json').read_text()) for x in 'ab')
    assert _strip(ha) == _strip(hb)
    if extra:                                   # 3,000 rows in batches of 256: 12 steps an epoch, a reading at step 0 and at each epoch's end
        assert [len(e['instruments']) for e in ha] == [2, 1, 1, 1, 1, 1]
        assert all(r['lam'] > 0 and r['B_simple_raw'] is not None for e in ha for r in e['instruments'])
        sharpnb(*[x for x in args if x not in extra], '--out', tmp_path/'plain', check=0, timeout=T)   # the instruments change no weight
        p_ = _weights(tmp_path/'plain')
        for k in a: assert torch.equal(a[k], p_[k]), k
