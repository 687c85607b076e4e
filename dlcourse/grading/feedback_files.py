"""Each student's feedback where nbgrader's own ``release_feedback`` takes it from:
``feedback/<student>/<assignment>/<notebook>.html``, beside the submission's ``timestamp.txt`` and
``submission_secret.txt``. ``nbgrader release_feedback`` then puts it in the exchange under a name
made from that secret, which only the student's own nbgrader cache knows, and the student's
``nbgrader fetch_feedback`` (or the Assignments tab) brings back exactly their own."""
from __future__ import annotations

import os
from pathlib import Path

from dlcourse.grading import notebook
from dlcourse.grading.collect import SECRET_FILE, replace_file
from dlcourse.grading.course import Course
from dlcourse.grading.lateness import TIMESTAMP_FILE


def publish(course: Course | Path, assignment: str, pages: Path, students: list[str]) -> list[str]:
    """Copies ``pages/<student>.html`` into nbgrader's feedback layout for each student; returns
    the problems (a student without a submission secret cannot fetch feedback through nbgrader)."""
    course = Course.of(course)
    books = sorted(p.stem for p in course.source_of(assignment).glob("*.ipynb"))
    problems = []
    for student in students:
        page = pages / f"{student}.html"
        if not page.is_file():
            continue
        try:
            secret = notebook.read_submitted(course.submitted, (student, assignment, SECRET_FILE))
            stamp = notebook.read_submitted(course.submitted, (student, assignment, TIMESTAMP_FILE))
        except notebook.SubmissionError as e:
            problems.append(f"{student}: feedback not published for nbgrader: {e}")
            continue
        if not secret:
            problems.append(f"{student}: no {SECRET_FILE} in submitted/{student}/{assignment}/, so nbgrader's "
                            "fetch_feedback cannot find their feedback; collect with `dlcourse collect`")
            continue
        folder = course.feedback / student / assignment
        for place in (folder.parent, folder):
            if place.is_symlink():
                os.unlink(place)
        folder.mkdir(parents=True, exist_ok=True)
        data = page.read_bytes()
        for book in books:  # one page per student covers every notebook of the assignment
            replace_file(folder / f"{book}.html", data)
        replace_file(folder / SECRET_FILE, secret)
        replace_file(folder / TIMESTAMP_FILE, stamp or b"")
    return problems
