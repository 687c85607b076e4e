"""The sandbox in both of its modes, on real accounts: as root (a uid per sandbox) and as an
ordinary user (a user namespace per sandbox), which the test setup creates.

The rootless runs are the grader started by that user with ``runuser``, exactly as an
instructor on a JupyterHub account would run it.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from test_grader import FAST, make_course

import sample_class
from dlcourse.grading import sandbox
from dlcourse.grading.batch import grade_class, instructor_tests

ROOT = Path(__file__).resolve().parents[2]
USER = "dlcourse-grader"

# Run in a sandbox as both modes: a fork bomb and a memory bomb; once the bomb holds most of
# its sandbox's processes, an honest neighbour starts beside it and the grader itself forks.
# Prints what each managed, and how many processes the bomb held when they started.
MEASURE = r"""
import json, os, sys, tempfile, threading, time
from pathlib import Path
import psutil
from dlcourse.grading import sandbox

limits = sandbox.Limits(wall_seconds=60, memory_bytes=512 * 1024**2)
BOMB = '''
import os, time, json
forked = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(6)
            os._exit(0)
        forked += 1
except OSError:
    pass
try:
    hog = bytearray(4 * 1024**3)
    memory = "allocated"
except MemoryError:
    memory = "MemoryError"
os.write(int(os.environ["DLCOURSE_RESULTS_FD"]), json.dumps({"forked": forked, "memory": memory}).encode())
time.sleep(6)
'''
NEIGHBOUR = '''
import os, json
kids = 0
for _ in range(40):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    kids += 1
block = bytearray(200 * 1024**2)
os.write(int(os.environ["DLCOURSE_RESULTS_FD"]), json.dumps({"forked": kids, "memory": len(block)}).encode())
'''
out = {"mode": sandbox.mode()}

def job(name, code):
    folder = Path(tempfile.mkdtemp())
    (folder / "probe.py").write_text(code)
    run = sandbox.run(folder, "probe.py", limits)
    out[name] = json.loads(run.results or b"{}")

def bomb_processes():  # every process below this one is the bomb's until the neighbour starts
    return len(psutil.Process().children(recursive=True))

bomb = threading.Thread(target=job, args=("bomb", BOMB))
bomb.start()
deadline = time.monotonic() + 60
while bomb_processes() < limits.processes // 2 and time.monotonic() < deadline:
    time.sleep(0.05)
out["bomb held"] = bomb_processes()
neighbour = threading.Thread(target=job, args=("neighbour", NEIGHBOUR))
neighbour.start()
grader = 0
for _ in range(50):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    grader += 1
out["grader"] = grader
for t in (bomb, neighbour):
    t.join()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def account():
    """An ordinary user with no privilege, made for these tests, who can read the project and
    its environment (each folder above the checkout gets the search bit for others if it lacks
    it, taken back afterwards) and owns a working folder with a course secret."""
    assert os.geteuid() == 0, "creating the unprivileged account needs root (CI runs as root)"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    opened = []
    interpreter = Path(os.path.realpath(sys.executable))
    for folder in dict.fromkeys([*reversed(ROOT.parents), ROOT, *reversed(interpreter.parents)]):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            opened.append((folder, mode))
    home = Path(tempfile.mkdtemp(prefix="dlcourse-grader-home-"))  # pytest's own folders are root's alone
    secret = home / "secret"
    shutil.copy(os.environ["DLCOURSE_SECRET_FILE"], secret)  # the same hidden cases as the root runs
    secret.chmod(0o600)
    for p in [home, *home.rglob("*")]:
        shutil.chown(p, USER, USER)
    try:
        yield {"home": home, "secret": secret}
    finally:
        for folder, mode in opened:
            folder.chmod(mode)
        shutil.rmtree(home, ignore_errors=True)


