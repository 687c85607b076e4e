"""Collecting submissions into nbgrader's layout, ``submitted/<student>/<assignment>/``: from
nbgrader's shared-folder exchange, read on the instructor's side (``exchange.scan``: identity from
the files' owner, receipt time from their change times), or from a folder of notebooks an LMS
lets an instructor download, with the times the LMS gives.

Every submission taken in gets a receipt in the instructor's ledger (``receipts.Ledger``), which
is what lateness is judged by. The student's ``timestamp.txt`` is kept beside the notebook as their
claim, and ``submission_secret.txt`` too: nbgrader's ``release_feedback`` and ``fetch_feedback``
key each student's feedback by it. Which submission counts: the latest one received, with its
lateness (as stock ``nbgrader collect``, but by the receipt, not by the time the student typed).
"""
from __future__ import annotations

import csv
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dlcourse.errors import ExchangeError, MappingError, SubmissionsError
from dlcourse.grading import exchange, receipts
from dlcourse.grading.course import Course
from dlcourse.grading.lateness import TIMESTAMP_FILE
from dlcourse.grading.leaderboard import OPT_OUT_FILE
from dlcourse.grading.notebook import STUDENT_ID
from dlcourse.grading.receipts import Ledger, Receipt

SECRET_FILE = "submission_secret.txt"
SUSPECT_SHARE = 0.5  # more of the class than this late by receipt but on time by claim: the clock, not them


@dataclass
class Collected:
    """What one collection did, for the instructor to read."""

    counted: dict[str, Receipt] = field(default_factory=dict)  # student -> the receipt graded
    refusals: list[exchange.Refusal] = field(default_factory=list)
    new: int = 0  # arrivals seen for the first time
    delivered: int = 0  # receipts written into students' homes
    suspect: str = ""  # why this run's receipt times are doubtful, if they are
    withdrawn: list[Receipt] = field(default_factory=list)  # received once, no longer in the exchange

    @property
    def disagreeing(self) -> list[Receipt]:
        return [r for r in self.counted.values() if r.claim_disagrees()]


def notebooks_of(course: Course | Path, assignment: str) -> list[str]:
    """The assignment's source notebooks; UnknownAssignment (a ValueError) when it has none."""
    return Course.of(course).notebooks(assignment)


def replace_file(target: Path, data: bytes) -> None:
    """Writes a new file and renames it over ``target``: a link there is replaced, not followed."""
    tmp = target.with_name(f".{target.name}.collecting")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


def _check_targets(course: Course, assignment: str, students: list[str]) -> None:
    """A link a student left in submitted/ is never written through: refused before anything is written."""
    for student in students:
        for place in (course.submitted / student, course.submitted_of(student, assignment)):
            if place.is_symlink() or (place.exists() and not place.is_dir()):
                raise SubmissionsError(f"{place}: not a plain folder; remove it before collecting into it")


