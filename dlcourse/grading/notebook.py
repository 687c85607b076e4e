"""Reading submissions and the instructor's notebook, with a clear reason for every failure.

Students insert, copy, delete, reorder and retype cells. The grader therefore runs every
code cell of a submission in order, except the test cells (recognised by the instructor's
grade ids, or, in a cell that lost its metadata, by being one ``check("<test id>", <name>)``
call and nothing else), and finds answers by the functions they define; the tests themselves always
come from the instructor's notebook and ``specs``.
"""
from __future__ import annotations

import ast
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_BYTES = 50 * 1024**2
# a student id nbgrader, the gradebook, file names and spreadsheets all take as it is: a letter or
# digit first (so never a formula), then letters, digits and _.@-, at most 128 characters
STUDENT_ID = re.compile(r"^\w[\w.@-]{0,127}\Z")  # \Z: "$" would let a final newline through
SURROGATE = re.compile("[\ud800-\udfff]")
LOCAL_CHECKS = "local_checks"  # the cell importing the student's check helper: not run when grading


class SubmissionError(Exception):
    """The notebook cannot be read; the message says which file and why."""


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float


def read(path: Path | str, data: bytes | None = None) -> nbformat.NotebookNode:
    """Parses and validates a notebook (from ``data`` when given), or raises SubmissionError."""
    path = Path(path)
    if data is None:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise SubmissionError(f"{path}: file not found") from None
        if size > MAX_BYTES:
            raise SubmissionError(f"{path}: {size} bytes, more than the {MAX_BYTES} a notebook may have")
        data = path.read_bytes()
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors write
    if not data.strip():
        raise SubmissionError(f"{path}: the file is empty")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise SubmissionError(f"{path}: not UTF-8 text, so not a notebook") from None
    except Exception as e:  # nbformat raises several kinds for bad JSON or an unknown format
        raise SubmissionError(f"{path}: not a readable notebook ({type(e).__name__}: {str(e)[:200]})") from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        # what grading needs is the cells' types and sources; outputs or ids that an editor wrote
        # slightly off the schema must not cost an honest student the notebook
        if not _cells_readable(nb):
            raise SubmissionError(f"{path}: invalid notebook format ({str(e).splitlines()[0][:200]})") from None
    return nb


def _cells_readable(nb) -> bool:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return isinstance(cells, list) and all(
        isinstance(c, dict) and isinstance(c.get("cell_type"), str) and isinstance(c.get("source"), (str, list))
        and (isinstance(c["source"], str) or all(isinstance(line, str) for line in c["source"])) for c in cells)


def nbgrader_metadata(cell) -> dict:
    """A cell's nbgrader metadata; a grade id that is not a string (a student may type anything
    into metadata) counts as none."""
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    if not isinstance(meta, dict):
        return {}
    return meta if isinstance(meta.get("grade_id", ""), str) else {k: v for k, v in meta.items() if k != "grade_id"}


def test_cells(source_nb: nbformat.NotebookNode) -> list[TestCell]:
    """The autograded test cells of the instructor's notebook, with their points."""
    return [TestCell(m["grade_id"], float(m.get("points", 0))) for c in source_nb.cells
            if c.cell_type == "code" and (m := nbgrader_metadata(c)).get("grade") and not m.get("solution")]


def is_kept_test_cell(source: str, test_ids: set[str]) -> bool:
    """Whether a cell that lost its metadata is one of the instructor's test cells, as the
    student kept it: exactly one ``check("<test id>", <name>)`` call and nothing else."""
    if "check" not in source:  # most cells: no parse
        return False
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if len(body) != 1 or not isinstance(body[0], ast.Expr) or not isinstance(call := body[0].value, ast.Call):
        return False
    return (isinstance(call.func, ast.Name) and call.func.id == "check" and not call.keywords
            and len(call.args) == 2 and isinstance(call.args[0], ast.Constant) and call.args[0].value in test_ids
            and isinstance(call.args[1], ast.Name))


