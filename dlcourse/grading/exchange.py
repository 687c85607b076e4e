"""nbgrader's shared-folder exchange, read as the instructor's side must read it: every folder in
``<root>/<course_id>/inbound/`` is one arrival, credited to the account that owns it, received
at the latest change time (ctime) of the folder and every file in it.

Why these and not what the folder says: its name (``<student>+<assignment>+<time>+<random>``)
and its ``timestamp.txt`` are typed by the submitter, and the submitter owns the folder. The
kernel sets a file's owner and ctime; no user can set ctime back (``touch -d`` moves only the
modification time), and writing, renaming, linking or changing the mode of a file moves it
forward. So the latest ctime is a lower bound on when the contents were last put there. It is
read here, in ``inbound/``, before anything is copied (a copy gets a new ctime). One caveat: a
write through a shared memory map moves ctime only at the first write to a page after it was
last written back, so on ext4 a student can gain up to the kernel's dirty expiry (30 s by
default), and on tmpfs, which never writes back, without bound: keep the exchange on a disk.

Nothing is followed or trusted on the way: folders and files are opened one at a time without
following links, every file must be a plain file owned by the folder's owner, sizes and counts
are capped, and a folder that breaks a rule is refused with its reason while the rest of the
class is read.
"""
from __future__ import annotations

import errno
import os
import pwd
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

from dlcourse.errors import ExchangeError, SettingsError
from dlcourse.grading.course import Course
from dlcourse.grading.leaderboard import OPT_OUT_FILE
from dlcourse.grading.notebook import MAX_BYTES, STUDENT_ID

DEFAULT_ROOT = "/srv/nbgrader/exchange"  # nbgrader's Exchange.root
MAX_FILES = 200  # files of one submission folder (the notebook, timestamp.txt, the secret, data)
MAX_DEPTH = 4
MAX_ARRIVALS = 50  # submissions of one assignment read per account: a flood slows only its maker
SMALL = 4096  # timestamp.txt and submission_secret.txt


@dataclass(frozen=True)
class ExchangeSettings:
    root: Path
    course_id: str

    @property
    def course(self) -> Path:
        return self.root / self.course_id

    @property
    def inbound(self) -> Path:
        return self.course / "inbound"


def settings(course: Course | Path) -> ExchangeSettings:
    """The exchange's root and the course id, from nbgrader's configuration as nbgrader reads it:
    the Jupyter config path (e.g. /etc/jupyter/nbgrader_config.py), then the course folder's."""
    course = Course.of(course)
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(course.root.resolve())]:
        for loader, name in ((JSONFileConfigLoader, "nbgrader_config.json"),
                             (PyFileConfigLoader, "nbgrader_config.py")):
            if os.path.isfile(os.path.join(folder, name)):
                config.merge(loader(name, path=folder).load_config())
    course_id = config.CourseDirectory.get("course_id", "")
    if not course_id:
        raise SettingsError(f"{course.nbgrader_config}: no c.CourseDirectory.course_id; the exchange "
                         "keeps each course under its id")
    return ExchangeSettings(Path(config.Exchange.get("root", DEFAULT_ROOT)), course_id)


@dataclass
class Arrival:
    """One folder of ``inbound/``, read: who made it, when it was received, what it holds."""

    folder: str
    student: str  # the id in the folder's name (what the submitter typed)
    account: str  # the account that owns the folder and every file in it
    received: datetime  # the latest ctime of the folder and its files
    claimed: str  # its timestamp.txt, as written
    files: dict[str, bytes] = field(default_factory=dict)  # the notebooks asked for, by name
    secret: str = ""  # submission_secret.txt: nbgrader keys the student's feedback by it
    opt_out: bool = False  # a leaderboard-opt-out handed in (its content, never read, does not matter)


