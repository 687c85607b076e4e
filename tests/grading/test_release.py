"""Adding an exercise whose question is new, in one place: a scratch course (a copy of
autograder/) and a scratch declaration module that inserts one ``Spec`` into hw1, with its
section, its solution and its coverage ``Question``; a real ``release`` (nbgrader included)
makes the rest."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from dlcourse.grading import cells, coverage, exercises, kit
from dlcourse.grading.notebook import nbgrader_metadata

ROOT = Path(__file__).resolve().parents[2]

# all an instructor writes: the exercise, its question, its section and its solution, declared
# second in hw1, so every section after it moves down one
SCRATCH_MODULE = '''\
import numpy as np

from dlcourse.grading.exercise import Mistake, Question, Spec
from dlcourse.grading.exercises.hw1 import EXERCISES as HW1


def _inputs(rng, k):
    return {"dout": rng.standard_normal((1 + k, 3)), "x": rng.standard_normal((1 + k, 3))}


def _leaky_relu_backward(dout, x):
    return (np.where(x > 0, dout, 0.01 * dout),)


LEAKY = Spec("test_leaky_relu_backward", "leaky_relu_backward", _inputs, _leaky_relu_backward, ("dx",), points=2,
             questions=(Question("13.2", "The leaky ReLU's backward pass", "the course's own",
                                 "book/13-convolutions/theory#sec-conv-backward",
                                 "book/13-convolutions/lab#check-13-6"),),
             wrong_answers={"leaky_relu_slope_dropped": Mistake(
                 "the negative side's slope 0.01 is dropped, as for a plain ReLU", "sec-conv-backward",
                 "chapter 13", "def leaky_relu_backward(dout, x):\\n    return np.where(x > 0, dout, 0)\\n")},
             title="The leaky ReLU's backward pass",
             text="As in section {section:test_affine_backward}, return `dx` given `dout` and the input `x`.",
             solution="""\\
def leaky_relu_backward(dout, x):
    ### BEGIN SOLUTION
    return np.where(x > 0, dout, 0.01 * dout)
    ### END SOLUTION""")

