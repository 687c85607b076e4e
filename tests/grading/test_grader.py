"""The autograder end to end: real bubblewrap sandbox, real nbgrader gradebook, real Dask.

Every submission kind of the sample class is graded in one batch and held to what it
should score; honest notebooks in that batch score exactly as when graded alone. The fast tests at
the end read the runner's stream and check outputs in process.
"""
from __future__ import annotations

import dataclasses
import functools
import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from courses import released_course

import sample_class
from dlcourse.grading import cases, checker, grader, sandbox, sandbox_library
from dlcourse.grading.batch import WORKER_DIED, grade_class, instructor_tests
from dlcourse.grading.cases import load_secret
from dlcourse.grading.checker import decode
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import OUTCOMES, SPECS
from dlcourse.grading.grader import grade_submission
from dlcourse.grading.outcome import graded as outcome_graded
from dlcourse.grading.report import feedback_html
from dlcourse.grading.standing import Standing

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "autograder"
BIN = Path(sys.executable).parent
FAST = sandbox.Limits(wall_seconds=40, cell_seconds=5, case_seconds=5)

# The tests that grade in a real sandbox or run real nbgrader, Dask or PostgreSQL are marked slow one
# by one; the grader's unit tests at the end (the runner's stream, checking outputs) are fast.


def _env():
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}


ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())


def make_course(tmp: Path, n: int, assignment: str = "hw1") -> tuple[Path, list[sample_class.Student]]:
    course = released_course(tmp, assignment)
    return course, sample_class.make(course, assignment, n)


def _source(assignment: str) -> Path:
    return COURSE / "source" / assignment / f"{assignment}.ipynb"


@functools.cache
def _tests(assignment: str):
    return instructor_tests(COURSE, assignment)[f"{assignment}.ipynb"]


@pytest.fixture(scope="module")
def tests_hw1():
    return _tests("hw1")


def _grade_file(path: Path, tests, sandboxed=True, assignment="hw1", student="s"):
    return grade_submission(student, assignment, f"{assignment}.ipynb", path.read_bytes(), tests, load_secret(),
                            sandboxed, FAST)


def _with_wrong(kind: str, tmp: Path) -> tuple[str, Path]:
    """The honest source notebook with the wrong solution ``kind`` in place: (assignment, path)."""
    gid, code, _ = sample_class.WRONG[kind]
    assignment = next(a for a in ASSIGNMENTS if kind in sample_class.wrong_kinds(nbformat.read(_source(a), 4)))
    nb = sample_class.replace_cell(sample_class.honest(nbformat.read(_source(assignment), 4)), gid, code)
    path = tmp / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return assignment, path


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_scores_full_marks_and_student_version_zero(assignment, tmp_path):
    tests = _tests(assignment)
    full = _grade_file(_source(assignment), tests, assignment=assignment)
    assert sum(t.points for t in tests) > 0
    assert full.score == full.max_score == sum(t.points for t in tests), full.tests
    assert not full.problems, full.problems
    course, _ = make_course(tmp_path, 0, assignment)
    zero = _grade_file(course / "release" / assignment / f"{assignment}.ipynb", tests, assignment=assignment)
    assert zero.score == 0, zero.tests
    messages = [c.message for t in zero.tests for c in t.cases]
    assert messages, "the student version ran no case"
    assert all(m.startswith("NotImplementedError") for m in messages), messages


@pytest.mark.slow
def test_wrong_solutions_aim_at_real_tests_of_every_assignment():
    targets = [target for _, _, target in sample_class.WRONG.values()]
    graded = {a: {t.grade_id for t in _tests(a)} for a in ASSIGNMENTS}
    assert set(targets) <= set().union(*graded.values()), set(targets) - set().union(*graded.values())
    # an outcome exercise's known mistakes are trainings of its own, the sample class's outcome kinds
    assert all(graded[a] - set(OUTCOMES) <= set(targets) for a in ASSIGNMENTS), "a test with no known mistake"
    outcomes = [outcome_graded.outcome_of(OUTCOMES[t]) for a in ASSIGNMENTS for t in graded[a] & set(OUTCOMES)]
    assert all(o.wrong_answers for o in outcomes)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(sample_class.WRONG))
def test_a_wrong_solution_loses_points_on_its_test_alone_and_is_named_where_it_fails(kind, tmp_path):
    """Points of its test only; all of them unless the mistake is invisible on some hidden case
    (a 1/N left out on a batch of 1), and every failed case it gives is named as this mistake."""
    assignment, path = _with_wrong(kind, tmp_path)
    tests = _tests(assignment)
    r = _grade_file(path, tests, assignment=assignment)
    lost = {t.grade_id for t in r.tests if t.score < t.points}
    target = sample_class.WRONG[kind][2]
    assert lost == {target}, r.tests
    failed = [c for t in r.tests if t.grade_id == target for c in t.cases if not c.passed]
    assert failed
    assert all(c.mistake == kind for c in failed), [(c.name, c.mistake, c.message) for c in failed]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["hw2", "hw3"])
