"""The grading core without a sandbox: reading notebooks and submitted files, the runner's
stream, the checker students receive, the cases, the feedback and reports, and every known wrong
answer against its exercise. Fast: no sandbox, no process, no cluster."""
from __future__ import annotations

import csv
import html
import json
import os
import re
import stat
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.grading import cases, checker, grader, mistakes, notebook, report, sandbox
from dlcourse.grading.batch import grade_class
from dlcourse.grading.cases import load_secret
from dlcourse.grading.exercise import Spec
from dlcourse.grading.exercises import SPECS, wrong_answers
from dlcourse.grading.grader import read_status
from dlcourse.grading.insandbox import cells as insandbox_cells
from dlcourse.grading.insandbox import inert, protocol

ROOT = Path(__file__).resolve().parents[1]


def _notebook_bytes(**changes) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f(x):\n    return x")]
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "f", "solution": True}
    data = json.loads(nbformat.writes(nb))
    for key, value in changes.items():
        data["cells"][0][key] = value
    return json.dumps(data).encode()


def test_a_byte_order_mark_does_not_cost_the_notebook():
    nb = notebook.read("hw.ipynb", b"\xef\xbb\xbf" + _notebook_bytes())
    assert notebook.code_to_run(nb, set())[0]["source"].startswith("def f")


def test_a_cell_slightly_off_the_schema_is_still_graded():
    nb = notebook.read("hw.ipynb", _notebook_bytes(execution_count="seven", outputs=[{"transient": {}}]))
    assert [c["id"] for c in notebook.code_to_run(nb, set())] == ["f"]


def test_a_notebook_without_readable_cells_is_refused_with_its_name():
    with pytest.raises(notebook.SubmissionError, match="hw.ipynb: (invalid|not a readable) notebook"):
        notebook.read("hw.ipynb", _notebook_bytes(source=[1, 2]))


def test_a_grade_id_that_is_not_a_string_counts_as_none():
    data = json.loads(_notebook_bytes())
    data["cells"][0]["metadata"]["nbgrader"]["grade_id"] = ["not", "hashable"]
    nb = notebook.read("hw.ipynb", json.dumps(data).encode())
    assert [c["id"] for c in notebook.code_to_run(nb, {"test_f"})] == ["cell-1"]


def test_the_runner_stream_ignores_forged_cells_and_keeps_the_first_word_on_each():
    lines = [{"cell": "nowhere", "status": "error", "error": "planted text"},
             {"cell": ["unhashable"], "status": "error"},
             {"cell": "f", "status": "error", "error": "NameError"},
             {"cell": "f", "status": "ok"},
             {"case": 0, "status": "ok", "outputs": []},
             {"case": 0, "status": "error", "error": "later"}]
    data = b"\n".join(json.dumps(r).encode() for r in lines) + b"\nnot json\n[1, 2]\n"
    status = read_status(data, {"f"})
    assert status["cells"] == {"f": "NameError"}
    assert status["cases"] == {0: []}


@pytest.mark.parametrize("value", [np.array([1 + 0j, 2 + 0j]), np.longdouble(2.5), [1, 2], True, np.float32(0.5)])
def test_real_values_of_any_numeric_type_are_accepted(value):
    assert checker.as_real(value).dtype == np.float64


@pytest.mark.parametrize("value", [np.array([1 + 1j]), "text", None, np.array([{}])])
def test_values_that_are_not_real_numbers_are_refused(value):
    with pytest.raises(ValueError):
        checker.as_real(value)


def test_a_decoded_array_is_bounded_before_its_data_is_read():
    huge = {"dtype": "<f8", "shape": [1 << 40], "data": "AAAA"}
    with pytest.raises(ValueError, match="more than the 12"):
        checker.decode(huge, max_elements=12)
    assert checker.decode(checker.encode(np.arange(6.0).reshape(2, 3))).shape == (2, 3)


def test_the_comparison_names_the_worst_entry_but_no_expected_value():
    got = {"dx": np.array([1.0, 2.0, 3.5])}
    expected = {"dx": np.array([1.0, 2.0, 3.0])}
    [message] = checker.compare(got, expected, rtol=1e-6, atol=1e-8)
    assert "1 of 3 entries differ" in message
    assert "index (2,)" in message
    assert "3.0" not in message.replace("3.5", "")


