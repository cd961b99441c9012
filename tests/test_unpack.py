"tools/unpack_gpu.py accepts only what a GPU run writes (#27 items 11 and 19): each refusal names the file, exits 2 and writes nothing"
import io, json, subprocess, sys, tarfile
import pytest
from conftest import ROOT

def _tgz(path, files:dict):
    with tarfile.open(path, 'w:gz') as tf:
        for name, data in files.items():
            b = data.encode() if isinstance(data, str) else data
            ti = tarfile.TarInfo(name); ti.size = len(b); tf.addfile(ti, io.BytesIO(b))
    return path

def _unpack(tmp_path, archive, *extra):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'unpack_gpu.py'), str(archive), '--results', str(tmp_path/'res'),
                        '--records', str(tmp_path/'rec'), *extra], capture_output=True, text=True, timeout=60)
    return r

GOOD = {'./table2-cpu.json': '{}', './env-cpu.txt': 'x', './results/table2-gpu-conv.json': '{"a": 1}',
        './results/ledger-gpu-conv/C1-fashion-mnist-SB-s0.json': '{}'}

def test_good_archive(tmp_path):
    r = _unpack(tmp_path, _tgz(tmp_path/'a.tgz', GOOD))
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'res'/'ledger-gpu-conv'/'C1-fashion-mnist-SB-s0.json').exists() and (tmp_path/'rec'/'env-cpu.txt').exists()

@pytest.mark.parametrize('name,data,msg', [
    ('/etc/table2-cpu.json', '{}', 'absolute or escaping'),
    ('./.git/hooks/pre-commit', '#!/bin/sh', 'not a file a GPU run writes'),
    ('./results/table2-paper.json', '{}', 'not a file a GPU run writes'),           # another profile's result
    ('./results/table3-gpu-conv.json', '{"phi": -Infinity}', 'not valid JSON'),
    ('./sharpness-cuda.json', '{"x": Infinity}', 'not valid JSON'),     # NaN is accepted: sharpnb's own results use it for 'undefined'
])
def test_refused_by_name(tmp_path, name, data, msg):
    r = _unpack(tmp_path, _tgz(tmp_path/'a.tgz', {**GOOD, name: data}))
    assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'res').exists() and not (tmp_path/'rec').exists()

def test_empty_and_truncated(tmp_path):
    r = _unpack(tmp_path, _tgz(tmp_path/'e.tgz', {}))
    assert r.returncode == 2 and 'no files' in r.stderr
    b = _tgz(tmp_path/'a.tgz', {**GOOD, './big-cpu.log': bytes(range(256)) * 4000}).read_bytes()
    (tmp_path/'cut.tgz').write_bytes(b[:len(b) // 2])                                  # an interrupted copy
    r = _unpack(tmp_path, tmp_path/'cut.tgz')
    assert r.returncode == 2 and 'truncated' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'res').exists()
