"""Grading a whole class on Dask: a LocalCluster with one worker per core by default, or an
existing cluster given by its scheduler address (the same code path). Workers grade; this
process is the only writer, to the nbgrader gradebook, as results arrive.

Course layout (nbgrader's): ``source/<assignment>/<nb>.ipynb`` (the instructor's copy, with
the tests) and ``submitted/<student>/<assignment>/<nb>.ipynb``. Submitted files are opened
without following links (``notebook.read_submitted``); a worker that dies while grading costs
that one submission, recorded as failed with its reason, never the class. The gradebook is the
one store of results (``gradebook.GradeWriter``); feedback, the CSV and the summary under
``reports/<assignment>/`` are written from it.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dask
from tqdm import tqdm

from dlcourse.grading import cells, notebook, sandbox
from dlcourse.grading.autograded import write_autograded
from dlcourse.grading.cases import load_secret
from dlcourse.grading.course import assignment_settings
from dlcourse.grading.feedback_files import publish
from dlcourse.grading.gradebook import GradeWriter
from dlcourse.grading.grader import SubmissionResult, grade_submission, refused
from dlcourse.grading.lateness import received_at
from dlcourse.grading.report import CHANGES_FILE, write_changes, write_reports


def instructor_tests(course: Path, assignment: str) -> dict[str, list[notebook.TestCell]]:
    """notebook file name -> its autograded test cells, from the instructor's source copy."""
    folder = course / "source" / assignment
    stale = cells.sync_assignment(course, assignment, write=False)
    if stale:  # grading from a notebook the declarations have moved past would score the wrong tests
        raise RuntimeError(f"{folder} differs from dlcourse/grading/exercises/{assignment}.py ({stale[0]}); "
                           f"run `dlcourse release {assignment}` first")
    return {p.name: notebook.test_cells(notebook.read(p)) for p in sorted(folder.glob("*.ipynb"))}


def submissions(course: Path, assignment: str, books: list[str]) -> list[tuple[str, str]]:
    """(student, notebook name) for every expected notebook of every student who submitted.

    A link in ``submitted/`` is listed too, so that it is refused with its reason, never followed."""
    root = course / "submitted"
    students = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name) if root.is_dir() else []:
        if entry.name.startswith("."):
            continue
        if not notebook.STUDENT_ID.match(entry.name) or not entry.name.isprintable():
            tqdm.write(f"{root}: skipped {entry.name!r}, not a student id nbgrader takes (letters, digits, _.@-)")
            continue
        if entry.is_symlink() or (entry.is_dir(follow_symlinks=False)
                                  and os.path.lexists(os.path.join(entry.path, assignment))):
            students.append(entry.name)
    return [(student, name) for student in students for name in books]


def _read(course: Path, student: str, assignment: str, name: str) -> tuple[bytes | None, str | None]:
    """(the notebook's bytes or None, None), or (None, why it is refused)."""
    try:
        return notebook.read_submitted(course / "submitted", (student, assignment, name)), None
    except notebook.SubmissionError as e:
        return None, str(e)


# the client, and the local cluster's scheduler, which lives in this process, keep their logs of
# recent messages short (each message carries a notebook), so that their memory stops growing
# within the first few hundred notebooks however large the class
SHORT_LOGS = {"distributed.admin.low-level-log-length": 100, "distributed.diagnostics.computations.max-history": 1}


def _cluster(workers: int | None):
    """A local cluster where a dead worker fails only the task it was running: one task per
    worker thread at a time, and no retry by Dask (``grade_class`` retries once itself)."""
    from dask.distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        return LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=40)  # a free port: never "8787 in use"


WORKER_DIED = ("the grading worker died while grading this notebook, twice (for instance it ran out of "
               "memory); it counts as failed so that the class could go on. An instructor can look at it "
               "and regrade it with `dlcourse grade --regrade {student}`")


GRADER_FAILED = ("the grader failed on this notebook ({error}); it counts as zero for now and is graded again "
                 "on the next run")
