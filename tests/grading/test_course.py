"""``Course``: the course folder as one object (its folders, settings, gradebook, secret and
submissions), and the errors it raises, each a ``DlcourseError`` and still the built-in kind
callers caught before."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlcourse.errors import (
    DlcourseError,
    MissingCourse,
    MissingGradebook,
    SecretError,
    SettingsError,
    UnknownAssignment,
    UnknownStudent,
)
from dlcourse.grading.cases import SECRET_ENV
from dlcourse.grading.course import Course, assignment_settings


@pytest.fixture
def course(tmp_path) -> Course:
    """A course folder with hw1's source notebook and three students' folders."""
    root = tmp_path / "course"
    (root / "source" / "hw1").mkdir(parents=True)
    (root / "source" / "hw1" / "hw1.ipynb").write_text("{}")
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    for student in ("ada", "bo", "bad name"):
        (root / "submitted" / student / "hw1").mkdir(parents=True)
    (root / "submitted" / "cy").mkdir()  # submitted another assignment only
    (root / "submitted" / ".hidden" / "hw1").mkdir(parents=True)
    (root / "submitted" / "dan").symlink_to(tmp_path)  # listed, so the grader refuses it with its reason
    return Course(root)


def test_the_folders_are_nbgraders_layout_under_the_root(course):
    root = course.root
    assert [course.source, course.release, course.submitted, course.autograded, course.feedback,
            course.reports, course.receipts, course.downloads] == [
        root / name for name in ("source", "release", "submitted", "autograded", "feedback", "reports",
                                 "receipts", "downloads")]
    assert course.submitted_of("ada", "hw1") == root / "submitted" / "ada" / "hw1"
    assert course.reports_of("hw1") == root / "reports" / "hw1"
    assert course.settings_file == root / "course.toml"


def test_the_gradebook_url_is_the_course_folders_sqlite_file_unless_one_is_given(course):
    assert course.db_url == f"sqlite:///{course.root.resolve() / 'gradebook.db'}"
    assert course.gradebook_path == course.root.resolve() / "gradebook.db"
    server = Course(course.root, "postgresql://grader@db/course")
    assert server.db_url == "postgresql://grader@db/course"
    assert server.gradebook_path is None
    assert server.gradebook_exists()


def test_of_keeps_a_course_and_makes_one_of_a_path(course):
    assert Course.of(course) is course
    assert Course.of(str(course.root), "sqlite:///x.db") == Course(course.root, "sqlite:///x.db")


def test_a_missing_course_or_one_without_nbgrader_config_is_refused(tmp_path):
    with pytest.raises(MissingCourse, match="no such course folder"):
        Course(tmp_path / "nowhere").require()
    with pytest.raises(FileNotFoundError, match="not an nbgrader course folder"):
        Course(tmp_path).require()


def test_an_unknown_assignment_names_those_the_course_has(course):
    assert course.notebooks("hw1") == ["hw1.ipynb"]
    with pytest.raises(UnknownAssignment) as raised:
        course.notebooks("hw9")
    assert isinstance(raised.value, KeyError)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).endswith("no such assignment (no source notebook); the course has hw1")


def test_an_assignment_needs_its_declarations_too(course):
    (course.source / "hw9").mkdir()
    (course.source / "hw9" / "hw9.ipynb").write_text("{}")
    assert course.require_assignment("hw1") == ["hw1.ipynb"]
    with pytest.raises(UnknownAssignment, match="no exercises are declared for 'hw9'"):
        course.require_assignment("hw9")


def test_open_gradebook_refuses_a_missing_gradebook_and_makes_none(course):
    with pytest.raises(MissingGradebook, match=f"no gradebook at {course.root.resolve()}/gradebook.db"), \
            course.open_gradebook():
        pass
    assert not (course.root / "gradebook.db").exists()


def test_students_are_those_with_a_folder_of_the_assignment_and_links_are_listed(course):
    skipped: list[str] = []
    assert course.students("hw1", warn=skipped.append) == ["ada", "bo", "dan"]
    assert len(skipped) == 1
    assert "'bad name'" in skipped[0]
    assert course.submissions("hw1", warn=lambda _: None) == [("ada", "hw1.ipynb"), ("bo", "hw1.ipynb"),
                                                               ("dan", "hw1.ipynb")]


def test_a_student_is_known_by_a_submitted_folder_or_the_gradebook(course):
    assert course.require_student("cy") == "cy"
    assert course.require_student("eve", known={"eve"}) == "eve"
    with pytest.raises(UnknownStudent, match="no student 'nobody'.* the course has ada, bad name, bo, cy, dan"):
        course.require_student("nobody")


@pytest.mark.parametrize(("toml", "said"), [
    ("[assignments.hw1\n", "not valid TOML"),
    ("[assignments.hw1]\nopen = 1\n", "open must be true or false"),
    ("[assignments.hw1]\nlate_policy = 'sometimes'\n", "late_policy must be one of"),
])
def test_a_bad_setting_is_a_settings_error_naming_the_file(course, toml, said):
    course.settings_file.write_text(toml)
    with pytest.raises(SettingsError, match=said) as raised:
        course.settings("hw1")
    assert str(course.settings_file) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_an_assignment_the_settings_do_not_name_has_the_defaults(course):
    course.settings_file.write_text("[assignments.hw1]\nlate_policy = 'zero'\n")
    assert course.settings("hw1").late_policy == "zero"
    assert assignment_settings(course.root, "hw2").late_policy == "none"  # the path form still works


def test_a_secret_inside_the_course_is_refused(course, monkeypatch):
    inside = course.root / "secret"
    inside.write_bytes(os.urandom(32))
    monkeypatch.setenv(SECRET_ENV, str(inside))
    with pytest.raises(SecretError, match="must live outside the course folder") as raised:
        course.secret()
    assert isinstance(raised.value, DlcourseError)


def test_an_error_reads_as_its_message_whatever_built_in_kind_it_also_is():
    assert str(UnknownStudent("no student 'x'")) == "no student 'x'"  # a plain KeyError would quote it
    assert issubclass(MissingGradebook, FileNotFoundError)
    assert issubclass(SettingsError, ValueError)


def test_similarity_lists_submissions_without_importing_dask():
    import subprocess
    import sys

    code = "import sys, dlcourse.grading.similarity; print('dask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.stdout.strip() == "False", done.stderr
