"""dlcourse's settings of a course, from ``course.toml`` in the course folder (nbgrader's own
settings stay in ``nbgrader_config.py``)::

    [assignments.hw1]
    open = true            # while open, the student library holds no reference it grades
    reveal_hidden = false  # true (after the deadline): feedback shows failed hidden cases' inputs
    late_policy = "per_day"      # "none", "zero" (nbgrader's LateSubmissionPlugin) or "per_day"
    late_penalty_per_day = 0.1   # per_day: this fraction of the points possible, per day or part of one
    late_penalty_cap = 0.5       # per_day: never more than this fraction

    [leaderboard]          # optional: an assignment named here has a leaderboard (dlcourse leaderboard)
    hw3 = ["test_outcome_mlp"]   # the graded cells (grade ids) whose scores rank the class

An assignment the file does not name is open, with its hidden cases kept secret and no late
penalty. The due date is nbgrader's, in the gradebook (``dlcourse release --due``), and an
extension is nbgrader's too (``dlcourse extend``).

``Course`` is the course folder as one object: where each of nbgrader's folders is, these settings,
the gradebook (its URL, and ``open_gradebook()``, which never makes one by accident), the course
secret, and who submitted what. Every command and module takes it (or a path, made into one).
"""
from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse.errors import MissingCourse, MissingGradebook, SettingsError, UnknownAssignment, UnknownStudent

if TYPE_CHECKING:
    from dlcourse.grading.gradebook import GradeWriter

SETTINGS_FILE = "course.toml"
NBGRADER_CONFIG = "nbgrader_config.py"
GRADEBOOK = "gradebook.db"


LATE_POLICIES = ("none", "zero", "per_day")


@dataclass(frozen=True)
class AssignmentSettings:
    open: bool = True
    reveal_hidden: bool = False
    late_policy: str = "none"
    late_penalty_per_day: float = 0.0
    late_penalty_cap: float = 1.0


