"""Two versions of the grader side by side: this checkout ("now") against another checkout of the
project ("before", e.g. `git worktree add /tmp/before <commit>`), grading the same N hw1 notebooks
(bench_grading's class mix, made once by this checkout) on 2 local workers, sandbox on, the two
taking turns; prints the wall time of `grade_class` per round, the ratio of the medians, and
whether the two gave every submission the same score.

Run: .venv/bin/python benchmarks/bench_against.py /tmp/before [N=200] [ROUNDS=3]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = {"before": sys.argv[1], "now": str(ROOT)}
PY = sys.executable
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
work = Path(tempfile.mkdtemp(prefix="interleave-"))
env = {**os.environ, "PATH": f"{Path(PY).parent}:{os.environ['PATH']}", "TF_CPP_MIN_LOG_LEVEL": "3"}

# the notebooks, made once with the benchmark's own code (now)
make = f"""
import sys; sys.path.insert(0, '{ROOT / 'benchmarks'}')
from pathlib import Path
import shutil, json
from bench_grading import notebooks_of_a_class
nbs = notebooks_of_a_class(Path('{work}'))
out = Path('{work}/pool'); out.mkdir()
for i, p in enumerate(nbs): shutil.copy(p, out / f'{{i}}.ipynb')
print(len(nbs))
"""
print("kinds:", subprocess.run([PY, "-c", make], env={**env, "PYTHONPATH": TREES["now"]}, capture_output=True,
                                text=True, check=True).stdout.strip())
pool = sorted((work / "pool").glob("*.ipynb"))

def course_for(name):
    code = f"""
import shutil
from pathlib import Path
from dlcourse.grading import kit
root = Path('{TREES[name]}'); course = Path('{work}/{name}/course'); course.mkdir(parents=True)
shutil.copytree(root / 'autograder' / 'source', course / 'source')
shutil.copy(root / 'autograder' / 'nbgrader_config.py', course)
kit.release(course, 'hw1')
"""
    subprocess.run([PY, "-c", code], env={**env, "PYTHONPATH": TREES[name]}, check=True, capture_output=True)
    course = work / name / "course"
    for i in range(N):
        d = course / "submitted" / f"s{i:04d}" / "hw1"
        d.mkdir(parents=True)
        shutil.copy(pool[i % len(pool)], d / "hw1.ipynb")
    shutil.copy(course / "gradebook.db", course / "gradebook.pristine")
    return course

courses = {n: course_for(n) for n in TREES}
times = {n: [] for n in TREES}
scores: dict[str, dict[str, float]] = {}
for r in range(ROUNDS):
    for n in (TREES if r % 2 == 0 else list(reversed(TREES))):
        shutil.copy(courses[n] / "gradebook.pristine", courses[n] / "gradebook.db")
        code = f"""
import json
from nbgrader.api import Gradebook
from dlcourse.grading.batch import grade_class
grade_class('{courses[n]}', 'hw1', workers=2, progress=False)
with Gradebook('sqlite:///{courses[n]}/gradebook.db') as gb:
    print(json.dumps({{s.student.id: s.score for s in gb.find_assignment('hw1').submissions}}))
"""
        t = time.perf_counter()
        done = subprocess.run([PY, "-c", code], env={**env, "PYTHONPATH": TREES[n]}, check=True, capture_output=True,
                              text=True)
        times[n].append(time.perf_counter() - t)
        scores[n] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"round {r + 1} {n}: {times[n][-1]:.1f} s for {N} notebooks (load {os.getloadavg()[0]:.1f})", flush=True)
for n, ts in times.items():
    print(f"{n}: median {statistics.median(ts):.1f} s, range {min(ts):.1f}-{max(ts):.1f} s over {len(ts)} rounds")
print(f"now / before (medians): {statistics.median(times['now']) / statistics.median(times['before']):.3f}")
differ = sorted(s for s in scores["now"].keys() | scores["before"].keys()
                if scores["now"].get(s) != scores["before"].get(s))
print(f"scores: {len(scores['now'])} submissions, total {sum(scores['now'].values()):g} now and "
      f"{sum(scores['before'].values()):g} before, {len(differ)} differing" + (f": {differ[:10]}" if differ else ""))
