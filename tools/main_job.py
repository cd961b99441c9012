"""Time the README's main job and keep its record. `python tools/main_job.py --note TEXT` runs `bash tools/study.sh --out DIR`
into a fresh temporary folder and writes benchmarks/results/main-job.json: that study's study.json with a `main_job` block
(the command, its wall, user and sys seconds, and the note: say which machine, and that it was idle). The benchmarks page and
the README read it. Run it on an idle machine; set-up (tools/setup.sh) is timed too, so run that once before."""
import argparse, json, resource, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--note', required=True, help='the machine and its load while it ran')
    p.add_argument('--out', default=str(ROOT/'benchmarks'/'results'/'main-job.json'))
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        cmd = ['bash', 'tools/study.sh', '--out', str(Path(d)/'study')]
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        if subprocess.run(cmd, cwd=ROOT).returncode: sys.exit('the main job failed: nothing was written')
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        res = json.loads((Path(d)/'study'/'study.json').read_text())
    res['main_job'] = dict(command='bash tools/study.sh', wall_seconds=round(wall, 1), user_seconds=round(r1.ru_utime - r0.ru_utime, 1),
                           sys_seconds=round(r1.ru_stime - r0.ru_stime, 1), note=a.note)
    out = Path(a.out); tmp = out.with_suffix('.tmp')
    tmp.write_text(json.dumps(res, indent=1) + '\n'); tmp.replace(out)      # atomic: the old record stays whole until the new one is
    print(f"{out}: {wall / 60:.1f} min")

if __name__ == '__main__': main()
