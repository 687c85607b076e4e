"""An assignment's leaderboard, optional for the instructor: a static HTML page, one file with
nothing fetched from elsewhere, that ranks the class by its scores on the graded cells
``course.toml`` names (``[leaderboard] hw3 = ["test_outcome_mlp"]``). An assignment not named
there has none.

- The scores are the gradebook's, as nbgrader counts them (a TA's score where there is one,
  else the autograder's), read through ``export.read_grades``; no late penalty is taken, as
  the board ranks the outcome. A student is listed once every named cell has a score.
- Students appear under pseudonyms: an HMAC-SHA256 of the assignment and the student id keyed
  with the course secret, so the same student keeps one name on one assignment, and no one
  without the secret can tell whose a name is, even knowing the class list (a plain hash of the
  id could be worked back by hashing every classmate's id). Names of different assignments are
  unrelated. The instructor's key (student, pseudonym) is written beside the reports, never in
  the published folder, to tell each student theirs.
- A student leaves the board by handing in a file named ``leaderboard-opt-out`` with their
  submission (its content is never read): ``collect`` puts one into
  ``submitted/<student>/<assignment>/`` beside the notebook, saying which hand-in carried it,
  only from a folder credited to that student (the exchange's owner check, or their own folder
  of an LMS download). Once there it stays, even when a later hand-in lacks it (as a notebook
  of a partial hand-in does): a wish for privacy is not undone by forgetting a file. After the
  due date, when a hand-in would be late, the student asks the instructor, who leaves them out
  with ``leave_out`` (``dlcourse leaderboard <hw> --leave-out STUDENT``).
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import html
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dlcourse.errors import OptionError, SettingsError
from dlcourse.grading.course import Course

OPT_OUT_FILE = "leaderboard-opt-out"
PAGE = "index.html"
PUBLISHED = "leaderboards"  # the course's folder of pages to publish, one folder per assignment
KEY_FILE = "leaderboard-pseudonyms.csv"
CONTEXT = b"dlcourse leaderboard pseudonym v1"  # keeps these MACs apart from any other use of the secret

# 32 of each (a byte picks one evenly); with 16 more bits, 2**26 names per assignment
ADJECTIVES = ("amber", "bold", "brisk", "calm", "clever", "coral", "crisp", "daring", "eager", "fabled", "gentle",
              "golden", "hardy", "jade", "keen", "lively", "lucid", "mellow", "nimble", "olive", "plucky", "quiet",
              "rapid", "rustic", "sable", "silver", "steady", "swift", "tidy", "vivid", "witty", "zesty")
ANIMALS = ("badger", "beaver", "bison", "crane", "curlew", "dingo", "egret", "falcon", "ferret", "gecko", "heron",
           "ibex", "jackal", "koala", "lemur", "lynx", "marten", "newt", "ocelot", "otter", "panda", "puffin",
           "quail", "raven", "salmon", "stoat", "tapir", "toucan", "vole", "walrus", "wombat", "yak")


def pseudonym(secret: bytes, assignment: str, student: str, extra: int = 0) -> str:
    """The student's name on the assignment's board, e.g. ``swift-otter-3f9a``; ``extra``
    more hex digits tell apart two students whose shorter names collide."""
    message = b"\0".join([CONTEXT, assignment.encode(), student.encode()])
    mac = hmac.new(secret, message, hashlib.sha256).digest()
    return f"{ADJECTIVES[mac[0] % 32]}-{ANIMALS[mac[1] % 32]}-{mac[2:4 + extra].hex()}"


def opted_out(course: Course, student: str, assignment: str) -> bool:
    """Whether the student's submission folder holds the opt-out file (whatever is in it)."""
    return os.path.lexists(course.submitted_of(student, assignment) / OPT_OUT_FILE)


def leave_out(course: Course, students: list[str], assignment: str, when: datetime | None = None) -> list[Path]:
    """Leaves ``students`` off the assignment's board at their request to the instructor: the
    opt-out file, put where ``collect`` puts a handed-in one, saying who put it there. Every
    name is checked before any file is written."""
    folders = []
    for student in students:
        course.require_student(student)
        folder = course.submitted_of(student, assignment)
        if not folder.is_dir():
            raise OptionError(f"--leave-out {student}: {student} has no submission of {assignment} ({folder})")
        folders.append(folder)
    stamp = f"left out by the instructor at the student's request, {when or datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    for folder in folders:
        if not os.path.lexists(folder / OPT_OUT_FILE):
            (folder / OPT_OUT_FILE).write_text(stamp)
    return [folder / OPT_OUT_FILE for folder in folders]


@dataclass(frozen=True)
class Entry:
    rank: int  # 1 for the best; ties share a rank, and the next rank skips past them
    pseudonym: str
    score: float


@dataclass(frozen=True)
class Board:
    """One assignment's leaderboard, and what the instructor needs to know of it (the students'
    ids are for the instructor's eyes only: the page shows ranks, pseudonyms and scores)."""

    assignment: str
    cells: tuple[str, ...]  # the gradebook's columns the score adds up
    max_score: float
    entries: list[Entry]
    key: dict[str, str] = field(default_factory=dict)  # student -> pseudonym, of those listed
    opted_out: list[str] = field(default_factory=list)
    not_scored: list[str] = field(default_factory=list)  # submitted, a named cell still without a score


