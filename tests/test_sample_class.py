"""The sample class itself (sample_class/, the tests' fixture): one class's worth of kinds is
written as its records say, and each kind's expectation fails a result that falls short of it."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import nbformat

import sample_class
from dlcourse.grading import grader

ROOT = Path(__file__).resolve().parents[1]


def _result(scores: dict[str, float], problems: list[str] | None = None) -> grader.SubmissionResult:
    tests = [grader.TestReport(gid, gid.removeprefix("test_"), 2.0, score) for gid, score in scores.items()]
    return grader.SubmissionResult("s", "hw1", "hw1.ipynb", "d", tests, problems or [])


def test_each_expectation_fails_a_result_that_falls_short_of_it():
    right, one_wrong = _result({"test_a": 2, "test_b": 2}), _result({"test_a": 2, "test_b": 1})
    assert sample_class.HONEST.unmet(right, 4) == []
    assert sample_class.HONEST.unmet(one_wrong, 4)
    assert sample_class.HONEST.unmet(_result({"test_a": 2, "test_b": 2}, ["cell 3 failed"]), 4)
    assert sample_class.Expected(sample_class.ALL_BUT_ONE, "test_b").unmet(one_wrong, 4) == []
    assert sample_class.Expected(sample_class.ALL_BUT_ONE, "test_a").unmet(one_wrong, 4)
    refused = sample_class.Expected(sample_class.ZERO, problem=True, refused=True)
    assert refused.unmet(_result({"test_a": 0}, ["hw1.ipynb: the file is empty"]), 2) == []
    assert refused.unmet(_result({"test_a": 0}, ["not named"]), 2)
    assert refused.unmet(_result({"test_a": 0}), 2)


def test_one_class_of_each_kind_is_written_as_its_records_say(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "autograder" / "source" / "hw1", course / "source" / "hw1")
    kinds = sample_class.class_kinds(nbformat.read(course / "source" / "hw1" / "hw1.ipynb", 4))
    students = sample_class.make(course, "hw1", len(kinds) + 1)
    assert [s.kind for s in students] == [k.name for k in kinds] + [kinds[0].name]  # cycled
    assert [s.expected for s in students[:-1]] == [k.expected for k in kinds]
    by_kind = {s.kind: s for s in students}
    assert by_kind["copied_with_renames"].copied_from == by_kind["honest_own_words"].name
    folder = {s.kind: course / "submitted" / s.name / "hw1" for s in students}
    assert folder["linked_assignment_folder"].is_symlink()
    assert (folder["symlink_to_answer_key"] / "hw1.ipynb").is_symlink()
    assert stat.S_ISFIFO((folder["fifo_notebook"] / "hw1.ipynb").lstat().st_mode)
    assert (folder["empty_file"] / "hw1.ipynb").read_bytes() == b""
    assert [p.name for p in folder["renamed_notebook"].iterdir()] == ["my_homework.ipynb"]
    wrong = next(s for s in students if s.expected.fails)
    gid, code, _ = sample_class.WRONG[wrong.kind]
    written = nbformat.read(folder[wrong.kind] / "hw1.ipynb", 4)
    assert code in [c.source for c in written.cells]
    again = sample_class.make(course, "hw1", len(kinds))  # over the first run: links made anew, none written through
    assert [s.kind for s in again] == [k.name for k in kinds]
    assert (course / "source" / "hw1" / "hw1.ipynb").stat().st_nlink == 2  # the one hard link, made again