def test_a_class_s_known_mistakes_are_named_in_feedback_and_counted_in_the_summary(assignment, tmp_path):
    """A small sample class of honest students and the wrong kinds (among them the audit's: the
    inverse's factors in the wrong order, a mean for a sum, two gradients without their 1/N),
    graded in the sandbox: each wrong student's feedback names its mistake with the book's
    section, an honest student's names none, and the summary counts each mistake."""
    source = nbformat.read(_source(assignment), 4)
    kinds = sample_class.wrong_kinds(source)
    course = released_course(tmp_path, assignment)
    students = sample_class.make(course, assignment, len(sample_class.class_kinds(source)))
    keep = [s for s in students if s.kind == "honest" or s.kind in kinds]
    for s in students:
        if s not in keep:
            shutil.rmtree(course / "submitted" / s.name)
    results = {r.student: r for r in grade_class(course, assignment, workers=2, limits=FAST, progress=False)}
    summary = (course / "reports" / assignment / "summary.html").read_text()
    for s in keep:
        page = (course / "reports" / assignment / "feedback" / f"{s.name}.html").read_text()
        if s.kind == "honest":
            assert "this is what you get when" not in page
            continue
        spec = SPECS[sample_class.WRONG[s.kind][2]]
        mistake = spec.wrong_answers[s.kind]
        named = [c for t in results[s.name].tests for c in t.cases if c.mistake == s.kind]
        assert named, f"{s.kind}: no failed case was recognised as it"
        assert html.escape(f"this is what you get when {mistake.says}: see {mistake.see}") in page, s.kind
        assert html.escape(f"1 student: {mistake.says} ({mistake.see})") in summary, s.kind


