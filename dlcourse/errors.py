"""The errors a user can cause, and fix from the message alone: a bad declaration or setting,
a missing or misplaced secret, a mapping file that does not parse, an assignment or a student
the course does not know, a gradebook or a course folder that is not there.

Each is a ``DlcourseError``, which the ``dlcourse`` command prints as one line (exit 1) where any
other exception is a bug and keeps its traceback. Each also stays the built-in kind it was before
(``ValueError``, ``KeyError``, ``FileNotFoundError``...), so callers that caught that still do.
"""
from __future__ import annotations


class DlcourseError(Exception):
    """An error the user caused; its message names the file or the name, and what to do."""

    def __str__(self) -> str:  # a KeyError would show its message quoted
        return " ".join(str(a) for a in self.args)


class MissingCourse(DlcourseError, FileNotFoundError):
    """The course folder is not there, or is not an nbgrader course."""


class MissingGradebook(DlcourseError, FileNotFoundError):
    """The gradebook a command reads or changes is not there (nothing is created in its place)."""


class UnknownAssignment(DlcourseError, KeyError, ValueError):
    """An assignment the course (its source folder, its declarations or its gradebook) does not have."""


class UnknownStudent(DlcourseError, KeyError, ValueError):
    """A student the course does not know, or one without the submission the command needs."""


class UnknownCell(DlcourseError, KeyError, ValueError):
    """A graded cell the submission does not have."""


class SettingsError(DlcourseError, ValueError):
    """A bad entry of ``course.toml`` or ``nbgrader_config.py``."""


class DeclarationError(DlcourseError, ValueError):
    """An exercise declaration that contradicts itself, another one or its notebook."""


class SecretError(DlcourseError, RuntimeError):
    """The course secret is missing, unreadable or in a place students may see."""


class MappingError(DlcourseError, ValueError):
    """A mapping file (student ids for an LMS, submission times) that cannot be used as it is."""


class SubmissionsError(DlcourseError, ValueError):
    """A folder of submissions, or a target in the course, that cannot be collected as it is."""


class ReceiptError(DlcourseError, ValueError):
    """A receipt that is not one this course signed, or a ledger dlcourse did not write."""


class NotReady(DlcourseError, RuntimeError):
    """A step asked for before the one it needs: grading before releasing, feedback before grading."""


class OptionError(DlcourseError, ValueError):
    """An option's value that is well-formed for the parser but unusable (a date nbgrader cannot read)."""


class EnvironmentProblem(DlcourseError, RuntimeError):
    """What this machine lacks for the command: no sandbox, not root, no proxy."""


class ExchangeError(DlcourseError, FileNotFoundError):
    """nbgrader's exchange is not where the course's configuration says it is."""