def test_hidden_cases_differ_per_student_come_from_the_secret_and_keep_their_edge_cases():
    spec = SPECS["test_two_branch_backward"]
    secret = load_secret()
    alice = cases.hidden_cases(spec, secret, "hw3", "alice")
    assert alice == cases.hidden_cases(spec, secret, "hw3", "alice")  # the instructor can make them again
    bob = cases.hidden_cases(spec, secret, "hw3", "bob")
    assert [c.seed for c in alice if not c.edge] != [c.seed for c in bob if not c.edge]
    other = cases.hidden_cases(spec, b"another course's secret!", "hw3", "alice")
    assert [c.seed for c in alice] != [c.seed for c in other]
    assert spec.edge_cases, "the test needs an exercise with edge cases"
    assert [c.edge for c in alice if c.edge] == list(spec.edge_cases)
    visible = {c.seed for c in cases.visible_cases(spec)}
    assert not visible & {c.seed for c in alice}


def test_a_secret_inside_the_course_folder_is_refused(tmp_path, monkeypatch):
    inside = tmp_path / "course" / "secret"
    inside.parent.mkdir()
    inside.write_bytes(b"x" * 32)
    inside.chmod(0o600)
    monkeypatch.setenv(cases.SECRET_ENV, str(inside))
    with pytest.raises(cases.SecretError, match="outside the course folder"):
        load_secret(tmp_path / "course")