@pytest.mark.slow
def test_feedback_names_the_failed_case_but_leaks_no_reference_seed_or_hidden_input(tests_hw1, tmp_path):
    _, path = _with_wrong("adam_without_bias_correction", tmp_path)
    target = sample_class.WRONG["adam_without_bias_correction"][2]
    r = _grade_file(path, tests_hw1)
    page = feedback_html(Standing.of(r))
    failed = [c for t in r.tests if t.grade_id == target for c in t.cases]
    assert failed, f"no case of {target}"
    assert not any(c.passed for c in failed)
    assert "adam_step(p: (4,)" in page
    assert failed[0].name in page
    spec = SPECS[target]
    hidden = [cases.inputs(spec, c.case()) for c in failed]
    expected = [spec.reference(**spec.arguments(x)) for x in hidden]
    body = page.split("Tests", 1)[1]
    numbers = set(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", body))  # as messages print them, e.g. 0.0123
    for value in np.concatenate([np.ravel(v) for out in expected for v in out]):
        assert f"{value:.3g}" not in numbers, "a reference value is shown"
    for value in np.concatenate([np.ravel(x["g"]) for x in hidden]):
        assert f"{value:.3g}" not in numbers, "a hidden input is shown before the instructor reveals it"
    for c in failed:
        assert str(c.seed) not in page
    assert "def " not in page


@pytest.mark.slow
def test_revealed_feedback_shows_each_failed_hidden_case_s_inputs(tests_hw1, tmp_path):
    _, path = _with_wrong("adam_without_bias_correction", tmp_path)
    r = _grade_file(path, tests_hw1)
    page = feedback_html(Standing.of(r), reveal=True)
    failed = next(c for t in r.tests for c in t.cases if not c.passed)
    spec = SPECS[sample_class.WRONG["adam_without_bias_correction"][2]]
    g = cases.inputs(spec, failed.case())["g"]
    shown = {}
    exec(__import__("html").unescape(page.split("<pre>", 1)[1].split("</pre>", 1)[0]), {"np": np}, shown)
    np.testing.assert_array_equal(shown["g"], g)  # pasted back, the student gets the very inputs


@pytest.mark.slow
def test_what_students_receive_holds_no_hidden_case_and_no_reference(tmp_path):
    import ast
    import zipfile

    course, _ = make_course(tmp_path, 0, "hw3")
    with zipfile.ZipFile(course / "downloads" / "hw3.zip") as z:
        names = sorted(z.namelist())
        assert names == ["hw3/hw3.ipynb", "hw3/hw3_cases.json", "hw3/hwcheck.py"]
        helper = z.read("hw3/hwcheck.py").decode()
        shipped = json.loads(z.read("hw3/hw3_cases.json"))
    tree = ast.parse(helper)
    imported = {n.names[0].name.split(".")[0] for n in tree.body if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "base64", "collections", "json", "pathlib", "typing", "numpy"}, imported
    # inside a function, beside the standard library: only the student library's public data generator
    # and its configured trainer, for the outcome checks
    lazy = {n.names[0].name for n in ast.walk(tree) if isinstance(n, ast.Import)} - imported
    lazy |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    outside = {m for m in lazy if m.split(".")[0] not in sys.stdlib_module_names} - imported
    assert outside <= {"dlcourse.data.mnist1d", "dlcourse"}, lazy
    assert "from dlcourse import trainer" in helper  # "dlcourse" above: its trainer, nothing else of it
    assert helper.count("from dlcourse import") == 1
    secret = load_secret()
    for test_id, test in shipped["tests"].items():
        if test_id in OUTCOMES:  # the public data's parameters, public seeds, bands and budget: no data at all
            public = {"outcome", "function", "data", "seeds", "cpu_seconds", "bands"}
            given = {"configured", "given", "changeable"} if test.get("configured") else set()  # a configuration's
            assert test.keys() == public | given, test.keys()
            declared = outcome_graded.outcome_of(OUTCOMES[test_id]).data
            assert test["data"] == json.loads(json.dumps(dataclasses.asdict(declared)))
            continue
        spec = SPECS[test_id]
        assert [c["name"] for c in test["cases"]] == [c.name for c in cases.visible_cases(spec)]
        hidden = [cases.inputs(spec, c) for c in cases.hidden_cases(spec, secret, "hw3", "student0000") if not c.edge]
        for case in test["cases"]:
            shipped_inputs = {k: decode(enc) for k, enc in case["inputs"].items()}
            for h in hidden:
                same = all(np.shape(h[k]) == v.shape and np.array_equal(h[k], v) for k, v in shipped_inputs.items())
                assert not same, f"{test_id}: a hidden case ships to students"


def _probe(tmp_path: Path, code: str, library: Path | None = None) -> tuple[sandbox.RunResult, dict]:
    """Runs ``code`` in the sandbox (``library`` bound as the student library); it leaves a
    dict ``res`` that comes back as JSON."""
    job = tmp_path / "job"
    job.mkdir()
    (job / "probe.py").write_text(code + "\nimport json, os\n"
                                  "os.write(int(os.environ['DLCOURSE_RESULTS_FD']), json.dumps(res).encode())\n")
    run = sandbox.run(job, "probe.py", FAST, library=library)
    return run, json.loads(run.results or b"{}")


@pytest.mark.slow
def test_the_sandbox_hides_the_course_and_other_students(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_TEST_TOKEN", "a grader's token")  # as a JupyterHub or database one
    secret = tmp_path / "course" / "source"
    secret.mkdir(parents=True)
    (secret / "answers.txt").write_text("secret")
    grading_source = Path(cases.__file__)  # makes the hidden cases: no student may read it
    assert grading_source.exists()  # the probe below must aim at a real file
    run, res = _probe(tmp_path, "import os, socket\nres = {}\n"
                      f"for p in ['{secret}/answers.txt', '../course/source/answers.txt', '/etc/shadow', "
                      f"'{grading_source}', '{load_secret.__globals__['secret_path']()}']:\n"
                      "    try: open(p).read(); res[p] = 'READ'\n    except Exception as e: res[p] = type(e).__name__\n"
                      "try: open('/usr/x', 'w'); res['write /usr'] = 'WROTE'\n"
                      "except Exception as e: res['write /usr'] = type(e).__name__\n"
                      "try: open('/job/x', 'w'); res['write /job'] = 'WROTE'\n"
                      "except Exception as e: res['write /job'] = type(e).__name__\n"
                      "try: socket.create_connection(('1.1.1.1', 53), 1); res['net'] = 'CONNECTED'\n"
                      "except Exception as e: res['net'] = type(e).__name__\n"
                      "try: import dlcourse; res['dlcourse'] = 'IMPORTED'\n"
                      "except Exception as e: res['dlcourse'] = type(e).__name__\n"
                      "res['uid'] = os.getuid()\n"
                      "res['token'] = os.environ.get('DLCOURSE_TEST_TOKEN')\n"
                      "import ctypes\n"
                      "res['nested userns'] = ctypes.CDLL(None, use_errno=True).unshare(0x10000000)\n"
                      "res['caps'] = open('/proc/self/status').read().split('CapEff:')[1].split()[0]\n")
    assert run.returncode == 0, run.stdout
    for path in [f"{secret}/answers.txt", str(grading_source), "/etc/shadow"]:
        assert res[path] != "READ", path
    assert res["write /usr"] != "WROTE"
    assert res["write /job"] != "WROTE"
    assert res["net"] != "CONNECTED"
    assert res["dlcourse"] != "IMPORTED"
    assert res["uid"] >= sandbox.UID_BASE
    assert res["token"] is None
    assert res["nested userns"] == -1  # it could mount tmpfs's past every limit
    assert int(res["caps"], 16) == 0


@pytest.mark.slow
def test_the_student_library_in_the_sandbox_is_what_students_have_less_the_graded_references(tmp_path):
    ids = tuple(sorted(tc.grade_id for tc in _tests("hw1")))
    library = sandbox_library.folder("hw1", ids)
    run, res = _probe(tmp_path, "import sys\nsys.path.insert(1, '/library')\nimport numpy as np\nres = {}\n"
                      "from dlcourse.gradcheck import numerical_gradient\n"
                      "res['helper'] = numerical_gradient(lambda v: float(v @ v), np.ones(2)).round(6).tolist()\n"
                      "import dlcourse.layers\n"
                      "try: dlcourse.layers.affine_backward(np.ones((1, 1)), (np.ones((1, 1)), np.ones((1, 1))))\n"
                      "except Exception as e: res['reference'] = f'{type(e).__name__}: {e}'\n"
                      "try: import dlcourse.grading; res['grading'] = 'IMPORTED'\n"
                      "except Exception as e: res['grading'] = type(e).__name__\n"
                      "try: open(dlcourse.layers.__file__, 'a'); res['write'] = 'WROTE'\n"
                      "except Exception as e: res['write'] = type(e).__name__\n"
                      "res['where'] = dlcourse.__file__\n", library)
    assert run.returncode == 0, run.stdout
    assert res["helper"] == [2.0, 2.0]
    assert res["reference"].startswith("NotImplementedError: dlcourse.layers.affine_backward is part of homework hw1")
    assert res["grading"] == "ModuleNotFoundError"
    assert res["write"] != "WROTE"
    assert res["where"] == f"{sandbox.LIBRARY}/dlcourse/__init__.py"
    assert not list(library.rglob("grading"))


@pytest.mark.slow
def test_one_sandbox_cannot_fill_the_host_disk(tmp_path):
    """Files under the per-file limit, as many as fit: only the sized tmpfs's fill, in memory."""
    before = shutil.disk_usage(tempfile.gettempdir()).used
    run, res = _probe(tmp_path, "import os\nres = {}\nchunk = b'0' * (1 << 20)\n"
                      "for folder in ('.', '/tmp', '/dev/shm', '/job'):\n    written = 0\n"
                      "    for i in range(100_000):\n        try:\n"
                      "            with open(os.path.join(folder, f'f{i}'), 'wb') as fh:\n"
                      "                for _ in range(60):\n                    fh.write(chunk)\n"
                      "                    written += len(chunk)\n"
                      "        except OSError as e:\n            res[folder + ' stopped by'] = e.strerror\n"
                      "            break\n    res[folder] = written\n")
    after = shutil.disk_usage(tempfile.gettempdir()).used
    assert run.returncode == 0, run.stdout
    for folder in (".", "/tmp", "/dev/shm"):
        assert res[folder] <= FAST.tmpfs_bytes, (folder, res)
    assert res["/job"] == 0
    assert after - before < 32 * 1024**2, "the sandbox's writes reached the host's disk"


@pytest.mark.slow
@pytest.mark.parametrize("grader_fds", [0, 80])
def test_a_result_bomb_is_refused_before_it_is_inflated(tmp_path, grader_fds):
    """Forged results claiming arrays of terabytes: refused from their header, the grader's
    memory stays small, and the student gains nothing. With the grader holding many descriptors
    open, the results channel's number lies above the runner's own pipes."""
    import tracemalloc

    source = sample_class.honest(nbformat.read(_source("hw1"), 4))
    nb = sample_class.add_cell(source, sample_class.CHEATS["result_bomb"], at=len(source.cells))
    path = tmp_path / "hw1.ipynb"
    nbformat.write(nb, path)
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(grader_fds)]
    tracemalloc.start()
    try:
        r = _grade_file(path, _tests("hw1"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        for fd in held:
            os.close(fd)
    assert peak < 200 * 1024**2, f"the grader held {peak / 1024**2:.0f} MB"
    assert r.score == 0
    messages = [c.message for t in r.tests for c in t.cases]
    assert any("more than the" in m for m in messages), messages[:3]


@pytest.mark.slow
def test_an_honest_notebook_written_with_ipython_magics_scores_full_marks(tmp_path):
    nb = sample_class.with_ipython(nbformat.read(_source("hw1"), 4))
    path = tmp_path / "hw1.ipynb"
    nbformat.write(nb, path)
    r = _grade_file(path, _tests("hw1"))
    assert r.problems == []
    assert r.score == r.max_score


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("kind", list(sample_class.HONEST_MORE))
def test_long_exploration_a_library_helper_or_lost_metadata_cost_no_mark(kind, assignment, tmp_path):
    """Exploration longer than the cells' time after the answers, a helper defined after it, an
    answer cell importing the student library, a notebook stripped of nbgrader's metadata:
    full marks, and nothing under problems."""
    nb = sample_class.HONEST_MORE[kind](nbformat.read(_source(assignment), 4))
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    r = _grade_file(path, _tests(assignment), assignment=assignment)
    assert r.problems == []
    assert r.score == r.max_score, [(t.grade_id, t.cases[0].message) for t in r.tests if t.score < t.points]
    if kind == "honest_long_exploration":  # the feedback says which cells did not run, and why
        assert any("were not run" in n and "define nothing the graded functions use" in n for n in r.notes), r.notes
        assert not any("HELPER_READY" in n for n in r.notes), r.notes  # the helper's cell ran whole
    else:
        assert r.notes == []


@pytest.mark.slow
def test_a_long_exploration_scores_the_same_on_an_idle_machine_and_with_every_core_loaded(tmp_path):
    nb = sample_class.long_exploration(nbformat.read(_source("hw1"), 4))
    path = tmp_path / "hw1.ipynb"
    nbformat.write(nb, path)
    idle = _grade_file(path, _tests("hw1"))
    burners = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        loaded = _grade_file(path, _tests("hw1"))
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert idle.problems == []
    assert [t.score for t in loaded.tests] == [t.score for t in idle.tests] == [t.points for t in idle.tests]
    # however loaded, the tests keep their time: the notebook ends well inside its limit
    assert loaded.seconds < FAST.wall_seconds - 5, loaded.seconds


@pytest.mark.slow
def test_a_cell_stopped_at_its_limit_keeps_the_graded_function_it_defined(tmp_path):
    nb = sample_class.honest(nbformat.read(_source("hw1"), 4))
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "affine_backward")
    cell.source += "\n\n\nwhile True:  # training for ever\n    pass\n"
    path = tmp_path / "hw1.ipynb"
    nbformat.write(nb, path)
    r = _grade_file(path, _tests("hw1"))
    assert r.score == r.max_score
    assert r.problems == [f"cell affine_backward failed: TimeoutError: the cell ran past {FAST.cell_seconds:g} s "
                          "and was stopped; its definitions of affine_backward ran again on their own"]


CLOSED_HW1 = "[assignments.hw1]\nopen = false\nreveal_hidden = true\n"


@pytest.mark.slow
def test_the_graded_references_stay_withheld_when_closed_and_no_notebook_changes_the_library(tmp_path):
    """On a Dask worker, hw1 closed: a notebook answering with the library's references scores
    0, one that writes into the library changes nothing, and an honest notebook graded after it
    on the same worker, importing a helper, scores full marks."""
    course = released_course(tmp_path, "hw1", settings=CLOSED_HW1)
    source = nbformat.read(_source("hw1"), 4)
    student_version = nbformat.read(course / "release" / "hw1" / "hw1.ipynb", 4)
    cheats = sample_class.CHEATS_OF
    for name, cheat in {"a_reference": cheats["library_reference"], "b_tamper": cheats["library_tamper"]}.items():
        nb = nbformat.from_dict(student_version)
        nb.cells += [nbformat.v4.new_code_cell(code) for code in cheat(source)]
        (course / "submitted" / name / "hw1").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / name / "hw1" / "hw1.ipynb")
    (course / "submitted" / "c_helper" / "hw1").mkdir(parents=True)
    nbformat.write(sample_class.library_helper(source), course / "submitted" / "c_helper" / "hw1" / "hw1.ipynb")
    results = {r.student: r for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False)}
    assert results["a_reference"].score == 0
    messages = {c.message for t in results["a_reference"].tests for c in t.cases}
    assert any("NotImplementedError" in m and "part of homework hw1" in m for m in messages), messages
    assert results["b_tamper"].score == 0
    assert "changed []" in results["b_tamper"].output, results["b_tamper"].output[-500:]
    assert results["c_helper"].score == results["c_helper"].max_score, results["c_helper"].problems
    assert results["c_helper"].problems == []