def _table(path: Path, name: str) -> object:
    """One top-level table of course.toml ({} when the file or the table is not there)."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text()).get(name, {})
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not valid TOML ({e})") from None


def assignment_settings(course: Course | Path, assignment: str) -> AssignmentSettings:
    """The settings of one assignment; raises SettingsError (a ValueError) naming the file for a bad entry."""
    path = Course.of(course).settings_file
    table = _table(path, "assignments")
    entry = table.get(assignment, {}) if isinstance(table, dict) else table
    where = f"{path}: [assignments.{assignment}]"
    kinds = {f.name: type(getattr(AssignmentSettings(), f.name)) for f in fields(AssignmentSettings)}
    if not isinstance(entry, dict) or set(entry) - set(kinds):
        raise SettingsError(f"{where} may set only {sorted(kinds)}")
    for key, value in entry.items():
        wanted = kinds[key]
        if not (isinstance(value, wanted) or (wanted is float and type(value) is int)):
            raise SettingsError(f"{where}: {key} must be {'true or false' if wanted is bool else wanted.__name__}, "
                             f"not {value!r}")
    settings = AssignmentSettings(**{k: float(v) if kinds[k] is float else v for k, v in entry.items()})
    if settings.late_policy not in LATE_POLICIES:
        raise SettingsError(f"{where}: late_policy must be one of {', '.join(LATE_POLICIES)}, not "
                         f"{settings.late_policy!r}")
    if not (0 <= settings.late_penalty_per_day <= 1 and 0 <= settings.late_penalty_cap <= 1):
        raise SettingsError(f"{where}: late_penalty_per_day and late_penalty_cap are fractions from 0 to 1")
    return settings


def leaderboard_cells(course: Course | Path, assignment: str) -> tuple[str, ...]:
    """The grade ids whose scores rank the assignment's leaderboard (``[leaderboard]``); () when
    the assignment has not opted in. SettingsError naming the file for a bad entry."""
    path = Course.of(course).settings_file
    table = _table(path, "leaderboard")
    entry = table.get(assignment, []) if isinstance(table, dict) else None
    if not isinstance(entry, list) or not all(isinstance(x, str) and x.strip() for x in entry):
        raise SettingsError(f"{path}: [leaderboard] maps an assignment to a list of grade ids, e.g. "
                            f'{assignment} = ["test_outcome_mlp"], not {entry!r}')
    if len(set(entry)) < len(entry):
        raise SettingsError(f"{path}: [leaderboard] {assignment} names a grade id twice")
    return tuple(entry)


def open_assignments(course: Course | Path) -> list[str]:
    """The assignments of ``source/`` still open, so the student library must not answer them."""
    course = Course.of(course)
    return [a for a in course.assignments() if course.settings(a).open]


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class Course:
    """An nbgrader course folder, and the gradebook it grades into (``db``: any SQLAlchemy URL;
    None: ``gradebook.db`` in the folder, nbgrader's default)."""

    root: Path
    db: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def of(cls, course: Course | Path | str, db: str | None = None) -> Course:
        """``course`` itself, or the course in that folder (what callers given a path pass on)."""
        return course if isinstance(course, Course) else cls(Path(course), db)

    # --- the folders, nbgrader's layout ----------------------------------------------------
    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def nbgrader_config(self) -> Path:
        return self.root / NBGRADER_CONFIG

    def source_of(self, assignment: str) -> Path:
        return self.source / assignment

    def submitted_of(self, student: str, assignment: str) -> Path:
        return self.submitted / student / assignment

    def reports_of(self, assignment: str) -> Path:
        return self.reports / assignment

    # --- checks, before a command writes anything ------------------------------------------
    def require(self) -> Course:
        """The course itself, if its folder is an nbgrader course; MissingCourse otherwise."""
        if not self.root.is_dir():
            raise MissingCourse(f"{self.root}: no such course folder (pass --course)")
        if not self.nbgrader_config.is_file():
            raise MissingCourse(f"{self.root}: not an nbgrader course folder (no {NBGRADER_CONFIG})")
        return self

    def assignments(self) -> list[str]:
        """The assignments of ``source/``."""
        return sorted(p.name for p in self.source.iterdir() if p.is_dir()) if self.source.is_dir() else []

    def notebooks(self, assignment: str) -> list[str]:
        """The source notebooks of an assignment; UnknownAssignment when it has none."""
        folder = self.source_of(assignment)
        # the name must be one of source/'s own folders: "../x" or "hw1/.." would reach past it
        listed = assignment in self.assignments()
        found = sorted(p.name for p in folder.glob("*.ipynb")) if listed else []
        if not found:
            raise UnknownAssignment(f"{folder}: no such assignment (no source notebook); the course has "
                                    f"{', '.join(self.assignments()) or 'none'}")
        return found

    def require_assignment(self, assignment: str) -> list[str]:
        """The assignment's source notebooks, once the course, the notebooks and the exercise
        declarations are all there (UnknownAssignment naming what is missing)."""
        from dlcourse.grading.exercises import exercises

        self.require()
        notebooks = self.notebooks(assignment)
        exercises(assignment)
        return notebooks

    def settings(self, assignment: str) -> AssignmentSettings:
        return assignment_settings(self, assignment)

    def leaderboard(self, assignment: str) -> tuple[str, ...]:
        return leaderboard_cells(self, assignment)

    def secret(self, create: bool = False) -> bytes:
        """The course secret (``cases.load_secret``): outside this folder, never readable by others."""
        from dlcourse.grading.cases import load_secret

        return load_secret(self.root, create=create)

    # --- the gradebook -----------------------------------------------------------------------
    @property
    def gradebook_path(self) -> Path | None:
        """The SQLite file the gradebook is in (None for a server's URL, e.g. PostgreSQL)."""
        if self.db is None:
            return self.root.resolve() / GRADEBOOK
        from sqlalchemy.engine import make_url

        url = make_url(self.db)
        on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        return Path(url.database) if on_disk else None

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.root.resolve() / GRADEBOOK}"

    def gradebook_exists(self) -> bool:
        path = self.gradebook_path
        return path is None or path.is_file()

    def require_gradebook(self) -> str:
        """The gradebook's URL, once it is known to be there; MissingGradebook otherwise."""
        if not self.gradebook_exists():
            raise MissingGradebook(f"no gradebook at {self.gradebook_path}: release and grade the assignment first "
                                   "(`dlcourse release`, `dlcourse grade`), or give its URL with --db")
        return self.db_url

    @contextmanager
    def open_gradebook(self, create: bool = False) -> Iterator[GradeWriter]:
        """The gradebook, closed on leaving; refuses one that is not there unless ``create``."""
        from dlcourse.grading.gradebook import GradeWriter

        url = self.db_url if create else self.require_gradebook()
        with GradeWriter(url) as writer:
            yield writer

    # --- who submitted -----------------------------------------------------------------------
    def students(self, assignment: str, warn: Callable[[str], None] = _warn) -> list[str]:
        """Every student with a ``submitted/<student>/<assignment>/``, by name. A link is listed
        too, so that it is refused with its reason, never followed; a name nbgrader cannot take
        is skipped, with ``warn`` saying so."""
        from dlcourse.grading.notebook import STUDENT_ID

        root = self.submitted
        found = []
        for entry in sorted(os.scandir(root), key=lambda e: e.name) if root.is_dir() else []:
            if entry.name.startswith("."):
                continue
            if not STUDENT_ID.match(entry.name) or not entry.name.isprintable():
                warn(f"{root}: skipped {entry.name!r}, not a student id nbgrader takes (letters, digits, _.@-)")
                continue
            if entry.is_symlink() or (entry.is_dir(follow_symlinks=False)
                                      and os.path.lexists(os.path.join(entry.path, assignment))):
                found.append(entry.name)
        return found

    def submissions(self, assignment: str, books: list[str] | None = None,
                    warn: Callable[[str], None] = _warn) -> list[tuple[str, str]]:
        """(student, notebook name) for every expected notebook of every student who submitted."""
        books = self.notebooks(assignment) if books is None else books
        return [(student, name) for student in self.students(assignment, warn) for name in books]

    def require_student(self, student: str, known: set[str] | frozenset[str] = frozenset()) -> str:
        """``student`` if the course knows them: a folder in ``submitted/`` or a name in ``known``
        (the gradebook's students); UnknownStudent otherwise."""
        from dlcourse.grading.notebook import STUDENT_ID

        folders = [p.name for p in self.submitted.iterdir() if p.is_dir()] if self.submitted.is_dir() else []
        # one of the course's own names, never a path: "..", "." or "" would reach other folders
        if STUDENT_ID.match(student) and student.isprintable() and (student in known or student in folders):
            return student
        listed = sorted(set(known) | {name for name in folders if not name.startswith(".")})
        raise UnknownStudent(f"{self.root}: no student {student!r} (neither in the gradebook nor in submitted/); "
                             f"the course has {', '.join(listed[:10]) or 'none'}"
                             + (f" and {len(listed) - 10} more" if len(listed) > 10 else "")
                             + (f"; `nbgrader db student add {student}` adds a student to the gradebook"
                                if STUDENT_ID.match(student) and student.isprintable() else
                                "; a student id is a name, never a path"))