def as_user(account: dict, code: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = ["env", "-i", f"HOME={account['home']}", f"PATH={Path(sys.executable).parent}:/usr/bin:/bin",
           f"DLCOURSE_SECRET_FILE={account['secret']}", "TF_CPP_MIN_LOG_LEVEL=3", f"TMPDIR={account['home']}",
           # the code under test where it is not the installed one (a checkout run with PYTHONPATH)
           *([f"PYTHONPATH={os.environ['PYTHONPATH']}"] if os.environ.get("PYTHONPATH") else [])]
    return subprocess.run(["runuser", "-u", USER, "--", *env, sys.executable, "-c", code], cwd=account["home"],
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_the_grader_picks_its_mode_by_itself(account):
    assert sandbox.mode() == "root"
    done = as_user(account, "from dlcourse.grading import sandbox\nprint(sandbox.mode())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rootless"


def test_without_bubblewrap_the_grader_refuses_and_says_what_to_install(account, tmp_path):
    """A PATH without bwrap, as on a host where it is not installed: no silent --no-sandbox."""
    bare = account["home"] / "bin-without-bwrap"
    bare.mkdir(exist_ok=True)
    for tool in ("prlimit", "setpriv"):
        if not (bare / tool).exists():
            (bare / tool).symlink_to(shutil.which(tool))
    code = (f"import os\nos.environ['PATH'] = '{bare}'\n"
            "from dlcourse.cli import main\nraise SystemExit(main(['grade', 'hw1', '--course', '.']))")
    done = as_user(account, code)
    assert done.returncode == 1, done.stderr
    assert "apt-get install bubblewrap" in done.stderr
    assert "--no-sandbox" in done.stderr


@pytest.mark.parametrize("who", ["root", "rootless"])
def test_a_fork_bomb_or_memory_bomb_costs_its_neighbours_and_the_grader_nothing(account, who):
    if who == "root":
        done = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True, timeout=300,
                              check=False)
    else:
        done = as_user(account, MEASURE, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["mode"] == who
    limit = sandbox.Limits().processes
    assert seen["bomb held"] >= limit // 2, seen  # the neighbour and the grader started beside a full sandbox
    assert 0 < seen["bomb"]["forked"] < limit, seen  # the bomb hit its own sandbox's limit
    assert seen["bomb"]["memory"] == "MemoryError", seen
    assert seen["neighbour"] == {"forked": 40, "memory": 200 * 1024**2}, seen
    assert seen["grader"] == 50, seen


@pytest.mark.slow
def test_the_hostile_class_grades_the_same_as_an_ordinary_user_as_as_root(account, tmp_path):
    """The whole hostile class, fork and memory bombs beside honest notebooks on two workers:
    the same scores, test by test, in both modes. Each mode grades its own copy of the class,
    made the same way (its links point into its own course)."""
    kinds = sample_class.class_kinds(nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", 4))
    course, students = make_course(tmp_path, len(kinds))
    theirs, _ = make_course(account["home"], len(kinds))
    for p in [theirs, *theirs.rglob("*")]:
        os.lchown(p, pwd.getpwnam(USER).pw_uid, pwd.getpwnam(USER).pw_gid)
    as_root = {r.student: [t.score for t in r.tests] for r in grade_class(course, "hw1", workers=2, limits=FAST,
                                                                          progress=False)}
    code = ("import json\nfrom dlcourse.grading import sandbox\nfrom dlcourse.grading.batch import grade_class\n"
            f"limits = sandbox.Limits(wall_seconds={FAST.wall_seconds}, cell_seconds={FAST.cell_seconds}, "
            f"case_seconds={FAST.case_seconds})\n"
            f"rs = grade_class('{theirs}', 'hw1', workers=2, limits=limits, progress=False)\n"
            "print(json.dumps({'mode': sandbox.mode(), "
            "'scores': {r.student: [t.score for t in r.tests] for r in rs}}))")
    done = as_user(account, code)
    assert done.returncode == 0, done.stderr[-3000:]
    rootless = json.loads(done.stdout.splitlines()[-1])
    assert rootless["mode"] == "rootless"
    assert rootless["scores"] == as_root
    full = sum(t.points for t in instructor_tests(course, "hw1")["hw1.ipynb"])
    for s in students:
        if s.expected.score == sample_class.FULL:  # honest work, and every bomb's neighbours
            assert sum(rootless["scores"][s.name]) == full, s


# the honest kinds of issue 20, on every homework, graded by an ordinary user (rootless mode):
# prints {assignment: {kind: [score, max, problems]}}
HONEST_MORE = """
import json, nbformat, sys
from pathlib import Path
from dlcourse.grading import sandbox
sys.path.insert(0, '{root}')  # the sample class: the repository's, not in the installed package
import sample_class
from dlcourse.grading.batch import instructor_tests
from dlcourse.grading.cases import load_secret
from dlcourse.grading.grader import grade_submission
limits = sandbox.Limits(wall_seconds={wall}, cell_seconds={cell}, case_seconds={case})
out = {{'mode': sandbox.mode()}}
for a in ['hw1', 'hw2', 'hw3']:
    source = nbformat.read(Path('{root}') / 'autograder' / 'source' / a / f'{{a}}.ipynb', 4)
    tests = instructor_tests(Path('{root}') / 'autograder', a)[f'{{a}}.ipynb']
    for kind, make in sample_class.HONEST_MORE.items():
        data = nbformat.writes(make(source)).encode()
        r = grade_submission('s', a, f'{{a}}.ipynb', data, tests, load_secret(), True, limits)
        out[f'{{a}} {{kind}}'] = [r.score, r.max_score, r.problems]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_long_exploration_a_library_helper_and_lost_metadata_score_full_as_an_ordinary_user(account):
    """The root mode's runs of these are in test_grader.py; here the same, rootless."""
    code = HONEST_MORE.format(wall=FAST.wall_seconds, cell=FAST.cell_seconds, case=FAST.case_seconds, root=ROOT)
    done = as_user(account, code)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen.pop("mode") == "rootless"
    assert len(seen) == 3 * len(sample_class.HONEST_MORE)
    for kind, (score, top, problems) in seen.items():
        assert score == top, (kind, problems)
        assert problems == [], kind
