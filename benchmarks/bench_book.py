"""Book build time: a full build from clean against a rebuild after editing one chapter.

The rebuild re-reads only the edited pages and, through jupyter-cache, re-runs no notebook
whose code did not change. Target: the rebuild under 15% of the full build.
Run: .venv/bin/python benchmarks/bench_book.py  (works on a scratch copy of the book)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).with_name("jupyter-book")


def build(where: Path) -> float:
    t = time.perf_counter()
    res = subprocess.run([str(JB), "build", str(where), "-W", "-n", "--keep-going"], cwd=where,
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit("build failed:\n" + (res.stdout + res.stderr)[-3000:])
    return time.perf_counter() - t


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "site"
        work.mkdir()
        for name in ("_config.yml", "_toc.yml", "book", "dlcourse"):
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
        full = build(work)
        page = work / "book" / "12-real-networks" / "theory.md"
        page.write_text(page.read_text() + "\nA sentence added to the chapter.\n")
        lab = work / "book" / "12-real-networks" / "lab.md"
        lab.write_text(lab.read_text() + "\nA sentence added to the lab's text.\n")
        rebuild = build(work)
    print(f"full build from clean: {full:7.1f} s")
    print(f"rebuild after editing chapter 12's theory and lab text: {rebuild:7.1f} s "
          f"({100 * rebuild / full:.1f}% of the full build; target < 15%)")


if __name__ == "__main__":
    main()
