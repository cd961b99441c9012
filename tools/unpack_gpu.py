"""Unpack the archive of one prepared GPU run (benchmarks/gpu.sh with PACK=1) where the repository keeps its results.

    python tools/unpack_gpu.py OUT/gpu-cuda.tgz            # results -> nbs/paper/results/, records -> benchmarks/results/
    python tools/unpack_gpu.py ARCHIVE --results R --records B [--force]

The convnet results (results/<artifact>-gpu-conv*.json and their ledger) go beside the other profiles'
results, the benchmark records (<suite>-<device>.json/.log, env, summary) under benchmarks/results/.
Every JSON file is read before anything is written; a file that exists already is not replaced without
--force (nothing is written then). The archive is read with tarfile's 'data' filter: no links, no paths
outside the destination. Only the files a GPU run writes are accepted (`ALLOWED`), each under `MAX_BYTES`;
anything else (an absolute path, `..`, a `.git` file, another profile's result, JSON with an
Infinity, an empty or truncated archive) is refused by name, and nothing is written."""
import argparse, json, re, shutil, sys, tarfile, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 64 << 20
ALLOWED = [re.compile(r'^[A-Za-z][A-Za-z0-9_-]*-(cuda|cpu)\.(json|log|txt)$'),                              # records, logs, env, summary
           re.compile(r'^results/[a-z0-9]+-gpu-conv(-tiny)?\.json$'),                                 # the convnet profiles' results
           re.compile(r'^results/ledger-gpu-conv(-tiny)?/[A-Za-z0-9_.-]+\.json$')]                    # and their ledgers

def check_members(tf:tarfile.TarFile)->list:
    "The archive's file members, every one allowed; raises ValueError naming the first that is not"
    files = []
    for m in tf.getmembers():
        name = m.name[2:] if m.name.startswith('./') else m.name
        if m.isdir() or name in ('', '.'): continue
        if name.startswith('/') or '..' in Path(name).parts: raise ValueError(f"{m.name}: an absolute or escaping path; nothing was unpacked")
        if not m.isfile(): raise ValueError(f"{m.name}: not a plain file; nothing was unpacked")
        if not any(r.match(name) for r in ALLOWED): raise ValueError(f"{m.name}: not a file a GPU run writes; nothing was unpacked")
        if m.size > MAX_BYTES: raise ValueError(f"{m.name}: {m.size:,} bytes, over the {MAX_BYTES:,}-byte cap; nothing was unpacked")
        files.append(name)
    if not files: raise ValueError("the archive holds no files; nothing was unpacked")
    return files

def _no_constants(c):
    "NaN is how sharpnb's own results say 'undefined' (a statistic of too few epochs or seeds); an infinity is never a result"
    if c == 'NaN': return float('nan')
    raise ValueError(f"{c} is not a number a result may hold")

def plan(src:Path, results:Path, records:Path)->list:
    "(file in the unpacked archive, destination) for every file to copy; raises ValueError on a bad JSON file"
    out = []
    for f in sorted(p for p in src.rglob('*') if p.is_file()):
        rel = f.relative_to(src)
        if f.suffix == '.json':
            try: json.loads(f.read_text(), parse_constant=_no_constants)
            except ValueError as e: raise ValueError(f"{rel} is not valid JSON ({e}); nothing was unpacked") from None
        if rel.parts[0] == 'results': out.append((f, results.joinpath(*rel.parts[1:])))
        else: out.append((f, records/rel))
    return out

def unpack(archive, results=ROOT/'nbs'/'paper'/'results', records=ROOT/'benchmarks'/'results', force:bool=False)->list:
    "Copy the archive's files to `results` and `records`; returns the destinations written"
    with tempfile.TemporaryDirectory() as t:
        try:
            with tarfile.open(archive) as tf: check_members(tf); tf.extractall(t, filter='data')
        except (EOFError, tarfile.ReadError, OSError) as e:
            if isinstance(e, FileNotFoundError): raise
            raise ValueError(f"{archive} is truncated or not a gzipped tar ({type(e).__name__}: {e}); copy it again; nothing was unpacked") from None
        todo = plan(Path(t), Path(results), Path(records))
        there = [str(d) for _, d in todo if d.exists()]
        if there and not force:
            raise FileExistsError(f"{len(there)} files exist already (e.g. {there[0]}); use --force to replace them (nothing was unpacked)")
        for f, d in todo:
            d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, d)
        return [d for _, d in todo]

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('archive'); p.add_argument('--results', default=str(ROOT/'nbs'/'paper'/'results'))
    p.add_argument('--records', default=str(ROOT/'benchmarks'/'results')); p.add_argument('--force', action='store_true')
    a = p.parse_args()
    try: done = unpack(a.archive, a.results, a.records, a.force)
    except (OSError, ValueError, tarfile.TarError) as e: print(f"unpack_gpu: error: {e}", file=sys.stderr); sys.exit(2)
    print(f"{len(done)} files: " + ', '.join(sorted({str(d.parent) for d in done})))
