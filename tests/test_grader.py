"""The autograder end to end: real bubblewrap sandbox, real nbgrader gradebook, real Dask.

Every submission kind of the sample class is graded in one batch and held to what it
should score; honest notebooks in that batch score exactly as when graded alone.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading import sample_class, sandbox
from dlcourse.grading.batch import grade_class, instructor_tests
from dlcourse.grading.grader import grade_submission
from dlcourse.grading.report import feedback_html

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"
BIN = Path(sys.executable).parent
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)


def _env():
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}


ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())


def make_course(tmp: Path, n: int, assignment: str = "hw1") -> tuple[Path, list[sample_class.Student]]:
    course = tmp / "course"
    course.mkdir()
    shutil.copytree(COURSE / "source", course / "source")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course, env=_env(),
                   check=True, capture_output=True)
    return course, sample_class.make(course, assignment, n)


def _source(assignment: str) -> Path:
    return COURSE / "source" / assignment / f"{assignment}.ipynb"


@functools.cache
def _tests(assignment: str):
    return instructor_tests(COURSE, assignment)[f"{assignment}.ipynb"]


@pytest.fixture(scope="module")
def tests_hw1():
    return _tests("hw1")


def _grade_file(path: Path, tests, sandboxed=True, assignment="hw1"):
    return grade_submission("s", assignment, f"{assignment}.ipynb", path.read_bytes(), tests, sandboxed, FAST)


def _with_wrong(kind: str, tmp: Path) -> tuple[str, Path]:
    """The honest source notebook with the wrong solution ``kind`` in place: (assignment, path)."""
    gid, code, _ = sample_class.WRONG[kind]
    assignment = next(a for a in ASSIGNMENTS if kind in sample_class.wrong_kinds(nbformat.read(_source(a), 4)))
    nb = sample_class._replace(sample_class.honest(nbformat.read(_source(assignment), 4)), gid, code)
    path = tmp / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return assignment, path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_scores_full_marks_and_student_version_zero(assignment, tmp_path):
    tests = _tests(assignment)
    full = _grade_file(_source(assignment), tests, assignment=assignment)
    assert full.score == full.max_score == sum(t.points for t in tests) > 0 and not full.problems, full.tests
    course, _ = make_course(tmp_path, 0, assignment)
    zero = _grade_file(course / "release" / assignment / f"{assignment}.ipynb", tests, assignment=assignment)
    assert zero.score == 0 and all(c.message.startswith("NotImplementedError") for t in zero.tests for c in t.cases)


def test_wrong_solutions_aim_at_real_tests_of_every_assignment():
    targets = [target for _, _, target in sample_class.WRONG.values()]
    graded = {a: {t.grade_id for t in _tests(a)} for a in ASSIGNMENTS}
    assert set(targets) <= set().union(*graded.values()) and len(set(targets)) == len(targets)
    assert all(graded[a] & set(targets) for a in ASSIGNMENTS)


@pytest.mark.parametrize("kind", list(sample_class.WRONG))
def test_a_wrong_solution_loses_exactly_the_points_of_its_test(kind, tmp_path):
    assignment, path = _with_wrong(kind, tmp_path)
    tests = _tests(assignment)
    r = _grade_file(path, tests, assignment=assignment)
    lost = {t.grade_id: t.points - t.score for t in r.tests if t.score < t.points}
    target = sample_class.WRONG[kind][2]
    assert lost == {target: next(t.points for t in tests if t.grade_id == target)}, r.tests


def test_feedback_names_the_call_and_seed_but_leaks_no_reference(tests_hw1, tmp_path):
    _, path = _with_wrong("adam_without_bias_correction", tmp_path)
    target = sample_class.WRONG["adam_without_bias_correction"][2]
    r = _grade_file(path, tests_hw1)
    page = feedback_html(r)
    assert "adam_step(p: (4,)" in page and "seed 101" in page and 'seeds=(101,)' in page
    from dlcourse.grading.specs import SPECS

    spec = SPECS[target]
    ref = spec.reference(**spec.inputs(101))
    for value in ref[0].ravel():  # no reference number appears, at the precision messages use
        assert f"{value:.3g}" not in page.split("Tests", 1)[1] or abs(value) < 1e-3
    assert "BEGIN HIDDEN" not in page and "hidden=True" not in page and "def " not in page


def test_the_sandbox_hides_the_course_and_other_students(tmp_path):
    secret = tmp_path / "course" / "source"
    secret.mkdir(parents=True)
    (secret / "answers.txt").write_text("secret")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    probe = ("import os, socket\nres = {}\n"
             f"for p in ['{secret}/answers.txt', '../course/source/answers.txt', '/etc/shadow', '{ROOT}/dlcourse/specs.py']:\n"
             "    try: open(p).read(); res[p] = 'READ'\n    except Exception as e: res[p] = type(e).__name__\n"
             "try: open('/usr/x', 'w'); res['write /usr'] = 'WROTE'\nexcept Exception as e: res['write /usr'] = type(e).__name__\n"
             "try: socket.create_connection(('1.1.1.1', 53), 1); res['net'] = 'CONNECTED'\n"
             "except Exception as e: res['net'] = type(e).__name__\n"
             "try: import dlcourse; res['dlcourse'] = 'IMPORTED'\nexcept Exception as e: res['dlcourse'] = type(e).__name__\n"
             "res['uid'] = os.getuid(); res['caps'] = open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n"
             "open('probe.json', 'w').write(__import__('json').dumps(res))\n")
    (scratch / "probe.py").write_text(probe)
    run = sandbox.run(scratch, [sys.executable, "-I", "probe.py"], FAST)
    res = json.loads((scratch / "probe.json").read_text())
    assert run.returncode == 0, run.stdout
    assert "READ" not in res.values() and res["write /usr"] != "WROTE" and res["net"] != "CONNECTED"
    assert res["dlcourse"] != "IMPORTED" and res["uid"] >= sandbox.UID_BASE and int(res["caps"], 16) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_whole_hostile_class_in_one_batch(assignment, tmp_path):
    tests = _tests(assignment)
    one_of_each = len(sample_class.class_kinds(nbformat.read(_source(assignment), 4)))
    course, students = make_course(tmp_path, one_of_each, assignment)
    results = {r.student: r for r in grade_class(course, assignment, workers=2, limits=FAST, progress=False)}
    full = sum(t.points for t in tests)
    alone = _grade_file(course / "submitted" / students[0].name / assignment / f"{assignment}.ipynb", tests,
                        assignment=assignment)
    for s in students:
        r = results[s.name]
        if s.expected == "full":
            assert r.score == full, (s.kind, r.problems)
            assert [t.score for t in r.tests] == [t.score for t in alone.tests]  # as when graded alone
        elif s.expected == "zero":
            assert r.score == 0, (s.kind, r.tests)
            if s.kind in sample_class.CORRUPT or s.kind == "renamed_notebook":
                assert r.problems and f"{assignment}.ipynb" in r.problems[0]
        elif s.expected.startswith("full-but-"):
            assert {t.grade_id for t in r.tests if t.score < t.points} == {s.expected.removeprefix("full-but-")}
        else:  # a breaker cell costs that cell, nothing the tests need
            assert r.score == full, (s.kind, r.problems)
            if s.kind != "huge_output_cell":  # printing a lot is no error; the others are reported
                assert r.problems, s.kind
    # the gradebook is nbgrader's and intact: the stock export reads it
    out = subprocess.run([str(BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv")], cwd=course,
                         env=_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    exported = (tmp_path / "grades.csv").read_text().splitlines()
    assert len(exported) == 1 + len(students)
    row = next(line for line in exported if students[0].name in line)
    assert f",{full}," in row or f",{full:.1f}," in row
    assert (course / "reports" / assignment / "summary.html").exists()
    assert (course / "reports" / assignment / "score_distribution.png").stat().st_size > 0


def test_kill_minus_9_halfway_then_rerun_equals_a_clean_run(tmp_path):
    course, students = make_course(tmp_path, 40)
    keep = [s for s in students if s.kind in ("honest", "student_version") or s.kind in sample_class.WRONG]
    for s in students:
        if s not in keep:
            shutil.rmtree(course / "submitted" / s.name)
    clean = tmp_path / "clean"
    shutil.copytree(course, clean)
    cmd = [str(BIN / "dlcourse"), "grade", "hw1", "--course", str(course), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    results = course / "dlcourse-results" / "hw1"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(results.glob("*.json"))) < len(keep) // 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < len(list(results.glob("*.json"))) < len(keep)
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    subprocess.run([*cmd[:4], str(clean), *cmd[5:]], env=_env(), check=True, capture_output=True)

    def grades(c: Path):
        db = sqlite3.connect(c / "gradebook.db")
        rows = db.execute("SELECT student.id, base_cell.name, grade.auto_score FROM grade "
                          "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
                          "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
                          "JOIN student ON submitted_assignment.student_id = student.id "
                          "JOIN base_cell ON grade.cell_id = base_cell.id").fetchall()
        marks = db.execute("SELECT student, COUNT(*) FROM dlcourse_graded GROUP BY student").fetchall()
        return sorted(rows), sorted(marks)

    resumed, fresh = grades(course), grades(clean)
    assert resumed == fresh
    assert len(resumed[1]) == len(keep) and all(n == 1 for _, n in resumed[1])  # no duplicate, none missing
    assert all(score is not None for *_, score in resumed[0] if _[1].startswith("test_"))


def test_a_real_dask_scheduler_and_two_workers_grade_like_the_local_run(tmp_path):
    course, students = make_course(tmp_path, 20)
    local = tmp_path / "local"
    shutil.copytree(course, local)
    port = 18786
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--port", str(port), "--dashboard-address", ":0"],
                              env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                           "--no-dashboard"], env=_env(), stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from dask.distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
        remote = {r.student: r.score for r in grade_class(course, "hw1", scheduler=f"tcp://127.0.0.1:{port}",
                                                           limits=FAST, progress=False)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    here = {r.student: r.score for r in grade_class(local, "hw1", workers=2, limits=FAST, progress=False)}
    assert remote == here and len(here) == 20


def test_grading_twice_gives_the_same_score(tests_hw1, tmp_path):
    course, students = make_course(tmp_path, 8)
    first = {r.student: (r.score, r.digest) for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False)}
    shutil.rmtree(course / "dlcourse-results")  # force a regrade of everything
    second = {r.student: (r.score, r.digest) for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False)}
    assert first == second


def test_student_check_command(tmp_path):
    ok = subprocess.run([str(BIN / "dlcourse"), "check", str(COURSE / "source" / "hw1" / "hw1.ipynb")],
                        capture_output=True, text=True, env=_env())
    assert ok.returncode == 0 and "visible tests: 10 of 10 passed" in ok.stdout
    course, _ = make_course(tmp_path, 0)
    bad = subprocess.run([str(BIN / "dlcourse"), "check", str(course / "release" / "hw1" / "hw1.ipynb")],
                         capture_output=True, text=True, env=_env())
    assert bad.returncode == 1 and "FAIL affine_backward(dout: (1, 4), x: (1, 3), w: (3, 4)) seed 0" in bad.stdout


def test_refuses_to_grade_unsandboxed_without_being_told(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--no-sandbox"):
        grade_class(tmp_path, "hw1")


def test_stock_nbgrader_feedback_shows_no_hidden_test(tmp_path):
    """The stock autograde -> generate_feedback path on our course: the feedback HTML shows the
    visible test lines and the scores, never the hidden tests' source."""
    import re

    course, students = make_course(tmp_path, 1)
    for step in ("autograde", "generate_feedback"):
        out = subprocess.run([str(BIN / "nbgrader"), step, "hw1", "--force"], cwd=course, env=_env(),
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
    html = (course / "feedback" / students[0].name / "hw1" / "hw1.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&quot;", '"')
    assert 'check("test_adam_step", adam_step)' in text and "Score: 3.0 / 3.0" in text
    assert "hidden=True" not in text and "HIDDEN TESTS" not in text


@pytest.fixture(scope="module")
def postgres_url():
    """A real PostgreSQL server for this module, from Debian's package: a fresh cluster in a
    temporary folder, trust auth on 127.0.0.1, stopped afterwards."""
    import socket
    import tempfile

    bindir = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))  # the newest major
    data = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # the server refuses root
    if as_postgres:
        shutil.chown(data, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data / "db"), "--auth=trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w",
                    "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://grader@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_a_postgresql_gradebook_gets_the_same_grades_as_sqlite(tmp_path, postgres_url):
    from nbgrader.api import Gradebook

    course, students = make_course(tmp_path, 12)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "hw1", "--force",
                    f"--CourseDirectory.db_url={postgres_url}"], cwd=course, env=_env(), check=True,
                   capture_output=True)
    on_pg = {r.student: r.score for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False,
                                                     db_url=postgres_url)}
    shutil.rmtree(course / "dlcourse-results")
    on_sqlite = {r.student: r.score for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
    assert on_pg == on_sqlite and len(on_pg) == 12

    def cell_scores(url):
        with Gradebook(url) as gb:
            return {(s.name, g.name): g.auto_score for s in students for g in
                    gb.find_submission_notebook("hw1", "hw1", s.name).grades if g.name.startswith("test_")}

    assert cell_scores(postgres_url) == cell_scores(f"sqlite:///{course / 'gradebook.db'}")
    out = subprocess.run([str(BIN / "nbgrader"), "export", f"--CourseDirectory.db_url={postgres_url}", "--to",
                          str(tmp_path / "grades.csv")], cwd=course, env=_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len((tmp_path / "grades.csv").read_text().splitlines()) == 1 + len(students)