NOT_GRADED = "not graded"  # a digest no notebook has: the next run grades it again
IN_FLIGHT_PER_WORKER = 3  # sent ahead of the results: enough that no worker waits for its next notebook


@dataclass
class ClassRun:
    """What one ``grade_class`` run did. Iterating over it reads every kept result of the
    assignment from the gradebook, a few at a time: a class is never held in memory."""

    assignment: str
    db_url: str
    seconds: list[float]  # each notebook graded in this run: how long it took on its worker
    notebooks: int  # with a result in the gradebook
    mean_score: float
    max_score: float
    with_problems: int

    def __iter__(self) -> Iterator[SubmissionResult]:
        writer = GradeWriter(self.db_url)
        try:
            yield from writer.results(self.assignment)
        finally:
            writer.close()


def grade_class(  # noqa: C901 (complexity 24: being split into plan, dispatch and record, issue 21)
    course: Path, assignment: str, scheduler: str | None = None, workers: int | None = None,
    sandboxed: bool = True, db_url: str | None = None, progress: bool = True,
    limits: sandbox.Limits = sandbox.Limits(), regrade: frozenset[str] = frozenset(), regrade_all: bool = False,
) -> ClassRun:
    """Grades every submission not yet graded in its current version (and those of the
    students in ``regrade``, or everyone's with ``regrade_all``, as after a fix of the tests), and
    writes the reports and ``score_changes.csv`` (whose score this run changed).

    A few notebooks per worker are in flight at a time, each read from disk as it is sent: the
    grader's memory stays the same however large the class."""
    from dask.distributed import Client, KilledWorker, as_completed

    course = Path(course).resolve()
    if sandboxed and not sandbox.available():
        raise RuntimeError(f"cannot sandbox student code on this host: {sandbox.unavailable_reason()}. "
                           "Only for code you trust: --no-sandbox runs it unconfined")
    tests = instructor_tests(course, assignment)
    sources = {name: notebook.read(course / "source" / assignment / name) for name in tests}
    secret = load_secret(course, create=True)
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    writer = GradeWriter(db_url)
    done = writer.graded(assignment)
    changed: list[tuple[str, str, float, float]] = []
    seconds: list[float] = []

    def keep(result: SubmissionResult) -> None:
        """Into the gradebook, and the notebook formgrader opens beside it."""
        before = writer.write(result)
        seconds.append(result.seconds)
        try:
            write_autograded(course, sources[result.notebook], result)
        except (OSError, ValueError) as e:  # formgrader's copy only: the grade is already kept
            tqdm.write(f"{result.student}: no notebook for formgrader ({type(e).__name__}: {str(e)[:200]})")
        if before is not None and abs(before - result.score) > 1e-9:
            changed.append((result.student, result.notebook, before, result.score))

    todo = []  # (student, notebook): read again when sent, so that only the notebooks in flight are in memory
    everyone = submissions(course, assignment, list(tests))
    for student, name in everyone:
        data, reason = _read(course, student, assignment, name)
        digest = hashlib.sha256(reason.encode() if reason is not None else data or b"").hexdigest()
        if not regrade_all and student not in regrade and done.get((student, name.removesuffix(".ipynb"))) == digest:
            continue  # graded in this very version: its result is in the gradebook
        if reason is not None:
            keep(refused(student, assignment, name, tests[name], reason))
        else:
            todo.append((student, name))
    del done
    if todo:
        with dask.config.set(SHORT_LOGS):
            cluster = None if scheduler else _cluster(workers)
            client = Client(scheduler or cluster)
        try:
            def submit(student, name, data, attempt):
                # one key prefix, "grade", for every task: Dask keeps a record per prefix for good
                return client.submit(grade_submission, student, assignment, name, data, tests[name], secret,
                                     sandboxed, limits, key=("grade", student, name, attempt), pure=False)

            def outcome(fut, student, name, data, last_try):
                """The result of a finished task; None when its worker died and it gets another try."""
                try:
                    return fut.result()
                except KilledWorker:
                    if not last_try:
                        return None
                    return refused(student, assignment, name, tests[name], WORKER_DIED.format(student=student),
                                   hashlib.sha256(data).hexdigest())
                except Exception as e:  # a fault of the grader's on one notebook must not stop the class
                    return refused(student, assignment, name, tests[name], GRADER_FAILED.format(
                        error=f"{type(e).__name__}: {str(e)[:300]}"), digest=NOT_GRADED)

            bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="notebook", disable=not progress)
            queue, jobs, running = iter(todo), {}, as_completed()
            threads, threads_asked = 1, float("-inf")

            def send_more():
                """Keeps IN_FLIGHT_PER_WORKER notebooks per worker thread sent. The count of threads
                is asked again every few seconds: workers may join a cluster late."""
                nonlocal threads, threads_asked
                if time.monotonic() - threads_asked > 5:
                    threads = max(1, sum(client.nthreads().values()))
                    threads_asked = time.monotonic()
                while len(jobs) < IN_FLIGHT_PER_WORKER * threads:
                    student, name = next(queue, (None, None))
                    if student is None:
                        return
                    data, reason = _read(course, student, assignment, name)
                    if reason is not None:  # gone or changed into something refused since it was listed
                        keep(refused(student, assignment, name, tests[name], reason))
                        bar.update()
                        continue
                    fut = submit(student, name, data, 1)
                    jobs[fut] = (student, name, data)
                    running.add(fut)

            send_more()
            again = []
            for fut in running:
                student, name, data = jobs.pop(fut)
                result = outcome(fut, student, name, data, last_try=False)
                if result is None:
                    again.append((student, name, data))
                else:
                    keep(result)
                    bar.update()
                send_more()
            # a notebook whose worker died may only have shared it with the one that killed it:
            # each gets one more try, alone, so that no neighbour can take it down again
            for student, name, data in again:
                fut = submit(student, name, data, 2)
                keep(outcome(fut, student, name, data, last_try=True))
                bar.update()
            bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    try:
        _settle_and_report(writer, course, assignment, everyone)
        write_changes(changed, course / "reports" / assignment / CHANGES_FILE)
        n = total = top = problems = 0
        for result in writer.results(assignment):
            n, total, top = n + 1, total + result.score, max(top, result.max_score)
            problems += bool(result.problems)
        return ClassRun(assignment, db_url, seconds, n, total / max(1, n), top, problems)
    finally:
        writer.close()