@dataclass
class Refusal:
    folder: str
    reason: str
    named: str = ""  # the student the folder's name credits, if it parses
    account: str = ""  # who made it, if known


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _walk(fd: int, depth: int, uid: int, seen: list[float], files: dict[str, int], prefix: str = "") -> None:
    """Collects the ctime of every entry under ``fd`` (an open folder) into ``seen`` and opens
    every plain file named in ``files``'s keys; raises ValueError on a link, a special file, a
    foreign owner, or too many or too deep entries."""
    for entry in os.scandir(fd):
        info = entry.stat(follow_symlinks=False)
        where = prefix + entry.name
        if info.st_uid != uid:
            raise ValueError(f"{where} belongs to {_account(info.st_uid)}, the folder to {_account(uid)}")
        seen.append(info.st_ctime)
        if len(seen) > MAX_FILES:
            raise ValueError(f"more than {MAX_FILES} files")
        if stat.S_ISDIR(info.st_mode):
            if depth >= MAX_DEPTH:
                raise ValueError(f"{where}: folders nested deeper than {MAX_DEPTH}")
            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            try:
                _walk(sub, depth + 1, uid, seen, files, where + "/")
            finally:
                os.close(sub)
        elif not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{where} is not a plain file (a link, device, FIFO or socket)")
        elif info.st_nlink > 1:
            raise ValueError(f"{where} is a hard link shared with another path")
        elif where in files:
            files[where] = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)


def _read(fd: int, limit: int, what: str, uid: int, seen: list[float]) -> bytes:
    """A file opened by ``_walk``, checked again once open (it may have been swapped since it was
    listed) and read; its change time after the read joins ``seen``, so content written while it
    was read is never dated before it."""
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid or info.st_nlink > 1:
            raise ValueError(f"{what} changed into something else while it was read")
        data = fh.read(limit + 1)
        seen.append(os.fstat(fh.fileno()).st_ctime)
    if len(data) > limit:
        raise ValueError(f"{what}: more than {limit} bytes")
    return data


def read_folder(inbound_fd: int, name: str, notebooks: list[str], known: datetime | None = None) -> Arrival:
    """One folder of ``inbound/``, read without following links; ValueError says why it is refused.

    ``known``: when this folder was last received. If nothing in it changed since, its files are
    not read again (the arrival comes back with no files): a service that looks every few seconds
    reads each submission once."""
    folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=inbound_fd)
    wanted = {n: -1 for n in [*notebooks, "timestamp.txt", "submission_secret.txt", OPT_OUT_FILE]}
    try:
        info = os.fstat(folder)  # the folder opened, not whatever the name pointed at a moment before
        seen = [info.st_ctime]
        _walk(folder, 1, info.st_uid, seen, wanted)
        if all(wanted[n] < 0 for n in notebooks):  # one of several is a partial hand-in, graded as it is
            raise ValueError(f"no {' or '.join(notebooks)} in it")
        data: dict[str, bytes] = {}
        unchanged = known is not None and datetime.fromtimestamp(max(seen), tz=UTC) <= known
        opt_out = wanted[OPT_OUT_FILE] >= 0  # closed below, unread: only its presence counts
        for n, fd in wanted.items():
            if fd >= 0 and not unchanged and n != OPT_OUT_FILE:
                wanted[n] = -1  # _read closes it
                data[n] = _read(fd, MAX_BYTES if n in notebooks else SMALL, n, info.st_uid, seen)
        seen.append(os.fstat(folder).st_ctime)  # a change while it was read moves the receipt on
    finally:
        os.close(folder)
        for fd in wanted.values():
            if fd >= 0:
                os.close(fd)
    return Arrival(folder=name, student=name.split("+", 1)[0], account=_account(info.st_uid),
                   received=datetime.fromtimestamp(max(seen), tz=UTC),
                   claimed=data.get("timestamp.txt", b"").decode("utf-8", "replace"),
                   files={n: data[n] for n in notebooks if n in data},
                   secret=data.get("submission_secret.txt", b"").decode("ascii", "replace").strip(),
                   opt_out=opt_out)


def read_one(inbound: Path, name: str, notebooks: list[str]) -> Arrival:
    """One folder of ``inbound``, read in full (see ``read_folder``)."""
    inbound_fd = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return read_folder(inbound_fd, name, notebooks)
    finally:
        os.close(inbound_fd)


