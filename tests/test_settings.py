"settings.ini is the nbdev-2 style mirror of pyproject.toml: the keys they share must not drift."
import configparser, tomllib
from conftest import ROOT

def load():
    py = tomllib.loads((ROOT/'pyproject.toml').read_text())
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    return py, ini['DEFAULT']

def as_bool(s): return str(s).strip().lower() in ('true', '1', 'yes')

def test_nbdev_keys_match():
    py, ini = load()
    nb = py['tool']['nbdev']
    for k, v in nb.items():
        assert k in ini, f"settings.ini lacks [tool.nbdev] key {k!r}"
        if isinstance(v, bool): assert as_bool(ini[k]) == v, k
        else: assert str(v) == ini[k], f"{k}: pyproject {v!r} != settings.ini {ini[k]!r}"

def test_project_keys_match():
    py, ini = load()
    p = py['project']
    assert ini['lib_name'] == p['name'] and ini['repo'] == p['name']
    assert ini['description'] == p['description']
    assert ini['min_python'] == p['requires-python'].lstrip('>=')
    assert ini['keywords'].split() == p['keywords']
    assert ini['author'] == p['authors'][0]['name'] and ini['author_email'] == p['authors'][0]['email']
    assert ini['requirements'].split() == p['dependencies']
    assert ini['dev_requirements'].split() == p['optional-dependencies']['dev']
    assert ini['console_scripts'] == ' '.join(f'{k}={v}' for k, v in p['scripts'].items())
    assert ini['git_url'] == p['urls']['Repository']

def test_version_matches_package():
    from sharpnb import __version__
    _, ini = load()
    assert ini['version'] == __version__

def test_torch_pins():
    py, _ = load()
    dev = py['project']['optional-dependencies']['dev']
    assert 'torch==2.14.1' in dev and 'torchvision==0.29.1' in dev

def test_readme_generated_from_index():
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