# the honest conv2d_backward, except on its 2nd to 6th calls (counted in a file: each new child
# the runner forks starts from the notebook's state, where a counter in memory would be 0 again)
MISBEHAVING_CALLS = """import ctypes
import os
import signal

honest_conv2d_backward = conv2d_backward


def conv2d_backward(*args, **kwargs):
    calls = int(open("/tmp/calls").read()) + 1 if os.path.exists("/tmp/calls") else 1
    open("/tmp/calls", "w").write(str(calls))
    if calls == 2:
        while True:
            pass
    if calls == 3:
        os._exit(3)
    if calls == 4:
        ctypes.string_at(0)
    if calls == 5:
        os.fork()
    if calls == 6:
        os.kill(os.getpid(), signal.SIGRTMIN + 6)
    return honest_conv2d_backward(*args, **kwargs)
"""


@pytest.mark.slow
def test_a_call_that_hangs_or_crashes_costs_that_case_only(tmp_path):
    """The cases of one function share a child process: one that hangs, ends its process or
    is killed by a signal fails alone, the next child takes up the case after it, and no other function's
    case notices."""
    nb = nbformat.read(_source("hw1"), 4)
    nb.cells.append(nbformat.v4.new_code_cell(MISBEHAVING_CALLS))
    path = tmp_path / "hw1.ipynb"
    nbformat.write(nb, path)
    limits = sandbox.Limits(wall_seconds=60, cell_seconds=5, case_seconds=2)
    r = grade_submission("s", "hw1", "hw1.ipynb", path.read_bytes(), _tests("hw1"), load_secret(), True, limits)
    assert r.problems == []
    by_test = {t.grade_id: t for t in r.tests}
    conv = by_test.pop("test_conv2d_backward")
    messages = [c.message for c in conv.cases]
    assert len(messages) >= 6
    assert messages[0] == ""
    assert messages[1] == "TimeoutError: the call ran past 2 s and was stopped"
    assert messages[2] == "ProcessEnded: the call ended its process (exit status 3)"
    assert messages[3] == "ProcessEnded: the call ended its process (killed by signal SIGSEGV)"
    assert messages[4] == "", "the fork's second process must not count"
    # a signal Python has no name for
    assert messages[5] == f"ProcessEnded: the call ended its process (killed by signal {signal.SIGRTMIN + 6})"
    assert messages[6:] == [""] * (len(messages) - 6)
    assert all(t.score == t.points for t in by_test.values()), [t for t in by_test.values() if t.score < t.points]