def _columns(course: Course, assignment: str, wanted: tuple[str, ...], columns: dict[str, float]) -> tuple[str, ...]:
    """The gradebook's columns of the grade ids course.toml names (``nb/cell`` where the
    assignment has several notebooks); SettingsError for a grade id the assignment lacks."""
    found = []
    for grade_id in wanted:
        matches = [c for c in columns if c == grade_id or c.endswith(f"/{grade_id}")]
        if not matches:
            raise SettingsError(f"{course.settings_file}: [leaderboard] {assignment} names {grade_id!r}, which is "
                                f"no graded cell of {assignment} in the gradebook (it has: {', '.join(columns)})")
        found += matches
    return tuple(found)


def build(course: Course, assignment: str) -> Board:
    """The board as the gradebook stands; reads, never writes. SettingsError when the
    assignment has not opted in, or names a cell it lacks."""
    from dlcourse.grading.export import read_grades

    wanted = course.leaderboard(assignment)
    if not wanted:
        raise SettingsError(f"{assignment} has no leaderboard: it is opt-in, per assignment. To publish one, add "
                            f'[leaderboard] {assignment} = ["<grade id>", ...] to {course.settings_file}')
    grades = read_grades(course.require_gradebook(), assignment)
    cells = _columns(course, assignment, wanted, grades.cells)
    secret = course.secret()
    scores, out, pending = {}, [], []
    for student, grade in grades.students.items():
        if not grade.submitted:
            continue
        if opted_out(course, student, assignment):
            out.append(student)
        elif all(c in grade.cells for c in cells):
            scores[student] = round(sum(grade.cells[c] for c in cells), 6)  # sums of floats tie when equal
        else:
            pending.append(student)
    key = _pseudonyms(secret, assignment, list(scores))
    ordered = sorted(scores, key=lambda s: (-scores[s], key[s]))
    entries = []
    for i, student in enumerate(ordered):
        tied = i > 0 and scores[student] == scores[ordered[i - 1]]
        entries.append(Entry(entries[-1].rank if tied else i + 1, key[student], scores[student]))
    return Board(assignment, cells, sum(grades.cells[c] for c in cells), entries, key, out, pending)


def _pseudonyms(secret: bytes, assignment: str, students: list[str]) -> dict[str, str]:
    """Each student's pseudonym; those whose names collide get longer ones until none does."""
    key = {s: pseudonym(secret, assignment, s) for s in students}
    for extra in range(1, 29):
        seen: dict[str, int] = {}
        for name in key.values():
            seen[name] = seen.get(name, 0) + 1
        clashing = [s for s, name in key.items() if seen[name] > 1]
        if not clashing:
            break
        key.update({s: pseudonym(secret, assignment, s, extra) for s in clashing})
    return key


STYLE = ("body{font-family:system-ui,sans-serif;max-width:42em;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;border-bottom:1px solid #ddd;"
         "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}p.note{color:#555}")


def page(board: Board, when: datetime | None = None) -> str:
    """The published page: one HTML file, its style inline, no script and no link to elsewhere."""
    when = when or datetime.now(UTC)
    a = html.escape(board.assignment)
    rows = "".join(f"<tr><td class='n'>{e.rank}</td><td>{html.escape(e.pseudonym)}</td>"
                   f"<td class='n'>{e.score:g}</td></tr>" for e in board.entries)
    table = (f"<table><tr><th>rank</th><th>who</th><th>score (of {board.max_score:g})</th></tr>{rows}</table>"
             if board.entries else "<p>No scores yet.</p>")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{a}: leaderboard</title><style>{STYLE}</style></head><body><h1>{a}: leaderboard</h1>"
            f"<p>Ranked by the score on {html.escape(', '.join(board.cells))}, as the gradebook stood on "
            f"{when:%Y-%m-%d %H:%M} UTC.</p>{table}"
            "<p class='note'>Names are pseudonyms made with the course's secret key: no one can tell whose a name "
            "is without it. Your instructor can tell you yours. To leave the board, hand in a file named "
            f"<code>{OPT_OUT_FILE}</code> with your submission before the due date, or ask your instructor: "
            "handing in again after the due date makes the submission late.</p></body></html>")


@dataclass(frozen=True)
class Published:
    board: Board
    page: Path
    key: Path  # the instructor's (student, pseudonym) file: never to be published


def check_out(course: Course, assignment: str, out: Path | None) -> Path:
    """The folder the page goes into (default ``leaderboards/<assignment>/`` in the course, a
    folder to publish, apart from ``reports/``, which never is), refused if it is a file or
    would hold the instructor's key."""
    out = Path(out) if out is not None else course.root / PUBLISHED / assignment
    if out.exists() and not out.is_dir():
        raise OptionError(f"--out {out}: a file, not a folder")
    if course.reports_of(assignment).resolve().is_relative_to(out.resolve()):
        raise OptionError(f"--out {out}: the page's folder would hold the pseudonyms' key "
                          f"({course.reports_of(assignment) / KEY_FILE}); choose a folder of its own")
    return out


def publish(course: Course, assignment: str, out: Path | None = None) -> Published:
    """Writes the page into ``out`` and the instructor's key beside the reports, once both the
    folder and the board are known to be right."""
    out = check_out(course, assignment, out)
    board = build(course, assignment)
    out.mkdir(parents=True, exist_ok=True)
    target = out / PAGE
    target.write_text(page(board))
    key = course.reports_of(assignment) / KEY_FILE
    key.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)  # a class list: owner only
    os.fchmod(fd, 0o600)  # the mode open gives applies to a new file only
    with os.fdopen(fd, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "pseudonym"])
        w.writerows(sorted(board.key.items()))
    return Published(board, target, key)