def _parse_name(name: str, assignment: str) -> str | None:
    """The student id a folder's name credits, if it is nbgrader's ``student+assignment+time[+random]``
    for this assignment; ValueError for a name that is not; None for another assignment's."""
    if not name.isprintable() or name != name.encode("utf-8", "replace").decode("utf-8"):
        raise ValueError("a name that is not printable UTF-8")
    parts = name.split("+")
    if len(parts) not in (3, 4) or not all(parts):
        raise ValueError("not named student+assignment+time+random as nbgrader submit names it")
    if parts[1] != assignment:
        return None
    if not STUDENT_ID.match(parts[0]) or not parts[0].isprintable():
        raise ValueError(f"{parts[0]!r} is not a student id nbgrader takes")
    return parts[0]


def scan(inbound: Path, assignment: str, notebooks: list[str],
         known: dict[str, datetime] | None = None) -> tuple[list[Arrival], list[Refusal]]:
    """Every arrival of ``assignment`` in ``inbound``, and every folder refused with its reason.
    ``known``: folder name -> when it was last received (see ``read_folder``).

    An arrival whose owner is not the student its name credits is refused: work is credited to
    the account that made it, never to the id typed into a form."""
    try:
        inbound_fd = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise ExchangeError(f"{inbound}: cannot open the exchange's inbound folder ({e.strerror})") from None
    arrivals, refusals = [], []
    known = known or {}
    try:
        names, too_many = _latest_per_account(inbound_fd, assignment)
        refusals += too_many
        for name in names:
            shown = os.fsencode(name).decode("utf-8", "backslashreplace")
            try:
                student = _parse_name(name, assignment)
                if student is None:
                    continue
                arrival = read_folder(inbound_fd, name, notebooks, known.get(name))
            except (ValueError, OSError) as e:
                refusals.append(Refusal(shown, _why(e), named=name.split("+", 1)[0] if "+" in name else "",
                                        account=_owner(inbound_fd, name)))
                continue
            if arrival.account != student:
                refusals.append(Refusal(shown, f"made by the account {arrival.account}, not by {student}: work "
                                        "handed in under another student's id is credited to nobody",
                                        named=student, account=arrival.account))
                continue
            arrivals.append(arrival)
    finally:
        os.close(inbound_fd)
    return arrivals, refusals


def _latest_per_account(inbound_fd: int, assignment: str) -> tuple[list[str], list[Refusal]]:
    """The names of ``inbound`` that may hold this assignment, at most MAX_ARRIVALS of each
    account's (its latest, by the folder's change time), and one refusal per account for the rest:
    a student who hands in thousands of folders slows nobody's receipts but their own. The count
    is by owner, so folders forged in another student's name never use up that student's share."""
    by_owner: dict[int, list[tuple[float, str]]] = {}
    for name in os.listdir(inbound_fd):
        if f"+{assignment}+" not in name:
            continue
        try:
            info = os.stat(name, dir_fd=inbound_fd, follow_symlinks=False)
        except OSError:
            continue
        by_owner.setdefault(info.st_uid, []).append((info.st_ctime, name))
    names, refusals = [], []
    for uid, entries in by_owner.items():
        entries.sort(reverse=True)
        names += [n for _, n in entries[:MAX_ARRIVALS]]
        if len(entries) > MAX_ARRIVALS:
            refusals.append(Refusal(f"{len(entries) - MAX_ARRIVALS} older folders", f"more than {MAX_ARRIVALS} "
                                    f"submissions of {assignment} by {_account(uid)}: only the latest are read",
                                    account=_account(uid)))
    return sorted(names), refusals


def _why(e: Exception) -> str:
    if isinstance(e, OSError) and e.errno == errno.ELOOP:
        return "not a folder (a link)"
    if isinstance(e, OSError) and e.errno == errno.ENOTDIR:
        return "not a folder (a file)"
    return str(e) if isinstance(e, ValueError) else f"cannot be read ({e.strerror})"


def _owner(inbound_fd: int, name: str) -> str:
    try:
        return _account(os.stat(name, dir_fd=inbound_fd, follow_symlinks=False).st_uid)
    except OSError:
        return ""
