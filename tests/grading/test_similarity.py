"""The similarity report (dlcourse.grading.similarity): a copy disguised by renaming is flagged,
honest work and the starter code are not, links are refused, and nothing but the report is written.

The fast tests compare answer codes in-process; the slow ones run the report on a real sample
class, released by nbgrader."""
from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import shutil
import stat
from pathlib import Path

import nbformat
import numpy as np
import pytest
from courses import released_course

import sample_class
from dlcourse.cli import main
from dlcourse.grading import cases, checker, grader, notebook, similarity
from dlcourse.grading.exercises import SPECS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "autograder" / "source"
HONEST = {"honest", "honest_ipython", "restructured", "honest_own_words"}


def _source(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def _code(nb: nbformat.NotebookNode) -> str:
    return similarity.answer_code(nb, {t.grade_id for t in notebook.test_cells(nb)})


def _cells_by_function(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {notebook.nbgrader_metadata(c).get("grade_id"): c.source for c in nb.cells if c.cell_type == "code"}


# ------------------------------------------------------------------ the sample class's copier, in-process
@pytest.mark.parametrize("function", sorted(sample_class.OWN_WORDS))
def test_own_answers_and_their_disguised_copy_pass_every_case(function):
    """The honest student's own answer and the copier's renamed copy both score full marks."""
    spec = next(s for s in SPECS.values() if s.function == function)
    own = sample_class.OWN_WORDS[function]
    disguised = sample_class.rename_locals(sample_class.without_comments(own))
    assert disguised != own
    for code in (own, disguised):
        namespace = {"np": np}
        exec(code, namespace)
        answer = namespace[function]
        for case in cases.visible_cases(spec) + cases.hidden_cases(spec, b"a fixed secret for these tests", "hw", "s"):
            inputs = cases.inputs(spec, case)
            values = checker.as_outputs(answer(**spec.arguments(inputs)), spec.outputs, spec.function)
            assert grader.check_outputs(spec, inputs, [checker.encode(values[k]) for k in spec.outputs]) == [], \
                (case.name, code)


@pytest.mark.parametrize("assignment", sorted(p.name for p in SOURCE.iterdir() if p.is_dir()))
def test_the_copier_renames_every_local_and_rewrites_every_comment(assignment):
    original = sample_class.own_words(_source(assignment))
    copy = sample_class.copied_with_renames(original)
    mine, theirs = _cells_by_function(original), _cells_by_function(copy)
    rewritten = [f for f in sample_class.OWN_WORDS if f in mine]
    assert rewritten, f"{assignment}: no answer of the honest student's own to copy"
    for function in rewritten:
        assignments = [line.strip() for line in mine[function].splitlines() if re.search(r"\w\s*=[^=]", line)]
        assert assignments
        copied_lines = [line.strip() for line in theirs[function].splitlines()]
        for line in assignments:  # each assignment names a local, renamed in the copy
            assert line not in copied_lines, (function, line)
        comments = [line.strip() for line in mine[function].splitlines() if "#" in line]
        assert not any(c in theirs[function] for c in comments), function
        assert theirs[function].startswith(sample_class.COPIER_COMMENT)
        assert f"def {function}(" in theirs[function]  # the grader still finds the answer by its name


# ------------------------------------------------------------------ the comparison, in-process
def test_a_renamed_copy_of_own_work_is_flagged_and_the_model_answer_is_not():
    source = _source("hw1")
    solution = [_code(source)]
    own = sample_class.own_words(source)
    answers = {"honest_a": _code(sample_class.honest(source)), "honest_b": _code(sample_class.honest(source)),
               "own": _code(own), "copier": _code(sample_class.copied_with_renames(own))}
    pairs = similarity.compare(answers, solution)
    flagged = [p for p in pairs if p.flagged(similarity.DISPLAY_THRESHOLD, similarity.MIN_MATCH)]
    assert [(p.first, p.second) for p in flagged] == [("copier", "own")]
    assert flagged[0].score == pytest.approx(1.0)
    assert all("<mark>" in side for side in flagged[0].highlighted)
    assert not any({"honest_a", "honest_b"} & {p.first, p.second} for p in pairs)  # nothing of their own to match
    # the exclusion is what keeps the two model answers apart: compared whole, they are one code
    whole = similarity.compare(answers, [])
    assert ("honest_a", "honest_b") in [(p.first, p.second) for p in whole
                                        if p.flagged(similarity.DISPLAY_THRESHOLD, similarity.MIN_MATCH)]


def test_a_short_match_is_not_flagged_however_large_its_share():
    stub = "def f(a):\n    raise NotImplementedError()\n"
    shared = "    total = a.sum(axis=0) + a.mean(axis=1) * 2\n    return total / a.size - a.max()\n"
    answers = {"a": stub + shared, "b": stub.replace("f(a)", "g(a)") + shared.replace("total", "s")}
    [pair] = similarity.compare(answers, [stub])
    assert pair.score > 0.5
    assert pair.overlap < similarity.MIN_MATCH
    assert not pair.flagged(similarity.DISPLAY_THRESHOLD, similarity.MIN_MATCH)
    assert pair.flagged(similarity.DISPLAY_THRESHOLD, min_match=pair.overlap)
    assert pair.highlighted == ("", "")


# ------------------------------------------------------------------ a real sample class
def _files_outside_reports(course: Path) -> dict[str, str]:
    """Every regular file of the course but reports/, with its content's hash (links and FIFOs: their kind)."""
    seen = {}
    for folder, dirs, files in os.walk(course):
        dirs[:] = [d for d in dirs if Path(folder, d) != course / "reports"]
        for name in files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(mode) else oct(mode)
    return seen


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    course = released_course(tmp_path_factory.mktemp("similarity"))
    students = sample_class.make(course, "hw1", len(sample_class.class_kinds(_source("hw1"))))
    gradebook = hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest()
    before = _files_outside_reports(course)
    with_solution = similarity.similarity_report(course, "hw1", keep_solution=True, progress=False)
    report = similarity.similarity_report(course, "hw1", progress=False)
    return {"course": course, "students": students, "report": report, "with_solution": with_solution,
            "gradebook": gradebook, "before": before, "after": _files_outside_reports(course)}


def _kinds(sample) -> dict[str, str]:
    return {s.name: s.kind for s in sample["students"]}


@pytest.mark.slow
def test_the_copied_pair_is_flagged_first(sample):
    [copier] = [s for s in sample["students"] if s.kind == "copied_with_renames"]
    assert _kinds(sample)[copier.copied_from] == "honest_own_words"
    top = sample["report"].flagged[0]
    assert {top.first, top.second} == {copier.name, copier.copied_from}
    assert top.score == pytest.approx(1.0)


@pytest.mark.slow
def test_honest_independent_work_is_not_flagged(sample):
    kinds = _kinds(sample)
    for report in (sample["report"], sample["with_solution"]):
        assert set(report.students) >= {name for name, kind in kinds.items() if kind in HONEST}
    with_honest = [{kinds[p.first], kinds[p.second]} for p in sample["report"].flagged
                   if kinds[p.first] in HONEST or kinds[p.second] in HONEST]
    assert with_honest == [{"honest_own_words", "copied_with_renames"}]  # the copied student, with the copier only
    # compared with the model answer left in, the students who wrote it look alike: why it is excluded
    n = sum(1 for kind in kinds.values() if kind == "honest")
    honest = [p for p in sample["with_solution"].flagged if kinds[p.first] == kinds[p.second] == "honest"]
    assert len(honest) == n * (n - 1) // 2


@pytest.mark.slow
def test_the_starter_code_alone_is_not_flagged(sample):
    [starter_only] = [name for name, kind in _kinds(sample).items() if kind == "student_version"]
    assert starter_only in sample["report"].students
    assert not [p for p in sample["report"].pairs if starter_only in (p.first, p.second)]
    assert not [p for p in sample["with_solution"].pairs if starter_only in (p.first, p.second)]


@pytest.mark.slow
def test_links_are_listed_with_their_reason_and_never_followed(sample):
    kinds = _kinds(sample)
    skipped = dict(sample["report"].skipped)
    for name, kind in kinds.items():
        if kind in sample_class.LINKS:
            assert name not in sample["report"].students, kind
            assert name in skipped, kind
            assert re.search(r"symbolic link|hard link|not a regular file", skipped[name]), skipped[name]
    page = sample["report"].html.read_text()
    assert "Not compared" in page
    assert "is a symbolic link" in page


@pytest.mark.slow
def test_the_report_changes_no_grade_and_no_other_file(sample):
    course = sample["course"]
    assert hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest() == sample["gradebook"]
    assert sample["after"] == sample["before"]
    assert sorted(p.name for p in (course / "reports" / "hw1").iterdir()) == ["similarity.csv", "similarity.html"]


@pytest.mark.slow
def test_the_page_shows_both_codes_side_by_side_with_the_matches_marked(sample):
    page = sample["report"].html.read_text()
    assert "This report changes no grade." in page
    top = sample["report"].flagged[0]
    first_section = re.findall(r"<div class='pair'>(.*?)</div></div>", page, flags=re.S)[0]
    left, right = re.findall(r"<pre>(.*?)</pre>", first_section, flags=re.S)
    assert "<mark>" in left
    assert "<mark>" in right
    as_text = [html.unescape(re.sub(r"<[^>]+>", "", side)) for side in (left, right)]
    own, copy = as_text if _kinds(sample)[top.first] == "honest_own_words" else as_text[::-1]
    assert "    labels = np.asarray(y).astype(int)" in own
    assert "    my_labels = np.asarray(y).astype(int)" in copy


@pytest.mark.slow
def test_the_csv_lists_pairs_and_scores(sample):
    with open(sample["report"].csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(sample["report"].pairs)
    flagged = [r for r in rows if r["flagged"] == "True"]
    assert len(flagged) == len(sample["report"].flagged)
    top = sample["report"].flagged[0]
    assert (flagged[0]["student_a"], flagged[0]["student_b"]) == (top.first, top.second)
    assert float(flagged[0]["share_of_a_in_b"]) == pytest.approx(top.first_share, abs=1e-4)


@pytest.mark.slow
def test_the_command_reports_the_pair_and_says_what_is_wrong(sample, tmp_path, capsys):
    course = sample["course"]
    assert main(["similarity", "hw1", "--course", str(course), "--quiet"]) == 0
    out = capsys.readouterr().out
    top = sample["report"].flagged[0]
    assert f"{top.first} and {top.second}: 100%" in out
    assert "no grade was changed" in out
    assert main(["similarity", "hw9", "--course", str(course)]) == 1
    assert "hw9: no such assignment" in capsys.readouterr().err
    assert main(["similarity", "hw1", "--course", str(course), "--threshold", "1.5"]) == 1
    assert "the threshold is a share" in capsys.readouterr().err
    empty = tmp_path / "empty"
    for part in ("source", "release"):
        shutil.copytree(course / part / "hw1", empty / part / "hw1")
    shutil.copy(course / "nbgrader_config.py", empty)
    assert main(["similarity", "hw1", "--course", str(empty)]) == 1
    assert "no submissions of hw1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as help_exit:
        main(["similarity", "--help"])
    assert help_exit.value.code == 0
    assert "--threshold" in capsys.readouterr().out