def code_to_run(nb: nbformat.NotebookNode, test_ids: set[str]) -> list[dict]:
    """The submission's code cells in order, minus test cells (by their grade id, or by their
    code where a cell lost its metadata) and the local-check import, as written (the runner's
    IPython shell understands magics and shell escapes); each as {"id", "source"}."""
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or nbgrader_metadata(c).get("grade_id") in test_ids | {LOCAL_CHECKS}:
            continue
        src = c.source if isinstance(c.source, str) else "".join(c.source)
        if is_kept_test_cell(src, test_ids):  # it would only run the visible cases: the grader runs the tests
            continue
        cells.append({"id": str(nbgrader_metadata(c).get("grade_id") or f"cell-{i + 1}"), "source": src})
    return cells


MAX_ANSWERS, MAX_ANSWER_CHARS, MAX_ANSWERS_CHARS = 100, 50_000, 500_000


def clean_text(text: str) -> str:
    """Text a file or a terminal can take: a lone surrogate (which JSON allows) becomes U+FFFD."""
    return SURROGATE.sub("\ufffd", text)


def answers(nb: nbformat.NotebookNode, test_ids: set[str]) -> dict[str, str]:
    """The student's cells that still carry a grade id (answers, written or coded), by grade id,
    bounded in number, each and in all (they are kept in the gradebook for every submission):
    what formgrader shows a TA. The first cell with an id wins."""
    found: dict[str, str] = {}
    room = MAX_ANSWERS_CHARS
    for c in nb.cells:
        grade_id = nbgrader_metadata(c).get("grade_id")
        if not grade_id or grade_id in test_ids or grade_id in found or len(found) >= MAX_ANSWERS or room <= 0:
            continue
        src = clean_text(c.source if isinstance(c.source, str) else "".join(c.source))
        key = clean_text(str(grade_id))[:200]
        found[key] = src[:min(MAX_ANSWER_CHARS, room)]
        room -= len(found[key])
    return found


def read_submitted(root: Path, parts: tuple[str, ...]) -> bytes | None:
    """The bytes of ``root/<parts...>``, a submitted file, opened one component at a time
    without following any link: None when it does not exist; SubmissionError when it, or a
    folder on its way, is a link, a device, a FIFO, a hard link or too large. So a submission
    never makes the grader read a path the student chose."""
    shown = Path(*parts)
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last and _is_special(fds[-1], part):  # never open a device or FIFO: opening one can block or act
                raise SubmissionError(f"{shown}: not a regular file (a device, FIFO or socket); "
                                      "submit the notebook itself")
            flags = os.O_RDONLY | os.O_NOFOLLOW | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            try:
                fds.append(os.open(part, flags, dir_fd=fds[-1]))
            except FileNotFoundError:
                return None
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENOTDIR):
                    what = "is a symbolic link" if _is_link(fds[-1], part) else "is not a folder"
                    raise SubmissionError(f"{shown}: {Path(*parts[:i + 1])} {what}; only plain files inside "
                                          "the student's own folder are graded") from None
                raise SubmissionError(f"{shown}: cannot be opened ({e.strerror})") from None
        info = os.fstat(fds[-1])
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{shown}: not a regular file (a device, FIFO or socket); submit the notebook itself")
        if info.st_nlink > 1:
            raise SubmissionError(f"{shown}: a hard link shared with {info.st_nlink - 1} other path(s); "
                                  "submit a copy of the notebook")
        if info.st_size > MAX_BYTES:
            raise SubmissionError(f"{shown}: {info.st_size} bytes, more than the {MAX_BYTES} a notebook may have")
        with os.fdopen(os.dup(fds[-1]), "rb") as fh:
            return fh.read(MAX_BYTES + 1)[:MAX_BYTES]
    finally:
        for fd in fds:
            os.close(fd)


def _is_special(dir_fd: int, name: str) -> bool:
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode))


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False
