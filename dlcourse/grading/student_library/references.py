"""What the student library withholds, and what a withheld name says when it is called.

A reference is a library name that answers an exercise of an open assignment. Its stub names the
homework sections that ask for it (their numbers and titles as the instructor's notebook shows
them: "hw1 §15, One Adam step"), and how to run a lab in the meantime: the student pastes their
own answer into the lab's cell tagged ``student-answer``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.grading.course import open_assignments
from dlcourse.grading.exercises import SPECS

PACKAGE = "dlcourse"
INSTRUCTOR_ONLY = "grading"  # the subpackage of PACKAGE that never ships
ANSWER_TAG = "student-answer"  # the tag of a lab's one cell where a student's own answer goes
MEANWHILE = (f'To run a lab meanwhile, paste your own answer into the lab\'s cell tagged "{ANSWER_TAG}" '
             '(the course site\'s page "Running the labs" says how)')
SECTION_HEADING = re.compile(r"^##\s+(\d+)\.\s+(.+?)\s*$", re.MULTILINE)  # "## 15. One Adam step"


@dataclass(frozen=True)
class Reference:
    """A library name (``dlcourse.optim.Adam``) withheld while the assignments that grade it are open."""

    name: str
    assignments: tuple[str, ...]  # the open assignments whose specs list it
    specs: tuple[str, ...]  # those specs' grade ids, for error messages
    sections: tuple[str, ...] = ()  # the homework sections that ask for it, "hw1 §15, One Adam step"


def notebook_sections(course: Path, assignment: str) -> dict[str, str]:
    """Grade id -> "hw1 §15, One Adam step": the last numbered ``##`` heading above each graded
    cell of the instructor's notebook. Empty when the course has no such notebook."""
    path = Path(course) / "source" / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        return {}
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a readable notebook ({e})") from None
    found: dict[str, str] = {}
    heading = None
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            headings = SECTION_HEADING.findall(source)
            heading = headings[-1] if headings else heading
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id and heading is not None:
            found.setdefault(grade_id, f"{assignment} §{heading[0]}, {heading[1]}")
    return found


def withheld_references(course: Path) -> list[Reference]:
    """Every reference of every spec of every open assignment of ``course``, in name order."""
    from dlcourse.grading.kit import test_ids  # here: a grader's worker imports this module without the kit

    found: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for assignment in open_assignments(course):
        sections = notebook_sections(course, assignment)
        for grade_id in test_ids(assignment):
            for name in SPECS[grade_id].references:
                assignments, specs, asked = found.setdefault(name, ([], [], []))
                if assignment not in assignments:
                    assignments.append(assignment)
                specs.append(f"{grade_id} ({assignment})")
                if grade_id in sections:
                    asked.append(sections[grade_id])
    return [Reference(n, tuple(a), tuple(s), tuple(q)) for n, (a, s, q) in sorted(found.items())]


def stub_message(ref: Reference) -> str:
    """What a withheld name raises: whose it is, where the homework asks for it, and how to
    run a lab meanwhile."""
    which = " and ".join(ref.assignments)
    verb = "closes" if len(ref.assignments) == 1 else "close"
    asked = f" ({'; '.join(ref.sections)})" if ref.sections else ""
    return (f"{ref.name} is part of homework {which}{asked}; its reference is released when {which} {verb}. "
            f"{MEANWHILE}.")
