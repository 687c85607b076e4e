"""Writing the sample class into a course folder: the submissions in nbgrader's
``submitted/<student>/<assignment>/`` layout, when each was handed in, and an LMS roster."""
from __future__ import annotations

import csv
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dlcourse.grading import receipts
from dlcourse.grading.collect import SECRET_FILE
from dlcourse.grading.lateness import TIMESTAMP_FILE
from sample_class.hostile import LINKS
from sample_class.kinds import Expected, Source, class_kinds


@dataclass(frozen=True)
class Student:
    name: str
    kind: str
    expected: Expected
    copied_from: str = ""  # a copier's: the student whose notebook it copied


def _empty_folder(folder: Path, notebook: str) -> Path:
    """The student's assignment folder, without what an earlier run left in it under the
    notebook's name (a link, a fifo: never written through)."""
    if folder.is_symlink():  # left by linked_assignment_folder
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(folder / notebook):
        (folder / notebook).unlink()
    return folder


def make(course: Path, assignment: str, n: int, notebook_name: str | None = None) -> list[Student]:
    """Writes n submissions (kinds cycled) and returns who is who."""
    course = Path(course)
    sources = course / "source" / assignment
    path = sources / notebook_name if notebook_name else sorted(sources.glob("*.ipynb"))[0]
    src = Source.read(path, course / "release" / assignment / path.name)
    kinds = class_kinds(src.notebook)
    latest: dict[str, str] = {}  # kind -> its latest student so far: whom a copier copies
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        name = f"student{i:04d}"
        kind.build(src, _empty_folder(course / "submitted" / name / assignment, path.name))
        students.append(Student(name, kind.name, kind.expected, latest.get(kind.copies, "")))
        latest[kind.name] = name
    return students


LATE_HOURS = {8: 3, 9: 26}  # a student's number modulo 10 -> hours after the due date; the others are early


def write_timestamps(course: Path, assignment: str, students: list[Student], due: datetime) -> None:
    """When each student handed in, as a collection records it: a receipt in the instructor's
    ledger (marked as the sample class's), the student's own timestamp.txt saying the same, and
    the submission secret nbgrader keys feedback by. Two hours early, except every tenth student
    3 hours late and the next 26 hours late (a day and a bit)."""
    ledger = receipts.Ledger(course, assignment)
    for i, s in enumerate(students):
        folder = Path(course) / "submitted" / s.name / assignment
        if s.kind in LINKS or folder.is_symlink():  # never write through a student's link
            continue
        when = due + timedelta(hours=LATE_HOURS.get(i % 10, -2))
        (folder / TIMESTAMP_FILE).write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        (folder / SECRET_FILE).write_text(secrets.token_hex(64))
        receipt = receipts.Receipt(s.name, assignment, receipts.iso(when), "sample class",
                                   claimed=(folder / TIMESTAMP_FILE).read_text(), folder=f"sample class {s.name}")
        ledger.record(receipt)
        ledger.count(s.name, receipt.folder)


def write_lms_ids(path: Path, n: int) -> Path:
    """A student-ID mapping for ``dlcourse export``, as an instructor would write it from the LMS's
    roster: n made-up students with Canvas and Moodle identifiers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "canvas_id", "sis_user_id", "section", "name", "email", "moodle_idnumber"])
        for i in range(n):
            w.writerow([f"student{i:04d}", 10_000 + i, f"S{2026_0000 + i}", "Section 1", f"Student {i}",
                        f"student{i:04d}@example.edu", f"M{i:05d}"])
    return path