EXERCISES = [*HW1[:1], LEAKY, *HW1[1:]]
'''


def _declare(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads the scratch module as hw1's declarations, for this test only (SPECS: the grader's
    index by grade id, where mistakes are looked up)."""
    path = folder / "hw1_scratch.py"
    path.write_text(SCRATCH_MODULE)
    spec = importlib.util.spec_from_file_location("hw1_scratch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(exercises.ASSIGNMENTS, "hw1", module.EXERCISES)
    monkeypatch.setitem(exercises.SPECS, module.LEAKY.grade_id, module.LEAKY)


def _cell(nb, grade_id: str) -> tuple[int, nbformat.NotebookNode]:
    return next((i, c) for i, c in enumerate(nb.cells) if nbgrader_metadata(c).get("grade_id") == grade_id)


@pytest.mark.slow
def test_a_new_exercise_and_its_new_question_are_declared_in_one_place(tmp_path, monkeypatch):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "autograder", course, ignore=shutil.ignore_patterns("gradebook.db*", "release",
                                                                            "submitted", "autograded", "feedback"))
    before = nbformat.read(course / "source" / "hw1" / "hw1.ipynb", 4)
    _declare(tmp_path, monkeypatch)

    _, changes = kit.release(course, "hw1")
    changes = [c.removeprefix(f"{course / 'source' / 'hw1' / 'hw1.ipynb'}: ") for c in changes]

    source = nbformat.read(course / "source" / "hw1" / "hw1.ipynb", 4)
    released = nbformat.read(course / "release" / "hw1" / "hw1.ipynb", 4)
    assert "leaky_relu_backward: solution cell added from the declaration" in changes
    assert "test_leaky_relu_backward: test cell added after leaky_relu_backward" in changes
    # the heading, numbered from the declarations, its reference numbered too, above the solution
    at, head = _cell(released, "leaky_relu_backward_text")
    assert head.source == ("## 2. The leaky ReLU's backward pass\n\n"
                           "As in section 1, return `dx` given `dout` and the input `x`.")
    assert nbgrader_metadata(released.cells[at + 1])["grade_id"] == "leaky_relu_backward"
    # the grade cell under it, with its metadata
    test = released.cells[at + 2]
    assert test.source == 'check("test_leaky_relu_backward", leaky_relu_backward)'
    declared = {k: v for k, v in nbgrader_metadata(test).items() if k not in ("checksum", "cell_type")}  # nbgrader's
    assert declared == {"grade": True, "grade_id": "test_leaky_relu_backward", "locked": True,
                        "points": 2, "schema_version": 3, "solution": False}
    # the solution stays with the instructor: the student gets the stub
    answer = released.cells[at + 1].source
    assert "0.01 * dout" in _cell(source, "leaky_relu_backward")[1].source
    assert "0.01 * dout" not in answer
    assert "raise NotImplementedError()" in answer
    assert "0.01 * dout" not in (course / "release" / "hw1" / "hw1_cases.json").read_text()
    # the kit has its visible cases, and the known mistake fails one of them under its name
    test_kit = json.loads((course / "release" / "hw1" / "hw1_cases.json").read_text())["tests"]
    ours = test_kit["test_leaky_relu_backward"]
    assert ours["args"] == ["dout", "x"]
    assert len(ours["cases"]) == 2
    assert any(m["name"] == "leaky_relu_slope_dropped" for case in ours["cases"] for m in case["mistakes"])
    # every later section moved down one; the grade ids and points of the others are as they were
    assert _cell(source, "softmax_cross_entropy_text")[1].source.startswith("## 3. Softmax cross-entropy")
    assert _cell(source, "spectral_norm_text")[1].source.startswith("## 23. ")
    assert "section 8" in _cell(source, "optimal_step_text")[1].source  # "the model of section 7", renumbered
    graded = {nbgrader_metadata(c)["grade_id"]: nbgrader_metadata(c).get("points") for c in before.cells
              if nbgrader_metadata(c).get("grade")}
    assert {k: v for k, v in ((nbgrader_metadata(c).get("grade_id"), nbgrader_metadata(c).get("points"))
                              for c in source.cells) if k in graded} == graded
    # the coverage map has the new question, graded by the new exercise
    row = next(r for r in coverage.rows([]) if r["id"] == "13.2")
    assert row["theory"] == "book/13-convolutions/theory#sec-conv-backward"
    assert [e.grade_id for _, e in exercises.graded_questions()["13.2"]] == ["test_leaky_relu_backward"]
    # and a second release changes nothing
    assert cells.sync_assignment(course, "hw1", write=False) == []


def test_a_question_written_both_in_the_map_and_in_a_declaration_is_refused(tmp_path, monkeypatch):
    _declare(tmp_path, monkeypatch)
    with pytest.raises(coverage.CoverageError, match=r"book/coverage\.yml: question 13\.2 is declared in "
                                                     r"dlcourse/grading/exercises/hw1\.py: test_leaky_relu_backward"):
        coverage.rows([{"id": "13.2", "question": "typed into the map as well"}])


def test_a_declared_solution_without_the_solution_markers_is_refused(tmp_path, monkeypatch):
    _declare(tmp_path, monkeypatch)
    declared = exercises.ASSIGNMENTS["hw1"]
    declared[1] = dataclasses.replace(declared[1], solution="def leaky_relu_backward(dout, x):\n    return dout\n")
    nb = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", 4)
    with pytest.raises(cells.DeclarationError, match="test_leaky_relu_backward has no ### BEGIN SOLUTION"):
        cells.sync(nb, "hw1")


def test_a_reference_to_an_undeclared_section_is_refused(tmp_path, monkeypatch):
    _declare(tmp_path, monkeypatch)
    declared = exercises.ASSIGNMENTS["hw1"]
    declared[1] = dataclasses.replace(declared[1], text="See section {section:test_nothing}.")
    nb = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", 4)
    with pytest.raises(cells.DeclarationError, match=r"refers to \{section:test_nothing\}"):
        cells.sync(nb, "hw1")


def test_a_solution_written_in_the_notebook_is_found_by_the_function_it_defines(monkeypatch):
    kept = [dataclasses.replace(e, solution=None) if e.grade_id == "test_optimal_step" else e
            for e in exercises.ASSIGNMENTS["hw1"]]
    monkeypatch.setitem(exercises.ASSIGNMENTS, "hw1", kept)  # its solution is the notebook's, not declared
    nb = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", 4)
    at, cell = _cell(nb, "optimal_step")
    del cell.metadata["nbgrader"]  # as an instructor writes it: no grade id set by hand
    assert cells.sync(nb, "hw1") == ["optimal_step: nbgrader metadata set from the declaration"]
    assert nbgrader_metadata(nb.cells[at]) == {"grade": False, "grade_id": "optimal_step", "locked": False,
                                               "schema_version": 3, "solution": True}


def test_cells_out_of_the_declared_order_are_refused():
    nb = nbformat.read(ROOT / "autograder" / "source" / "hw1" / "hw1.ipynb", 4)
    at, _ = _cell(nb, "spectral_norm")
    nb.cells.insert(3, nb.cells.pop(at))
    with pytest.raises(cells.DeclarationError, match="spectral_norm comes before proof_spectral_norm"):
        cells.sync(nb, "hw1")