def test_submitted_links_and_special_files_are_refused_with_a_reason(tmp_path):
    root = tmp_path / "submitted"
    answer_key = tmp_path / "source" / "hw1.ipynb"
    answer_key.parent.mkdir(parents=True)
    answer_key.write_text("{}")
    for student in ("file_link", "folder_link", "hard_link", "fifo", "device", "plain"):
        (root / student / "hw1").mkdir(parents=True)
    (root / "file_link" / "hw1" / "hw1.ipynb").symlink_to(answer_key)
    (root / "folder_link" / "hw1").rmdir()
    (root / "folder_link" / "hw1").symlink_to(answer_key.parent, target_is_directory=True)
    os.link(answer_key, root / "hard_link" / "hw1" / "hw1.ipynb")
    os.mkfifo(root / "fifo" / "hw1" / "hw1.ipynb")
    os.mknod(root / "device" / "hw1" / "hw1.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    (root / "plain" / "hw1" / "hw1.ipynb").write_text("{}")
    (root / "student_link").symlink_to(root / "plain", target_is_directory=True)
    reasons = {"file_link": "symbolic link", "folder_link": "symbolic link", "hard_link": "hard link",
               "fifo": "not a regular file", "device": "not a regular file", "student_link": "symbolic link"}
    for student, reason in reasons.items():
        with pytest.raises(notebook.SubmissionError, match=reason):
            notebook.read_submitted(root, (student, "hw1", "hw1.ipynb"))
    assert notebook.read_submitted(root, ("plain", "hw1", "hw1.ipynb")) == b"{}"
    assert notebook.read_submitted(root, ("plain", "hw1", "missing.ipynb")) is None


def test_refuses_to_grade_unsandboxed_without_being_told(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--no-sandbox"):
        grade_class(tmp_path, "hw1")


# ------------------------------------------------------------------ checker: arrays and comparisons
@pytest.mark.parametrize("value", [np.arange(6.0).reshape(2, 3), np.float32([0.1, -2.5]), np.int64(7),
                                   np.array([True, False]), np.zeros((0, 3))])
def test_encode_then_decode_gives_the_same_array_bit_for_bit(value):
    back = checker.decode(json.loads(json.dumps(checker.encode(value))))
    assert back.dtype == np.asarray(value).dtype
    assert back.shape == np.shape(value)
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("encoded,problem", [
    ({"dtype": "|O", "shape": [1], "data": ""}, "not numeric"),
    ({"dtype": "<c16", "shape": [1], "data": "A" * 24}, "not numeric"),
    ({"dtype": "<f8", "shape": [-1], "data": ""}, "not a valid array shape"),
    ({"dtype": "<f8", "shape": [3], "data": "AAAAAAAAAAA="}, "does not hold 3 entries"),
])
def test_decode_refuses_what_is_not_a_numeric_array_of_its_shape(encoded, problem):
    with pytest.raises(ValueError, match=problem):
        checker.decode(encoded)


def test_the_comparison_agrees_within_the_tolerance_and_not_beyond():
    expected = {"y": np.array([1.0, 100.0])}
    assert checker.compare({"y": np.array([1.0, 100.0 + 9e-5])}, expected, rtol=1e-6, atol=0) == []
    [message] = checker.compare({"y": np.array([1.0, 100.0 + 2e-4])}, expected, rtol=1e-6, atol=0)
    assert "output y: 1 of 2 entries differ" in message


@pytest.mark.parametrize("got,problem", [
    ({}, "output y is missing"),
    ({"y": np.zeros(3)}, "output y has shape (3,), expected (2,)"),
    ({"y": np.array([np.nan, np.inf])}, "output y contains 2 NaN or infinite entries"),
])
def test_the_comparison_says_what_is_wrong_with_an_output(got, problem):
    assert checker.compare(got, {"y": np.zeros(2)}, rtol=1e-6, atol=1e-8) == [problem]


def test_a_return_value_of_the_wrong_arity_is_refused_with_the_names_expected():
    assert set(checker.as_outputs((1.0, 2.0), ("a", "b"), "f")) == {"a", "b"}
    assert set(checker.as_outputs(3.0, ("a",), "f")) == {"a"}
    with pytest.raises(ValueError, match=r"f must return 2 value\(s\) \(a, b\), it returned 1"):
        checker.as_outputs(1.0, ("a", "b"), "f")


def test_the_relu_max_property_accepts_a_true_construction_and_names_a_point_where_a_false_one_fails():
    x = np.random.default_rng(0).standard_normal((50, 2))
    # max(a, b) = relu(a - b) + relu(b) - relu(-b)
    W1 = np.array([[1.0, -1.0], [0.0, 1.0], [0.0, -1.0]])
    assert checker.relu_network_equals_max({"x": x}, {"W1": W1, "w2": np.array([1.0, 1.0, -1.0])}) == []
    [message] = checker.relu_network_equals_max({"x": x}, {"W1": W1, "w2": np.array([1.0, 1.0, 1.0])})
    assert "differs from max(x1, x2)" in message
    [shape] = checker.relu_network_equals_max({"x": x}, {"W1": np.ones((3, 3)), "w2": np.ones(3)})
    assert "W1 must be (hidden, 2)" in shape


# ------------------------------------------------------------------ notebooks
def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def test_code_to_run_keeps_every_code_cell_in_order_but_the_test_cells_and_the_local_checks():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("prose"),
                _cell("from hwcheck import check", grade_id=notebook.LOCAL_CHECKS),
                _cell("def f(x):\n    return x", grade_id="f", solution=True),
                _cell('check("test_f", f)', grade_id="test_f", grade=True, points=2),
                _cell("f(1)")]
    assert notebook.code_to_run(nb, {"test_f"}) == [{"id": "cell-1", "source": "import numpy as np"},
                                                    {"id": "f", "source": "def f(x):\n    return x"},
                                                    {"id": "cell-6", "source": "f(1)"}]
    assert notebook.test_cells(nb) == [notebook.TestCell("test_f", 2.0)]


@pytest.fixture(scope="module")
def shell():
    """The runner's IPython shell (one per process: IPython's shell is a singleton)."""
    return insandbox_cells.new_shell()


@pytest.mark.parametrize("source, unforked", [
    ("def f(x: np.ndarray, k: int = -1, *, mode: 'str' = ('a', None)) -> np.ndarray:\n    while True:\n"
     "        pass", True),
    ("import numpy as np\nfrom numpy import linalg\n'notes'\nSEED = 0\npass", True),
    ("@functools.cache\ndef f(x):\n    return x", False),  # a decorator runs when the function is defined
    ("def f(x=make_default()):\n    return x", False),  # and so does a default
    ("def f(x=10 ** 10 ** 10):\n    return x", False),
    ("def f(x) -> tuple[int, int] | None:\n    return x", False),  # [] and | may run a class's code
    ("x = data[0]", False),  # so may indexing,
    ("x = np.pi", False),  # an attribute (a property, a lazy loader)
    ("def f(x: ShellHolder.prop):\n    return x", False),
    ("from a_fake_module import x", False),  # and importing from what is not a module
    ("dropped = 1", False),  # a name whose value has a __del__
    ("dropped_number = 1", False),  # even a number's
    ("a_number = 1\ndef a_function():\n    pass", True),
    ("import a_module_nobody_loaded", False),
    ("%timeit 1", False),
    ("print('hi')", False),
    ("class A:\n    pass", False),
    ("for i in range(3):\n    pass", False),
    ("def f(:", False),  # the run reports the syntax error
])
def test_only_a_cell_that_can_neither_loop_nor_end_its_process_runs_without_a_fork(shell, source, unforked,
                                                                                   monkeypatch):
    class WithDel:
        def __del__(self):
            pass

    class NumberWithDel(int):
        def __del__(self):
            pass

    monkeypatch.setitem(shell.user_ns, "dropped_number", NumberWithDel(3))
    monkeypatch.setitem(shell.user_ns, "a_number", 3)
    monkeypatch.setitem(shell.user_ns, "a_function", lambda: None)
    monkeypatch.setitem(shell.user_ns, "np", np)  # as an earlier cell imported it
    monkeypatch.setitem(shell.user_ns, "dropped", WithDel())
    monkeypatch.setitem(shell.user_ns, "ShellHolder", WithDel)
    monkeypatch.setitem(sys.modules, "a_fake_module", WithDel())
    assert inert.cannot_stop(source, shell, inert.Baseline(shell)) is unforked


def test_every_cell_runs_in_a_fork_once_the_notebook_has_hooked_into_the_shell(shell):
    baseline = inert.Baseline(shell)
    callback = print
    shell.events.register("post_run_cell", callback)
    try:
        assert not inert.cannot_stop("def f(x):\n    return x", shell, baseline)
    finally:
        shell.events.unregister("post_run_cell", callback)
    assert inert.cannot_stop("def f(x):\n    return x", shell, baseline)


@pytest.mark.parametrize("data,problem", [(b"", "the file is empty"), (b"\xff\xfe{}", "not UTF-8"),
                                          (b"{not json", "not a readable notebook")])
def test_an_unreadable_file_is_refused_with_the_reason(data, problem):
    with pytest.raises(notebook.SubmissionError, match=f"hw.ipynb: {problem}"):
        notebook.read("hw.ipynb", data)


# ------------------------------------------------------------------ the runner's stream
def test_the_runner_stream_is_read_within_its_line_cap_and_its_messages_are_cut():
    lines = [json.dumps({"case": i, "status": "ok", "outputs": []}) for i in range(protocol.MAX_STATUS_LINES + 5)]
    lines.append(json.dumps({"cell": "f", "status": "error", "error": "x" * 10_000}))
    status = read_status("\n".join(lines).encode(), {"f"})
    assert len(status["cases"]) == protocol.MAX_STATUS_LINES
    assert status["cells"] == {}  # past the cap
    cut = read_status(lines[-1].encode(), {"f"})
    assert len(cut["cells"]["f"]) == 400


def test_a_case_reported_ok_without_a_list_of_outputs_counts_as_failed():
    status = read_status(json.dumps({"case": 0, "status": "ok", "outputs": "forged"}).encode(), set())
    assert status["cases"] == {0: "failed"}


def test_a_cell_short_of_time_is_a_note_and_its_names_are_bounded():
    lines = [{"cell": "a", "status": "skipped"}, {"cell": "b", "status": "definitions", "kept": ["f", 3]},
             {"cell": "c", "status": "interrupted", "kept": ["n" * 500] * 100}, {"cell": "d", "status": "skipped"},
             {"cell": "a", "status": "error", "error": "a second word on a cell"}, {"cell": "e", "status": "forged"}]
    status = read_status("\n".join(json.dumps(line) for line in lines).encode(), {"a", "b", "c", "e"})
    assert status["cells"] == {"a": None, "b": None, "c": None, "e": None}  # none of them is a problem
    assert status["notes"]["a"] == ("skipped", [])
    assert status["notes"]["b"] == ("definitions", ["f", "3"])
    assert len(status["notes"]["c"][1]) == protocol.MAX_KEPT_NAMES
    assert {len(n) for n in status["notes"]["c"][1]} == {80}
    assert set(status["notes"]) == {"a", "b", "c"}  # no cell d in the job, no status "forged"
    said = grader.cell_notes({"a": ("skipped", []), "b": ("definitions", ["f", "g"]), "c": ("skipped", []),
                              "d": ("interrupted", [])}, 60)
    assert len(said) == 3  # the skipped cells in one note
    assert said[0].startswith("cells a, c were not run: the notebook's 60 s for running cells were spent")
    assert "only its definitions of f, g" in said[1]
    assert "cell d was stopped" in said[2]


# ------------------------------------------------------------------ checking one case's outputs
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


# ------------------------------------------------------------------ cases and the course secret
def test_an_edge_case_makes_its_inputs_from_its_own_function():
    spec = _doubling_spec(edge_cases={"zeros": lambda rng: {"x": np.zeros(5)}})
    [edge, *random] = cases.hidden_cases(spec, b"s" * 32, "hw", "alice")
    assert edge.name == "edge case: zeros"
    np.testing.assert_array_equal(cases.inputs(spec, edge)["x"], np.zeros(5))
    assert len(random) == spec.random_cases
    assert all(cases.inputs(spec, c)["x"].shape == (3,) for c in random)
    visible = cases.visible_cases(spec)
    assert [c.seed for c in visible] == list(spec.visible_seeds)


def test_a_secret_that_is_too_short_or_readable_by_others_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "secret"
    monkeypatch.setenv(cases.SECRET_ENV, str(path))
    with pytest.raises(cases.SecretError, match="no course secret"):
        load_secret()
    created = load_secret(create=True)
    assert len(created) == cases.SECRET_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret() == created
    path.chmod(0o640)
    with pytest.raises(cases.SecretError, match="readable by other users"):
        load_secret()
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(cases.SecretError, match="too short"):
        load_secret()


# ------------------------------------------------------------------ feedback and reports
def _result(student: str = "alice", message: str = "output y: 1 of 3 entries differ") -> grader.SubmissionResult:
    failed = grader.CaseReport("hidden case 1", 12345, "two_branch_backward(...)", False, message, 0)
    passed = grader.CaseReport("visible case 1", 0, "two_branch_backward(...)", True)
    tests = [grader.TestReport("test_two_branch_backward", "two_branch_backward", 2.0, 1.0, [passed, failed]),
             grader.TestReport("test_unreached", "unreached", 1.0, 0.0)]
    return grader.SubmissionResult(student, "hw3", "hw3.ipynb", "digest", tests, ["cell 4 failed: NameError"])


def test_feedback_escapes_what_the_student_controls_and_shows_no_seed():
    page = report.feedback_html(_result(student="<b>eve</b>", message="<script>alert(1)</script>"))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>eve</b>" not in page
    assert "12345" not in page
    assert "<pre>" not in page  # hidden inputs stay hidden until the instructor reveals them
    assert "1 / 3" in page
    assert "not run" in page
    assert "cell 4 failed: NameError" in page


def test_revealed_feedback_pastes_back_as_the_failed_case_s_very_inputs():
    result = _result()
    page = report.feedback_html(result, reveal=True)
    [shown_code] = re.findall(r"<pre>(.*?)</pre>", page, re.DOTALL)
    shown = {}
    exec(html.unescape(shown_code), {"np": np}, shown)
    spec = SPECS["test_two_branch_backward"]
    failed = result.tests[0].cases[1]
    expected = spec.arguments(cases.inputs(spec, failed.case()))
    assert set(shown) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(shown[name], value)


def test_the_reports_hold_one_row_per_student_with_each_test_s_score(tmp_path):
    results = (_result(student) for student in ("bob", "alice"))  # read one at a time, as from the store
    paths = report.write_reports(results, tmp_path)
    with open(paths["csv"], newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert sorted(rows) == ["alice", "bob"]
    for row in rows.values():
        assert float(row["test_two_branch_backward"]) == 1.0
        assert float(row["test_unreached"]) == 0.0
        assert float(row["total"]) == 1.0
        assert float(row["max"]) == 3.0
        assert int(row["problems"]) == 1
    assert sorted(p.name for p in paths["feedback"].iterdir()) == ["alice.html", "bob.html"]
    assert "2 submissions" in paths["summary"].read_text()
    assert (tmp_path / "score_distribution.png").stat().st_size > 0


# ------------------------------------------------------------------ the known wrong answers, in-process
@pytest.mark.parametrize("name", sorted(wrong_answers()))
def test_every_known_wrong_answer_fails_a_case_its_exercise_grades_and_is_recognised_there(name):
    """The grader's comparison on the exercise's visible and hidden cases, run here on the wrong
    code itself: milliseconds, where the sandboxed test in test_grader.py takes seconds. Where a
    hidden case fails, the grader recognises the mistake from the outputs alone."""
    spec, mistake = wrong_answers()[name]
    namespace = {"np": np}
    exec(mistake.code, namespace)
    student = namespace[spec.function]
    chosen = cases.visible_cases(spec) + cases.hidden_cases(spec, b"a fixed secret for these tests", "hw", "s")
    failed, recognised = [], []
    for case in chosen:
        inputs = cases.inputs(spec, case)
        returned = student(**spec.arguments(inputs))  # a crash here is a bug of the declaration: no answer is tested
        try:
            values = checker.as_outputs(returned, spec.outputs, spec.function)
        except ValueError:  # the wrong number of values, or not numbers: failed, as in the grader
            failed.append(case.name)
            continue
        encoded = [checker.encode(values[k]) for k in spec.outputs]
        if grader.check_outputs(spec, inputs, encoded):
            failed.append(case.name)
            recognised.append(mistakes.recognise(spec, inputs, encoded))
    assert failed, f"{name} passes every case of {spec.grade_id}: the grader cannot tell it from an answer"
    assert name in recognised, f"{name}: its failed cases were recognised as {recognised}"


def test_a_failed_result_that_is_no_known_mistake_is_named_none():
    spec = SPECS["test_binary_classifier_backward"]
    inputs = cases.inputs(spec, cases.visible_cases(spec)[1])
    right = checker.as_outputs(spec.reference(**spec.arguments(inputs)), spec.outputs, spec.function)
    for scale in (3.0, 2.0):  # thrice the answer, and twice it (the 1/N of a batch of 2 left out)
        encoded = [checker.encode(scale * right[k]) for k in spec.outputs]
        assert mistakes.recognise(spec, inputs, encoded) == ("binary_classifier_without_batch_mean" if scale == 2
                                                             else None)
    oversized = [checker.encode(np.zeros(10_000))] * len(spec.outputs)
    assert mistakes.recognise(spec, inputs, oversized) is None  # refused before it is decoded


def test_a_property_s_mistake_is_recognised_by_the_function_the_weights_compute():
    spec = SPECS["test_relu_max"]
    inputs = cases.inputs(spec, cases.visible_cases(spec)[0])
    # ReLU(x1 - x2) + ReLU(x2), with each unit split in two halves: other weights, the same function
    W1 = np.array([[1.0, -1.0], [1.0, -1.0], [0.0, 1.0], [0.0, 1.0]])
    encoded = [checker.encode(W1), checker.encode(np.full(4, 0.5))]
    assert grader.check_outputs(spec, inputs, encoded)
    assert mistakes.recognise(spec, inputs, encoded) == "relu_max_loses_a_negative_x2"
    encoded = [checker.encode(np.array([[1.0, 0.0], [0.0, 1.0]])), checker.encode(np.ones(2))]  # ReLU(x1) + ReLU(x2)
    assert mistakes.recognise(spec, inputs, encoded) is None


def test_the_summary_counts_each_known_mistake_across_the_class(tmp_path):
    def student(name: str, mistake: str | None) -> grader.SubmissionResult:
        case = grader.CaseReport("hidden case 1", 1, "binary_classifier_backward(...)", mistake is None,
                                 "" if mistake is None else "output dW1: 3 of 8 entries differ", 0, None, mistake)
        tests = [grader.TestReport("test_binary_classifier_backward", "binary_classifier_backward", 3.0,
                                   3.0 if mistake is None else 0.0, [case])]
        return grader.SubmissionResult(name, "hw3", "hw3.ipynb", name, tests)

    class_ = [student(f"s{i}", "binary_classifier_without_batch_mean") for i in range(23)] + [student("ok", None)]
    summary = report.write_reports(iter(class_), tmp_path)["summary"].read_text()
    assert "23 students: the batch mean&#x27;s 1/N is left out (chapter 2, Eq. (5))" in summary


def test_the_answers_kept_for_formgrader_are_bounded_in_all():
    nb = nbformat.v4.new_notebook()
    for i in range(300):
        cell = nbformat.v4.new_markdown_cell("x" * 60_000)
        cell.metadata["nbgrader"] = {"grade_id": f"answer_{i}"}
        nb.cells.append(cell)
    kept = notebook.answers(nb, set())
    assert len(kept) <= notebook.MAX_ANSWERS
    assert all(len(v) <= notebook.MAX_ANSWER_CHARS for v in kept.values())
    assert sum(map(len, kept.values())) <= notebook.MAX_ANSWERS_CHARS
    assert kept["answer_0"] == "x" * notebook.MAX_ANSWER_CHARS  # the first answers are kept whole


def test_formgrader_shows_a_students_html_as_text(tmp_path):
    from dlcourse.grading.autograded import autograded_notebook

    source = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
    answer.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "proof", "points": 1}
    source.cells = [answer]
    result = grader.SubmissionResult("eve", "hw", "hw.ipynb", "d",
                                     answers={"proof": "<img src=x onerror=alert(1)> and a < b"})
    shown = autograded_notebook(source, result).cells[0].source
    assert "<img" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt; and a &lt; b" in shown


def test_the_notebook_formgrader_opens_is_a_valid_notebook(tmp_path):
    """Written without nbformat's validation (for speed): it must still be one, failed cases,
    missing answers and a written answer's rubric included."""
    from dlcourse.grading.autograded import write_autograded

    source = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", as_version=4)
    tests = notebook.test_cells(source)
    result = grader.refused("eve", "hw1", "hw1.ipynb", tests, "a problem")
    result.tests[0].cases.append(grader.CaseReport("hidden case 1", 7, "f(x)", False, "wrong \ufffd"))
    result.answers = {"affine_backward": "def affine_backward(dout, x, w):\n    return 1"}
    path = write_autograded(tmp_path, source, result)
    written = nbformat.read(path, as_version=4)
    nbformat.validate(written)
    assert len(written.cells) > len(source.cells)  # the rubrics under the written answers


def test_collecting_never_writes_through_a_link_a_student_left(tmp_path):
    from dlcourse.grading.collect import collect_folder

    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (course / "submitted" / "eve").mkdir(parents=True)
    (course / "submitted" / "eve" / "hw1").symlink_to(tmp_path, target_is_directory=True)
    downloads = tmp_path / "lms"
    downloads.mkdir()
    (downloads / "eve.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="not a plain folder"):
        collect_folder(course, "hw1", downloads, received_at=datetime(2026, 1, 1))
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "hw1.ipynb").exists()


def test_a_lone_surrogate_in_student_text_becomes_a_replacement_character():
    assert notebook.clean_text("ok \ud800") == "ok \ufffd"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("proof \udfff")
    cell.metadata["nbgrader"] = {"grade_id": "proof"}
    nb.cells = [cell]
    assert notebook.answers(nb, set())["proof"].encode("utf-8")  # writable as UTF-8