@pytest.mark.slow
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
        assert not s.expected.unmet(r, full), (s.kind, s.expected.unmet(r, full))
        if s.expected == sample_class.HONEST:  # a kept test cell without metadata runs nowhere
            assert [t.score for t in r.tests] == [t.score for t in alone.tests], s.kind  # as when graded alone
        if s.kind == "rerun_for_time":  # stopped cells' definitions, run again, gain no time
            # (an outcome exercise's sandbox run, which runs the cells again, has limits of its own)
            outcome_runs = sum(outcome_graded.limits(OUTCOMES[t.grade_id], FAST).wall_seconds for t in tests
                               if t.grade_id in OUTCOMES)
            assert r.seconds < FAST.wall_seconds + outcome_runs + 10, r.seconds
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


@pytest.mark.slow
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
    def graded() -> int:  # results kept in the gradebook so far (a reader never blocks the run: WAL)
        if not (course / "gradebook.db").exists():
            return 0
        with sqlite3.connect(course / "gradebook.db", timeout=30) as db:
            try:
                return db.execute("SELECT COUNT(*) FROM dlcourse_graded WHERE result IS NOT NULL").fetchone()[0]
            except sqlite3.OperationalError:  # the table is not made yet
                return 0

    deadline = time.time() + 300
    while time.time() < deadline and graded() < len(keep) // 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < graded() < len(keep)
    rerun = subprocess.run(cmd, env=_env(), check=True, capture_output=True, text=True)
    assert "Warning" not in rerun.stderr, rerun.stderr[-2000:]  # the instructor's terminal sees no library noise
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
    assert len(resumed[1]) == len(keep)  # none missing
    assert all(n == 1 for _, n in resumed[1])  # no duplicate
    test_scores = [score for _, cell, score in resumed[0] if cell.startswith("test_")]
    assert test_scores, "no test cell was graded"
    assert all(score is not None for score in test_scores)