def _settle_and_report(writer: GradeWriter, course: Path, assignment: str, everyone: list[tuple[str, str]]) -> Path:
    """Lateness as it stands (a receipt, an extension or a hand grade may have changed since
    the last run), then the reports, from the gradebook, and each student's feedback where
    nbgrader's ``release_feedback`` takes it from."""
    settings = assignment_settings(course, assignment)
    for student, name in everyone:
        submitted_at, problem = received_at(course, student, assignment)
        if problem:
            tqdm.write(f"{student}: {problem}")
        writer.settle_lateness(assignment, student, name, submitted_at, settings)
    out = course / "reports" / assignment
    write_reports(writer.standings(assignment), out, settings.reveal_hidden)
    for problem in publish(course, assignment, out / "feedback", sorted({s for s, _ in everyone})):
        tqdm.write(problem)
    return out


def feedback(course: Path, assignment: str, db_url: str | None = None) -> Path:
    """The reports again, from the gradebook as it stands (after hand grading in formgrader, an
    override or an extension), without grading anything; returns their folder."""
    course = Path(course).resolve()
    tests = instructor_tests(course, assignment)
    writer = GradeWriter(db_url or f"sqlite:///{course / 'gradebook.db'}")
    try:
        if not writer.graded(assignment):
            raise RuntimeError(f"{course}: nothing of {assignment} is graded yet; run `dlcourse grade {assignment}`")
        return _settle_and_report(writer, course, assignment, submissions(course, assignment, list(tests)))
    finally:
        writer.close()
