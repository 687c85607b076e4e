"""Collecting submissions into nbgrader's layout, ``submitted/<student>/<assignment>/``, each with
the ``timestamp.txt`` that late work is judged by: with stock ``nbgrader collect`` (from its
exchange), or from a folder of notebooks an LMS lets an instructor download."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from dlcourse.grading.lateness import TIMESTAMP_FILE

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")


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
    for student, path in found:
        folder = Path(course) / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / wanted)
        when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        (folder / TIMESTAMP_FILE).write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return [student for student, _ in found]
