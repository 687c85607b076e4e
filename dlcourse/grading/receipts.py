"""Receipts: when the instructor's side received a submission, from evidence no student can set,
kept on the instructor's side and signed for the student.

A receipt records one arrival: the account that made it, the time it was received, a digest of
each notebook, and the time the student's own ``timestamp.txt`` claims (kept and shown, never
used to judge lateness). The ledger of an assignment lives in the course folder,
``receipts/<assignment>/<student>.json``: every arrival of the student, and which one counts.
A student's copy is signed with a key derived from the course secret, so an edited copy fails
``verify``; a dispute is settled against the ledger.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pwd
import signal
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from dlcourse.errors import ReceiptError
from dlcourse.grading.course import Course

GRACE_SECONDS = 600.0  # a claim this far from the receipt is the clocks' business, not the instructor's
SOURCES = ("exchange", "lms", "instructor", "sample class")


@dataclass(frozen=True)
class Receipt:
    """One submission as the instructor's side received it."""

    student: str
    assignment: str
    received_at: str | None  # ISO 8601 UTC; None: no evidence of when (the instructor decides)
    source: str  # how received_at is known: one of SOURCES
    notebooks: dict[str, str] = field(default_factory=dict)  # file name -> sha256 of its bytes
    claimed: str = ""  # what the student's timestamp.txt says, as they wrote it
    folder: str = ""  # the exchange folder (or LMS file) it came from
    account: str = ""  # the account that owned every file of it
    suspect: bool = False  # received_at is doubtful (e.g. the exchange's change times were reset)
    delivered: bool = False  # the student has their signed copy

    @property
    def received(self) -> datetime | None:
        """In naive UTC, as nbgrader keeps times (``parse_utc``, the gradebook)."""
        if not self.received_at:
            return None
        return datetime.fromisoformat(self.received_at).astimezone(UTC).replace(tzinfo=None)

    def claim_disagrees(self) -> bool:
        """The student's own time and the receipt differ by more than the grace."""
        from nbgrader.utils import parse_utc

        if self.received is None:
            return False
        try:
            claimed = parse_utc(self.claimed.strip()[:200])
        except (ValueError, TypeError, OverflowError):
            return bool(self.claimed.strip())
        return abs((claimed - self.received).total_seconds()) > GRACE_SECONDS


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Ledger:
    """The receipts of one assignment, in ``<course>/receipts/<assignment>/``."""

    def __init__(self, course: Course | Path, assignment: str):
        self.folder = Course.of(course).receipts / assignment

    def _path(self, student: str) -> Path:
        return self.folder / f"{student}.json"

    def _load(self, student: str) -> dict:
        path = self._path(student)
        if not path.exists():
            return {"arrivals": [], "counted": None}
        try:
            data = json.loads(path.read_text())
            data["arrivals"] = [Receipt(**a) for a in data["arrivals"]]
        except (ValueError, KeyError, TypeError) as e:
            raise ReceiptError(f"{path}: not a receipts file dlcourse wrote ({type(e).__name__}: {e})") from None
        return data

    def arrivals(self, student: str) -> list[Receipt]:
        return self._load(student)["arrivals"]

    def counted(self, student: str) -> Receipt | None:
        """The receipt of the submission that is graded, or None."""
        data = self._load(student)
        found = [r for r in data["arrivals"] if r.folder == data["counted"]]
        return found[-1] if found else None

    def _everyone(self) -> Iterator[Receipt]:
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            yield from self._load(path.stem)["arrivals"]

    def by_folder(self) -> dict[str, Receipt]:
        """Exchange folder -> its latest receipt, for every arrival through the exchange on record."""
        found: dict[str, Receipt] = {}
        for r in self._everyone():
            if r.source == "exchange" and r.received_at and (
                    r.folder not in found or r.received > found[r.folder].received):
                found[r.folder] = r
        return found

    def record(self, receipt: Receipt) -> tuple[Receipt, bool]:
        """Adds an arrival unless the same folder with the same notebooks is already there; returns
        the receipt on record and whether it is new. A folder seen again with other contents is a
        new arrival (its change time moved on with the edit)."""
        data = self._load(receipt.student)
        same = [r for r in data["arrivals"] if r.folder == receipt.folder and r.notebooks == receipt.notebooks]
        if same:
            return same[-1], False
        data["arrivals"].append(receipt)
        self._write(receipt.student, data)
        return receipt, True

    def count(self, student: str, folder: str) -> None:
        data = self._load(student)
        data["counted"] = folder
        self._write(student, data)

    def update(self, student: str, folder: str, **fields) -> None:
        """Sets ``fields`` (``suspect``, ``delivered``) on the arrivals of ``folder``."""
        data = self._load(student)
        data["arrivals"] = [replace(r, **fields) if r.folder == folder else r for r in data["arrivals"]]
        self._write(student, data)

    def _write(self, student: str, data: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        text = json.dumps({"arrivals": [asdict(r) for r in data["arrivals"]], "counted": data["counted"]}, indent=1)
        tmp = self._path(student).with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self._path(student))