@pytest.mark.slow
def test_a_real_dask_scheduler_and_two_workers_grade_like_the_local_run(tmp_path):
    course, students = make_course(tmp_path, 20)
    local = tmp_path / "local"
    shutil.copytree(course, local)
    address_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--port", "0", "--dashboard-address", ":0",
                               "--scheduler-file", str(address_file)], env=_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", "--scheduler-file", str(address_file),
                                           "--nthreads", "1", "--no-dashboard"], env=_env(),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from dask.distributed import Client

        with Client(scheduler_file=str(address_file), timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
            address = c.scheduler.address
        remote = {r.student: r.score for r in grade_class(course, "hw1", scheduler=address, limits=FAST,
                                                           progress=False)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    here = {r.student: r.score for r in grade_class(local, "hw1", workers=2, limits=FAST, progress=False)}
    assert remote == here
    assert len(here) == 20


@pytest.mark.slow
def test_a_worker_that_dies_costs_one_submission_and_a_rerun_goes_on(tmp_path):
    """Whoever kills the worker grading one submission (here: this test, every time): that
    submission is recorded as failed with the reason, every other one is graded as usual, and a
    rerun does not hit the same wall."""
    import threading

    import psutil

    course, students = make_course(tmp_path, 8)
    victim = next(s for s in students if s.kind == "honest" and s != students[0])
    stop, kills = threading.Event(), []

    def killer():  # the worker is the parent of the bwrap that runs the victim's notebook
        while not stop.is_set():
            for proc in psutil.process_iter(["name", "cmdline"]):
                if proc.info["name"] != "bwrap" or f"dlcourse-job-{victim.name}-" not in " ".join(
                        proc.info["cmdline"] or []):
                    continue
                try:
                    worker = proc.parent()
                    # a worker is a child of this process; once it is dead, bwrap is someone else's
                    if worker is not None and worker.ppid() == os.getpid() and worker.pid not in kills:
                        worker.kill()
                        kills.append(worker.pid)
                except psutil.Error:
                    pass
            stop.wait(0.02)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        results = {r.student: r for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
        rerun = {r.student: r for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
    finally:
        stop.set()
        thread.join()
    assert len(kills) == 2, kills  # the first try, and one retry; the rerun does not run it again
    assert results[victim.name].score == 0
    assert results[victim.name].problems == [WORKER_DIED.format(student=victim.name)]
    full = sum(t.points for t in _tests("hw1"))
    for s in students:
        if s.expected.score == sample_class.FULL and s != victim:
            assert results[s.name].score == full, s
    assert {k: r.score for k, r in rerun.items()} == {k: r.score for k, r in results.items()}
    regraded = {r.student: r for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False,
                                                  regrade=frozenset({victim.name}))}
    assert regraded[victim.name].score == full


@pytest.mark.slow
def test_grading_twice_gives_the_same_score(tests_hw1, tmp_path):
    course, students = make_course(tmp_path, 8)
    first = {r.student: (r.score, r.digest)
             for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False)}
    everyone = frozenset(s.name for s in students)
    second = {r.student: (r.score, r.digest)
              for r in grade_class(course, "hw1", workers=1, limits=FAST, progress=False, regrade=everyone)}
    assert first == second


@pytest.mark.slow
def test_student_check_command(tmp_path):
    ok = subprocess.run([str(BIN / "dlcourse"), "check", str(COURSE / "source" / "hw1" / "hw1.ipynb")],
                        capture_output=True, text=True, env=_env())
    assert ok.returncode == 0, ok.stdout
    shown = sum(len(cases.visible_cases(SPECS[t.grade_id])) for t in _tests("hw1"))
    assert shown >= 2 * len(_tests("hw1"))  # every test shows two visible cases or more
    assert f"visible tests: {shown} of {shown} passed" in ok.stdout
    course, _ = make_course(tmp_path, 0)
    bad = subprocess.run([str(BIN / "dlcourse"), "check", str(course / "release" / "hw1" / "hw1.ipynb")],
                         capture_output=True, text=True, env=_env())
    assert bad.returncode == 1
    assert "FAIL affine_backward(dout: (1, 4), x: (1, 3), w: (3, 4)), visible case 1" in bad.stdout


@pytest.mark.slow
def test_stock_nbgrader_grades_the_course_in_a_real_kernel_and_its_feedback_shows_no_hidden_case(tmp_path):
    """The stock autograde -> generate_feedback path on our course, in a real Jupyter kernel:
    the test cells import the kit's hwcheck (copied from source/ by autograde) and grade the
    visible cases; an honest notebook written with IPython magics scores full marks there as in
    our sandbox; the feedback HTML shows the visible test lines and the scores only."""
    course, students = make_course(tmp_path, 5)
    with_magics = next(s for s in students if s.kind == "honest_ipython")
    for step in ("autograde", "generate_feedback"):
        out = subprocess.run([str(BIN / "nbgrader"), step, "hw1", "--force"], cwd=course, env=_env(),
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
    from nbgrader.api import Gradebook

    full = sum(t.points for t in _tests("hw1"))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        stock = {s.name: gb.find_submission("hw1", s.name).code_score for s in (students[0], with_magics)}
    assert stock == {students[0].name: full, with_magics.name: full}  # the proof waits for a human
    for s in (students[0], with_magics):
        page = (course / "feedback" / s.name / "hw1" / "hw1.html").read_text()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)).replace("&quot;", '"')
        assert 'check("test_adam_step", adam_step)' in text
        assert "Score: 3.0 / 3.0" in text
        assert "HIDDEN TESTS" not in text
    ours = grade_class(course, "hw1", workers=2, limits=FAST, progress=False)
    assert next(r for r in ours if r.student == with_magics.name).score == full


@pytest.fixture(scope="module")
def postgres_url():
    """A real PostgreSQL server for this module, from Debian's package: a fresh cluster in a
    temporary folder, trust auth, stopped afterwards. It listens on a Unix socket in that folder
    only: no TCP port that another process could hold or reach."""
    import tempfile

    bindir = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))  # the newest major
    data = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # the server refuses root
    if as_postgres:
        shutil.chown(data, "postgres")
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data / "db"), "--auth=trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w",
                    "-o", f"-k {data} -c listen_addresses=''", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://grader@/postgres?host={data}"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.slow
