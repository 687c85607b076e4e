"""Grading at class scale: `dlcourse grade` (sandboxed, on Dask) on a class of 1000 hw1
submissions, against stock `nbgrader autograde` on samples of the same submissions, extrapolated
per submission, side by side on this machine.

Run: .venv/bin/python benchmarks/bench_grading.py [--students 1000] [--stock 10 40] [--one-worker 200]

Prints throughput (the whole command, start to end, reports included), the time per submission
on a worker (median and tail), the peak memory of the grader and of each worker (and the
grader's through the run), 1 against 2 workers, and the throughput model of the autograder's
README fitted to these figures. Target: at least 5x stock nbgrader's throughput with the sandbox
on, and a grader whose memory does not grow with the class.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from dlcourse.grading import kit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the sample class: a fixture at the repository's root, not in the installed package
import sample_class  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "TF_CPP_MIN_LOG_LEVEL": "3"}
# what a real class hands in: honest work in several styles, unfinished work and the known mistakes
# (the hostile kinds are the security tests' business: stock nbgrader cannot be run on them safely)
KINDS = ["honest", "honest_ipython", "restructured", "honest_own_words", "copied_with_renames", "student_version"]
MB = 1024**2


def empty_course(where: Path) -> Path:
    course = where / "course"
    course.mkdir(parents=True)
    shutil.copytree(ROOT / "autograder" / "source", course / "source")
    shutil.copy(ROOT / "autograder" / "nbgrader_config.py", course)
    kit.release(course, "hw1")
    return course


def notebooks_of_a_class(where: Path) -> list[Path]:
    """One notebook of each kind of KINDS and of each known mistake of hw1, made once."""
    course = empty_course(where / "kinds")
    source = nbformat.read(course / "source" / "hw1" / "hw1.ipynb", as_version=4)
    wanted = KINDS + sample_class.wrong_kinds(source)
    made = sample_class.make(course, "hw1", len(sample_class.class_kinds(source)))
    return [course / "submitted" / s.name / "hw1" / "hw1.ipynb" for s in made if s.kind in wanted]


def course_of(n: int, kinds: list[Path], where: Path) -> Path:
    """A released hw1 with n submissions, the kinds taking turns."""
    course = empty_course(where)
    for i in range(n):
        folder = course / "submitted" / f"s{i:05d}" / "hw1"
        folder.mkdir(parents=True)
        shutil.copy(kinds[i % len(kinds)], folder / "hw1.ipynb")
    return course


@dataclass
class Run:
    seconds: float
    n: int
    grader_peak_mb: float = 0.0
    grader_cpu_s: float = 0.0
    worker_peaks_mb: list[float] = field(default_factory=list)
    grader_trace_mb: list[float] = field(default_factory=list)  # the grader's memory, sampled through the run
    progress: list[tuple[float, float, int]] = field(default_factory=list)  # (seconds, grader's CPU s, graded)

    def steady(self) -> tuple[float, float]:
        """Between a fifth and four fifths of the class: notebooks per second, and the grader's
        CPU seconds per notebook (start-up and reports aside)."""
        mid = [p for p in self.progress if self.n / 5 <= p[2] <= 4 * self.n / 5]
        (t0, c0, g0), (t1, c1, g1) = mid[0], mid[-1]
        return (g1 - g0) / (t1 - t0), (c1 - c0) / (g1 - g0)

    def after_grading(self) -> float:
        """Seconds from the last notebook graded to the end: lateness and the reports."""
        return self.seconds - next(t for t, _, g in self.progress if g >= self.n)

    @property
    def per_minute(self) -> float:
        return 60 * self.n / self.seconds


def graded(course: Path) -> int:
    """Notebooks with a result in the gradebook so far (a reader never stops the writer: WAL)."""
    if not (course / "gradebook.db").exists():
        return 0
    db = sqlite3.connect(f"file:{course / 'gradebook.db'}?mode=ro", uri=True, timeout=1)
    try:
        return db.execute("SELECT COUNT(*) FROM dlcourse_graded WHERE result IS NOT NULL").fetchone()[0]
    except sqlite3.Error:  # no table yet
        return 0
    finally:
        db.close()


def timed(cmd: list[str], cwd: Path, n: int, count=None) -> Run:
    """Runs ``cmd``, sampling every 0.2 s the memory of it and of its Dask workers, its CPU time
    and (with ``count``) how many notebooks are graded."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    run, workers, stop = Run(0.0, n), {}, threading.Event()

    def sample():
        while not stop.is_set():
            try:
                rss = proc.memory_info().rss
                if rss:  # 0: it has ended and is not yet reaped
                    run.grader_peak_mb = max(run.grader_peak_mb, rss / MB)
                    run.grader_trace_mb.append(rss / MB)
                run.grader_cpu_s = sum(proc.cpu_times()[:2])
                if count is not None:
                    run.progress.append((time.perf_counter() - start, run.grader_cpu_s, count()))
                for child in proc.children():
                    if "spawn_main" in " ".join(child.cmdline()):  # a Dask worker
                        workers[child.pid] = max(workers.get(child.pid, 0.0), child.memory_info().rss / MB)
            except psutil.Error:  # a process ended between listing and reading it
                pass
            stop.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    run.seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    run.worker_peaks_mb = sorted(workers.values())
    return run


