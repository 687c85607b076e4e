"""Grading throughput: `dlcourse grade` (sandboxed, Dask, one worker per core) against stock
`nbgrader autograde` on the same submissions, and the sandbox's own overhead (the same
grader with --no-sandbox), side by side on this machine.

Run: .venv/bin/python benchmarks/bench_grading.py [N]   (N honest and wrong submissions, default 100)
Targets: at least 2x stock throughput; the sandbox's overhead under 15% per submission.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.grading import kit, sample_class

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "TF_CPP_MIN_LOG_LEVEL": "3"}


def course_with(n: int, where: Path) -> Path:
    course = where / "course"
    course.mkdir()
    shutil.copytree(ROOT / "autograder" / "source", course / "source")
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course)
    kit.release(course, "hw1")
    students = sample_class.make(course, "hw1", 4 * n)
    keep = [s for s in students if s.kind == "honest" or s.kind in sample_class.WRONG][:n]
    for s in students:
        if s not in keep:
            shutil.rmtree(course / "submitted" / s.name)
    return course


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as tmp:
        secret = Path(tmp) / "secret"  # hidden cases need a course secret; this one lives and dies with the run
        secret.write_bytes(os.urandom(32))
        secret.chmod(0o600)
        ENV["DLCOURSE_SECRET_FILE"] = str(secret)
        runs = {}
        for name in ("dlcourse grade (sandboxed)", "dlcourse grade --no-sandbox", "nbgrader autograde (stock)"):
            folder = Path(tmp) / name.split()[0] / name.split()[-1].strip("()-")
            folder.mkdir(parents=True)
            course = course_with(n, folder)
            if name.startswith("nbgrader"):
                cmd = [str(BIN / "nbgrader"), "autograde", "hw1"]
            else:
                cmd = [str(BIN / "dlcourse"), "grade", "hw1", "--course", str(course), "--quiet"]
                cmd += ["--no-sandbox"] if "no-sandbox" in name else []
            runs[name] = timed(cmd, course)
    print(f"{n} submissions of hw1 on {os.cpu_count()} cores")
    for name, secs in runs.items():
        print(f"{name:<30} {secs:7.1f} s   {60 * n / secs:7.1f} submissions/min")
    stock, ours, bare = runs["nbgrader autograde (stock)"], runs["dlcourse grade (sandboxed)"], \
        runs["dlcourse grade --no-sandbox"]
    print(f"throughput vs stock nbgrader: {stock / ours:.2f}x (target >= 2x)")
    print(f"sandbox overhead: {100 * (ours - bare) / bare:+.1f}% (target < 15%)")


if __name__ == "__main__":
    main()