def test_a_postgresql_gradebook_gets_the_same_grades_as_sqlite(tmp_path, postgres_url):
    from nbgrader.api import Gradebook

    course, students = make_course(tmp_path, 12)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "hw1", "--force",
                    f"--CourseDirectory.db_url={postgres_url}"], cwd=course, env=_env(), check=True,
                   capture_output=True)
    on_pg = {r.student: r.score for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False,
                                                     db_url=postgres_url)}
    on_sqlite = {r.student: r.score for r in grade_class(course, "hw1", workers=2, limits=FAST, progress=False)}
    assert on_pg == on_sqlite
    assert len(on_pg) == 12

    def cell_scores(url):
        with Gradebook(url) as gb:
            return {(s.name, g.name): g.auto_score for s in students for g in
                    gb.find_submission_notebook("hw1", "hw1", s.name).grades if g.name.startswith("test_")}

    assert cell_scores(postgres_url) == cell_scores(f"sqlite:///{course / 'gradebook.db'}")
    out = subprocess.run([str(BIN / "nbgrader"), "export", f"--CourseDirectory.db_url={postgres_url}", "--to",
                          str(tmp_path / "grades.csv")], cwd=course, env=_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len((tmp_path / "grades.csv").read_text().splitlines()) == 1 + len(students)


@pytest.mark.slow
@pytest.mark.parametrize("with_prlimit", [True, False])
def test_the_limits_hold_with_prlimit_and_without(tmp_path, monkeypatch, with_prlimit):
    """prlimit sets the limits as the run starts; on a host without it (an unsandboxed run on
    macOS, say), a preexec function sets the same."""
    which = shutil.which
    if not with_prlimit:
        monkeypatch.setattr(sandbox.shutil, "which", lambda name, *a, **k: None if name == "prlimit" else which(name))
    (tmp_path / "probe.py").write_text(
        "import json, os, resource\n"
        "limits = [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_NOFILE, resource.RLIMIT_CPU)]\n"
        "os.write(int(os.environ['DLCOURSE_RESULTS_FD']), json.dumps(limits).encode())\n")
    limits = sandbox.Limits(memory_bytes=3 * 1024**3, open_files=99, cpu_seconds=77)
    run = sandbox.run(tmp_path, "probe.py", limits, sandboxed=False)
    assert json.loads(run.results) == [[3 * 1024**3] * 2, [99, 99], [77, 77]]


# ------------------------------------------------------------------ fast: checking outputs


def _doubling_spec(**changes) -> Spec:
    return Spec("test_double", "double", lambda rng, k: {"x": rng.standard_normal(3)}, lambda x: (2 * x,),
                ("y",), points=1, **changes)


def test_outputs_are_checked_against_the_reference_on_the_same_inputs():
    spec, x = _doubling_spec(), np.array([1.0, -2.0, 0.5])
    assert grader.check_outputs(spec, {"x": x}, [checker.encode(2 * x)]) == []
    [wrong] = grader.check_outputs(spec, {"x": x}, [checker.encode(3 * x)])
    assert "output y: 3 of 3 entries differ" in wrong
    [arity] = grader.check_outputs(spec, {"x": x}, [])
    assert "double must return 1 value(s) (y), it returned 0" in arity


def test_an_output_larger_than_the_reference_is_refused_before_it_is_decoded():
    huge = {"dtype": "<f8", "shape": [10**9], "data": ""}
    [message] = grader.check_outputs(_doubling_spec(), {"x": np.zeros(3)}, [huge])
    assert "could not be read" in message
    assert "more than the 3" in message