# --- the student's signed copy ---------------------------------------------------------------

def _key(secret: bytes) -> bytes:
    return hmac.new(secret, b"dlcourse receipts v1", hashlib.sha256).digest()


def _canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def signed(receipt: Receipt, course_id: str, secret: bytes) -> str:
    """The receipt as the student receives it: readable JSON with a signature over the rest."""
    fields = {"receipt": "dlcourse submission receipt", "course": course_id, "assignment": receipt.assignment,
              "student": receipt.student, "received_at": receipt.received_at, "received_by": receipt.source,
              "notebooks_sha256": receipt.notebooks, "your_timestamp_txt": receipt.claimed}
    fields["signature"] = hmac.new(_key(secret), _canonical(fields), hashlib.sha256).hexdigest()
    return json.dumps(fields, indent=1) + "\n"


def verify(text: str, secret: bytes) -> dict:
    """The fields of a student's receipt if its signature holds; ReceiptError (a ValueError) otherwise."""
    try:
        fields = json.loads(text)
        signature = fields.pop("signature")
    except (ValueError, KeyError, AttributeError, TypeError):
        raise ReceiptError("not a dlcourse receipt (no JSON with a signature)") from None
    want = hmac.new(_key(secret), _canonical(fields), hashlib.sha256).hexdigest()
    if not isinstance(signature, str) or not hmac.compare_digest(signature, want):
        raise ReceiptError("the signature does not match: this receipt was edited or was not issued by this course")
    return fields


def receipt_name(receipt: Receipt) -> str:
    """``hw1-2026-12-07T030706.989643.json``: two arrivals never share a name."""
    when = receipt.received.strftime("%Y-%m-%dT%H%M%S.%f") if receipt.received else "unknown"
    return f"{receipt.assignment}-{when}.json"


def deliver(account: str, name: str, text: str, folder: str = "receipts", seconds: float = 10.0) -> Path | None:
    """Writes the receipt into ``~account/<folder>/<name>`` with the account's rights (never with
    root's into a folder the student controls, where a link could redirect the write); None when
    this process cannot act as the account (it is not root), the account is root or has no home,
    or the write failed or took longer than ``seconds``.

    The writer is a child that takes the student's uid as its effective uid only, its real and
    saved uids staying root's: the student can neither signal it (a stopped child would hang the
    service) nor trace it (it holds the course secret in its memory)."""
    try:
        pw = pwd.getpwnam(account)
    except KeyError:
        return None
    if os.geteuid() != 0 or pw.pw_uid == 0 or not os.path.isdir(pw.pw_dir):
        return None  # root hands in nothing a receipt is for (the tests run as root)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(0, pw.pw_gid, 0)
            os.setresuid(0, pw.pw_uid, 0)
            code = _write_as_student(pw.pw_dir, folder, name, text)
        finally:
            os._exit(code)
    return Path(pw.pw_dir) / folder / name if _reap(pid, seconds) == 0 else None


def _write_as_student(home_path: str, folder: str, name: str, text: str) -> int:
    os.umask(0o077)
    home = os.open(home_path, os.O_RDONLY | os.O_DIRECTORY)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700, dir_fd=home)
    where = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=home)
    tmp = f".{name}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=where)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, name, src_dir_fd=where, dst_dir_fd=where)
    return 0


def _reap(pid: int, seconds: float) -> int:
    """The child's exit code; a child not done in time is killed (-1)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -1
