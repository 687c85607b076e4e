"""Collecting submissions into nbgrader's layout, ``submitted/<student>/<assignment>/``, each with
the ``timestamp.txt`` that late work is judged by: with stock ``nbgrader collect`` (from its
exchange), or from a folder of notebooks an LMS lets an instructor download."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from dlcourse.grading.lateness import TIMESTAMP_FILE
from dlcourse.grading.notebook import STUDENT_ID


def _replace(target: Path, data: bytes) -> None:
    """Writes a new file and renames it over ``target``: a link there is replaced, not followed."""
    tmp = target.with_name(f".{target.name}.collecting")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


def collect_with_nbgrader(course: Path, assignment: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "collect", assignment, "--log-level=WARN"],
                          cwd=course, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader collect {assignment} failed in {course}:\n{done.stderr[-3000:]}")


def collect_folder(course: Path, assignment: str, source: Path) -> list[str]:
    """Copies ``source/<student>.ipynb`` (or ``source/<student>/<nb>.ipynb``) into the course, the
    file's modification time as its timestamp; returns the students collected. A name that is not a
    plain student id is refused, naming the file, before anything is copied."""
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such folder of submissions")
    notebooks = sorted((Path(course) / "source" / assignment).glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(f"{Path(course) / 'source' / assignment}: expected one source notebook")
    wanted = notebooks[0].name
    found: list[tuple[str, Path]] = []
    for entry in sorted(source.iterdir()):
        if entry.is_symlink():
            raise ValueError(f"{entry}: a link, not a submission")
        student, path = (entry.name, entry / wanted) if entry.is_dir() else (entry.stem, entry)
        if entry.is_file() and entry.suffix != ".ipynb":
            continue
        if not STUDENT_ID.match(student):
            raise ValueError(f"{entry}: {student!r} is not a student id nbgrader can use")
        if not path.is_file() or path.is_symlink():
            raise ValueError(f"{entry}: no {wanted} in it")
        found.append((student, path))
    root = Path(course) / "submitted"
    for student, _ in found:  # a link a student left in submitted/ is never written through
        for place in (root / student, root / student / assignment):
            if place.is_symlink() or (place.exists() and not place.is_dir()):
                raise ValueError(f"{place}: not a plain folder; remove it before collecting into it")
    for student, path in found:
        folder = root / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        _replace(folder / wanted, path.read_bytes())
        _replace(folder / TIMESTAMP_FILE, when.strftime("%Y-%m-%d %H:%M:%S.%f %Z").encode())
    return [student for student, _ in found]