def _take_in(course: Course, assignment: str, student: str, files: dict[str, bytes], claimed: str,
             secret: str, opt_out: str = "") -> None:
    folder = course.submitted_of(student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        replace_file(folder / name, data)
    replace_file(folder / TIMESTAMP_FILE, claimed.encode())
    replace_file(folder / SECRET_FILE, (secret or secrets.token_hex(64)).encode())
    if opt_out:  # kept once handed in: a later hand-in without it does not undo the wish
        replace_file(folder / OPT_OUT_FILE, opt_out.encode(errors="backslashreplace"))


def _due(course: Course, assignment: str) -> datetime | None:
    """The due date in the gradebook; None before there is one (collecting never makes it)."""
    if not course.gradebook_exists():
        return None
    with course.open_gradebook() as writer:
        return writer.due(assignment)


def _suspect_run(counted: dict[str, Receipt], due: datetime | None) -> str:
    """Why the receipts look reset (a restore from backup, a chmod -R), or "": most of the class
    late by the exchange's clock while their own times say they were on time."""
    from nbgrader.utils import parse_utc

    if due is None or len(counted) < 4:
        return ""
    odd = 0
    for r in counted.values():
        try:
            claimed = parse_utc(r.claimed.strip()[:200])
        except (ValueError, TypeError, OverflowError):
            continue
        odd += r.received > due and claimed <= due
    if odd <= SUSPECT_SHARE * len(counted):
        return ""
    return (f"{odd} of {len(counted)} submissions were received after the due date by the exchange's change times, "
            "though their own timestamps say they were on time. Change times move together after a restore "
            "from backup or a chmod -R of the exchange, so these receipts are marked doubtful: no late penalty "
            "is taken from them until you decide (see receipts/ in the course folder)")


def _receipt(a: exchange.Arrival, assignment: str) -> Receipt:
    return Receipt(a.student, assignment, receipts.iso(a.received), "exchange",
                   {n: receipts.digest(d) for n, d in a.files.items()}, a.claimed[:200], a.folder, a.account)


def from_exchange(course: Course | Path, assignment: str, db_url: str | None = None, take: bool = True,
                  trust_times: bool = False) -> Collected:
    """Reads the exchange's inbound folder for ``assignment``: records a receipt for every new
    arrival (and gives the student a signed copy, when run as root), refuses what breaks the
    rules, and with ``take`` copies each student's latest arrival into ``submitted/``.
    ``trust_times``: the instructor has decided the change times are right, although most of the
    class turns late by them; the receipts are not marked doubtful (and lose that mark)."""
    course = Course.of(course, db_url)
    notebooks = course.notebooks(assignment)
    where = exchange.settings(course)
    if not where.inbound.is_dir():
        raise ExchangeError(f"{where.inbound}: no inbound folder for course {where.course_id!r} in the exchange "
                                f"{where.root}; check c.CourseDirectory.course_id and c.Exchange.root, or release "
                                "an assignment first (nbgrader release_assignment)")
    ledger = Ledger(course, assignment)
    on_record = ledger.by_folder()
    known = {f: datetime.fromisoformat(r.received_at) for f, r in on_record.items()}
    arrivals, refusals = exchange.scan(where.inbound, assignment, notebooks, known)
    secret = course.secret(create=True)
    done = Collected(refusals=refusals)
    latest: dict[str, tuple[exchange.Arrival, Receipt]] = {}
    for a in arrivals:
        r = _receipt(a, assignment) if a.files else on_record[a.folder]
        if a.files:
            r, new = ledger.record(r)
            done.new += new
        if not r.delivered and receipts.deliver(a.account, receipts.receipt_name(r),
                                                receipts.signed(r, where.course_id, secret)):
            ledger.update(r.student, r.folder, delivered=True)  # else tried again on the next pass
            done.delivered += 1
        before = latest.get(a.student)
        if before is None or (r.received, a.folder) > (before[1].received, before[0].folder):
            latest[a.student] = (a, r)
    done.counted = {s: r for s, (_, r) in latest.items()}
    # an opt-out handed in with any of the student's folders counts, not only with the latest
    opted_out = {a.student: a.folder for a in arrivals if a.opt_out}
    present = {a.folder for a in arrivals} | {x.folder for x in refusals}
    done.withdrawn = [r for f, r in sorted(on_record.items()) if f not in present]
    if not take:
        return done
    _check_targets(course, assignment, sorted(latest))
    done.suspect = "" if trust_times else _suspect_run(done.counted, _due(course, assignment))
    for student, (a, r) in sorted(latest.items()):
        if not a.files:  # known and unchanged: read now, to copy it
            try:
                a = exchange.read_one(where.inbound, a.folder, notebooks)
            except (ValueError, OSError) as e:  # gone or broken since it was listed: this student only
                done.refusals.append(exchange.Refusal(a.folder, f"changed while it was collected: {e}", student))
                continue
            fresh = _receipt(a, assignment)
            if fresh.notebooks != r.notebooks:  # edited since its receipt: a new, later arrival
                r = done.counted[student] = ledger.record(fresh)[0]
        _take_in(course, assignment, student, a.files, a.claimed, a.secret,
                 f"handed in with {opted_out[student]}\n" if student in opted_out else "")
        ledger.count(student, r.folder)
        if done.suspect or trust_times:
            ledger.update(student, r.folder, suspect=bool(done.suspect))
    _write_log(course, assignment, done)
    return done


def _write_log(course: Course, assignment: str, done: Collected) -> Path:
    """``receipts/<assignment>/collected.csv``: what this collection counted and refused, and why."""
    path = course.receipts / assignment / "collected.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", errors="backslashreplace") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "folder", "account", "received_at", "claimed", "status"])
        for s, r in sorted(done.counted.items()):
            status = "counted" + ("; claim disagrees with the receipt" if r.claim_disagrees() else "")
            w.writerow([s, r.folder, r.account, r.received_at, r.claimed.strip(), status])
        for x in done.refusals:
            w.writerow([x.named, x.folder, x.account, "", "", f"refused: {x.reason}"])
        for r in done.withdrawn:
            w.writerow([r.student, r.folder, r.account, r.received_at, r.claimed.strip(),
                        "withdrawn: received, then removed from the exchange by its owner"])
    return path