def grade(course: Path, workers: int) -> Run:
    cmd = [str(BIN / "dlcourse"), "grade", "hw1", "--course", str(course), "--quiet", "--workers", str(workers)]
    return timed(cmd, course, len(list((course / "submitted").iterdir())), count=lambda: graded(course))


def worker_seconds(course: Path) -> list[float]:
    """How long each notebook took on its worker, from the gradebook."""
    db = sqlite3.connect(course / "gradebook.db")
    try:
        return sorted(json.loads(r)["seconds"] for (r,) in db.execute("SELECT result FROM dlcourse_graded"))
    finally:
        db.close()


def quantile(xs: list[float], q: float) -> float:
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--stock", type=int, nargs=2, default=[10, 40], help="the two sample sizes stock nbgrader grades")
    ap.add_argument("--one-worker", type=int, default=200, help="the sample one worker grades")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        secret = tmp / "secret"  # hidden cases need a course secret; this one lives and dies with the run
        secret.write_bytes(os.urandom(32))
        secret.chmod(0o600)
        ENV["DLCOURSE_SECRET_FILE"] = str(secret)
        kinds = notebooks_of_a_class(tmp)
        stock = {}
        for k in args.stock:
            course = course_of(k, kinds, tmp / f"stock{k}")
            stock[k] = timed([str(BIN / "nbgrader"), "autograde", "hw1"], course, k)
        one = grade(course_of(args.one_worker, kinds, tmp / "one"), workers=1)
        one_seconds = worker_seconds(tmp / "one" / "course")
        big_course = course_of(args.students, kinds, tmp / "big")
        two = grade(big_course, workers=2)
        times = worker_seconds(big_course)
    (k1, s1), (k2, s2) = sorted((k, r.seconds) for k, r in stock.items())
    per_sub = (s2 - s1) / (k2 - k1)  # stock nbgrader's time per submission, its start-up aside
    startup = s1 - k1 * per_sub
    stock_n = startup + args.students * per_sub
    print(f"hw1, {len(kinds)} kinds of submission taking turns ({', '.join(KINDS)} and hw1's known mistakes); "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'':<40}{'notebooks':>10}{'wall':>10}{'per minute':>12}")
    for k, r in sorted(stock.items()):
        print(f"{'nbgrader autograde (stock)':<40}{k:>10}{r.seconds:>9.1f}s{r.per_minute:>12.1f}")
    label = f"  extrapolated: {startup:.1f} s + {per_sub:.2f} s each"
    print(f"{label:<40}{args.students:>10}{stock_n:>9.1f}s{60 * args.students / stock_n:>12.1f}")
    print(f"{'dlcourse grade, sandboxed, 1 worker':<40}{one.n:>10}{one.seconds:>9.1f}s{one.per_minute:>12.1f}")
    print(f"{'dlcourse grade, sandboxed, 2 workers':<40}{two.n:>10}{two.seconds:>9.1f}s{two.per_minute:>12.1f}")
    ratio = stock_n / two.seconds
    print(f"throughput vs stock nbgrader, {args.students} notebooks: {ratio:.2f}x (target >= 5x) "
          f"{'MET' if ratio >= 5 else 'NOT MET'}")
    print(f"2 workers vs 1: {two.per_minute / one.per_minute:.2f}x the throughput")
    print(f"time per notebook on a worker, 2 workers: median {statistics.median(times):.2f} s, "
          f"95th percentile {quantile(times, 0.95):.2f} s, 99th {quantile(times, 0.99):.2f} s, "
          f"slowest {times[-1]:.2f} s; 1 worker: median {statistics.median(one_seconds):.2f} s")
    trace = two.grader_trace_mb
    tenths = [trace[min(len(trace) - 1, int(len(trace) * q / 10))] for q in range(1, 11)]
    each = ", ".join(f"{m:.0f}" for m in two.worker_peaks_mb)
    print(f"peak memory: grader {two.grader_peak_mb:.0f} MB with {args.students} notebooks, "
          f"{one.grader_peak_mb:.0f} MB with {one.n}; each worker {each} MB")
    print(f"grader's memory at each tenth of the {args.students}-notebook run: "
          f"{' '.join(f'{m:.0f}' for m in tenths)} MB")
    rate, grader_s = two.steady()
    worker_s = statistics.mean(one_seconds)
    reports_s = two.after_grading()
    start_s = two.seconds - two.n / rate - reports_s
    print(f"steady state ({args.students // 5} to {4 * args.students // 5} graded): {60 * rate:.1f} notebooks per "
          f"minute, the grader's CPU {grader_s * 1000:.0f} ms per notebook; start-up {start_s:.1f} s; "
          f"lateness and reports {reports_s:.1f} s ({1000 * reports_s / two.n:.0f} ms per notebook)")
    print(f"model: T(N, W) = {start_s:.0f} s + N x (max({worker_s:.2f} s / W, {grader_s:.3f} s) + "
          f"{reports_s / two.n:.3f} s) on W workers with a core each: a worker's time per notebook with a core "
          f"to itself (mean), the grader's CPU per notebook, the reports' time per notebook; at most "
          f"{60 / grader_s:.0f} notebooks per minute however many workers")

if __name__ == "__main__":
    main()