# --- LMS downloads -----------------------------------------------------------------------------

def load_lms_times(path: Path, ids: Path | None = None) -> dict[str, datetime]:
    """Submission times an LMS gives: a CSV with ``student`` and ``submitted_at`` columns, or the JSON
    of Canvas's submissions API (``user_id``, ``submitted_at``), mapped to students through ``ids``
    (the export mapping file: ``student``, ``canvas_id``)."""
    from nbgrader.utils import parse_utc

    path = Path(path)
    try:
        if path.suffix == ".json":
            rows = json.loads(path.read_text())
            if ids is None:
                raise MappingError("Canvas's submissions JSON names Canvas user ids: pass --ids with a canvas_id "
                                   "column")
            with open(ids, newline="") as fh:
                by_canvas = {r["canvas_id"]: r["student"] for r in csv.DictReader(fh)}
            pairs = [(by_canvas.get(str(r["user_id"])), r.get("submitted_at")) for r in rows]
        else:
            with open(path, newline="") as fh:
                pairs = [(r["student"], r["submitted_at"]) for r in csv.DictReader(fh)]
        return {s: parse_utc(t) for s, t in pairs if s and t}
    except MappingError:
        raise
    except OSError as e:
        raise MappingError(f"{e.filename}: cannot be read ({e.strerror})") from None
    except (KeyError, TypeError, ValueError, OverflowError) as e:
        raise MappingError(f"{path}: not a table of submission times ({type(e).__name__}: {e})") from None


def _lms_entries(source: Path, wanted: str) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for entry in sorted(source.iterdir()):
        if entry.is_symlink():
            raise SubmissionsError(f"{entry}: a link, not a submission")
        student, path = (entry.name, entry / wanted) if entry.is_dir() else (entry.stem, entry)
        if entry.is_file() and entry.suffix != ".ipynb":
            continue
        if not STUDENT_ID.match(student) or not student.isprintable():
            raise SubmissionsError(f"{entry}: {student!r} is not a student id nbgrader can use")
        if not path.is_file() or path.is_symlink():
            raise SubmissionsError(f"{entry}: no {wanted} in it")
        found.append((student, path))
    return found


def _opt_out_beside(notebook: Path, source: Path) -> str:
    """Where the student's leaderboard-opt-out was, when the download gives them a folder of their
    own and it holds one ("" otherwise)."""
    wish = notebook.parent / OPT_OUT_FILE
    if notebook.parent == source or wish.is_symlink() or not wish.is_file():
        return ""
    return f"handed in with {notebook.parent}\n"


def collect_folder(course: Course | Path, assignment: str, source: Path, times: dict[str, datetime] | None = None,
                   received_at: datetime | None = None) -> list[str]:
    """Copies ``source/<student>.ipynb`` (or ``source/<student>/<nb>.ipynb``) into the course, each
    received at the time the LMS gives (``times``), or else at ``received_at``, the instructor's
    own decision. A file's modification time is never taken: it says nothing of when the LMS
    received it. Everything is checked before anything is written; returns the students collected."""
    course, source = Course.of(course), Path(source)
    notebooks = course.notebooks(assignment)
    if not source.is_dir():
        raise SubmissionsError(f"{source}: no such folder of submissions")
    if len(notebooks) != 1:
        raise SubmissionsError(f"{course.source_of(assignment)}: expected one source notebook")
    found = _lms_entries(source, notebooks[0])
    times = times or {}
    untimed = [s for s, _ in found if s not in times]
    if untimed and received_at is None:
        raise MappingError(f"{source}: no submission time for {', '.join(untimed[:10])}"
                         + (f" and {len(untimed) - 10} more" if len(untimed) > 10 else "")
                         + ". A downloaded file's time says nothing of when the LMS received it: pass --times "
                         "with the LMS's submission times, or --received-at with the time you decide they count as")
    _check_targets(course, assignment, [s for s, _ in found])
    ledger = Ledger(course, assignment)
    for student, path in found:
        data = path.read_bytes()
        when = times.get(student, received_at)
        r = Receipt(student, assignment, receipts.iso(when), "lms" if student in times else "instructor",
                    {notebooks[0]: receipts.digest(data)}, folder=str(path))
        _take_in(course, assignment, student, {notebooks[0]: data}, "", "", _opt_out_beside(path, source))
        ledger.count(student, ledger.record(r)[0].folder)
    return [student for student, _ in found]
