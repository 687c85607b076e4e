"""Grading a whole class on Dask: a LocalCluster with one worker per core by default, or an
existing cluster given by its scheduler address (the same code path). Workers grade; this
process is the only writer, to the nbgrader gradebook, as results arrive.

A run is three steps, each testable on its own: ``plan`` (from the course's files and the
gradebook: what to grade, what is refused, what is unchanged), ``dispatch`` (the notebooks to
grade, to Dask; results as they come) and ``record`` (each result into the gradebook, then
lateness, the reports and the feedback).

Course layout (nbgrader's): ``source/<assignment>/<nb>.ipynb`` (the instructor's copy, with
the tests) and ``submitted/<student>/<assignment>/<nb>.ipynb``. Submitted files are opened
without following links (``notebook.read_submitted``); a worker that dies while grading costs
that one submission, recorded as failed with its reason, never the class. The gradebook is the
one store of results (``gradebook.GradeWriter``); feedback, the CSV and the summary under
``reports/<assignment>/`` are written from it.

The tasks of an assignment whose outcome exercises declare worker resources (a GPU) go only to
workers that offer them (``placement``); every other task runs on any worker.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import dask
from tqdm import tqdm

from dlcourse.errors import EnvironmentProblem, NotReady
from dlcourse.grading import cells, notebook, placement, sandbox
from dlcourse.grading.autograded import write_autograded
from dlcourse.grading.cases import load_secret
from dlcourse.grading.course import Course, assignment_settings
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
        raise NotReady(f"{folder} differs from dlcourse/grading/exercises/{assignment}.py ({stale[0]}); "
                           f"run `dlcourse release {assignment}` first")
    return {p.name: notebook.test_cells(notebook.read(p)) for p in sorted(folder.glob("*.ipynb"))}


def submissions(course: Path, assignment: str, books: list[str]) -> list[tuple[str, str]]:
    """(student, notebook name) for every expected notebook of every student who submitted.

    A link in ``submitted/`` is listed too, so that it is refused with its reason, never followed."""
    return Course.of(course).submissions(assignment, books, warn=tqdm.write)


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


def _cluster(workers: int | None, resources: dict[str, float] | None = None):
    """A local cluster where a dead worker fails only the task it was running: one task per
    worker thread at a time, and no retry by Dask (``grade_class`` retries once itself).

    Its workers offer the ``resources`` the tasks need: they are all this machine, on the CPU
    when it has no GPU. With a GPU here and tasks that use it, one worker only: one task on the
    GPU at a time (the sandbox bounds no memory of the GPU's)."""
    from dask.distributed import LocalCluster

    resources = resources or {}
    if placement.needs_gpu(resources) and sandbox.gpu_devices():
        tqdm.write("a GPU is here and the tasks use it: one local worker, one task at a time on the GPU")
        workers = 1
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        return LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=40,  # a free port: never "8787 in use"
                            resources=resources or None)


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
        with GradeWriter(self.db_url) as writer:
            yield from writer.results(self.assignment)


@dataclass
class Plan:
    """What a run will do, decided from the course's files and the digests the gradebook holds,
    before anything is graded."""

    course: Path
    assignment: str
    tests: dict[str, list[notebook.TestCell]]  # notebook name -> the instructor's test cells
    everyone: list[tuple[str, str]]  # (student, notebook) expected: each is settled and reported
    # to grade: read again when sent, so that only the notebooks in flight are in memory
    to_grade: list[tuple[str, str]] = field(default_factory=list)
    refused: list[SubmissionResult] = field(default_factory=list)  # refused as they lie: recorded, never sent
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # graded in this very version: kept as is
    # what each task needs of its worker (``placement``), e.g. {"GPU": 1}; none: any worker
    resources: dict[str, float] = field(default_factory=dict)


def plan(course: Path, assignment: str, tests: dict[str, list[notebook.TestCell]],
         graded: Mapping[tuple[str, str], str], regrade: frozenset[str] = frozenset(),
         regrade_all: bool = False) -> Plan:
    """Sorts every expected notebook (one per ``tests`` entry, as ``instructor_tests`` gives) of
    every student who submitted: unchanged since it was graded (``graded``:
    (student, notebook without .ipynb) -> the digest graded, as ``GradeWriter.graded`` gives),
    refused (a link, not a regular file, unreadable), or to grade. The students in ``regrade``,
    or everyone with ``regrade_all``, are graded again whatever their digest."""
    course = Path(course).resolve()
    planned = Plan(course, assignment, tests, submissions(course, assignment, list(tests)),
                   resources=placement.assignment_resources(assignment))
    for student, name in planned.everyone:
        data, reason = _read(course, student, assignment, name)
        digest = hashlib.sha256(reason.encode() if reason is not None else data or b"").hexdigest()
        if not regrade_all and student not in regrade and graded.get((student, name.removesuffix(".ipynb"))) == digest:
            planned.unchanged.append((student, name))
        elif reason is not None:
            planned.refused.append(refused(student, assignment, name, tests[name], reason))
        else:
            planned.to_grade.append((student, name))
    return planned


@dataclass(frozen=True)
class Grading:
    """What every graded notebook of a run shares, sent with each task."""

    secret: bytes
    sandboxed: bool = True
    limits: sandbox.Limits = sandbox.Limits()


def dispatch(planned: Plan, grading: Grading, scheduler: str | None = None, workers: int | None = None,
             progress: bool = True) -> Generator[SubmissionResult, None, None]:
    """Grades the plan's notebooks to grade on Dask (a LocalCluster of ``workers`` processes, or
    the cluster at ``scheduler``) and yields each result as it comes, with a progress bar. A
    notebook refused when it is sent (changed since the plan) comes back as its refusal. The
    cluster is reached, and checked to offer what the tasks need, before this returns: so before
    anything is recorded."""
    results = _dispatch(planned, grading, scheduler, workers, progress)
    next(results)  # connected and checked (or nothing to grade); closing it now closes the cluster
    return results


def _dispatch(planned: Plan, grading: Grading, scheduler: str | None, workers: int | None,
              progress: bool) -> Generator[SubmissionResult | None, None, None]:
    """``dispatch``'s generator: it yields None once connected and checked, then the results."""
    if not planned.to_grade:
        yield None
        return
    from dask.distributed import Client

    with dask.config.set(SHORT_LOGS):
        cluster = None if scheduler else _cluster(workers, planned.resources)
        client = Client(scheduler or cluster)
    bar = None
    try:
        _check_offered(client, planned, scheduler)
        yield None
        bar = tqdm(total=len(planned.to_grade), desc=f"grading {planned.assignment}", unit="notebook",
                   disable=not progress)
        for result in _Sender(client, planned, grading).results():
            bar.update()
            yield result
    finally:
        if bar is not None:
            bar.close()
        client.close()
        if cluster is not None:
            cluster.close()


def _check_offered(client, planned: Plan, scheduler: str | None) -> None:
    """Refuses, before anything is sent, a run whose tasks need resources no worker of the
    cluster offers: Dask would keep them waiting for such a worker for ever. (A local cluster's
    workers offer them all: ``_cluster``.)"""
    if not planned.resources or scheduler is None:
        return
    workers = client.scheduler_info(n_workers=-1)["workers"]
    if placement.offering(workers, planned.resources):
        return
    wanted = placement.describe(planned.resources)
    raise EnvironmentProblem(
        f"{planned.assignment}: its outcome exercises need a worker with {wanted}, and none of the "
        f"{len(workers)} workers of the cluster at {scheduler} offers it. Start one on a machine that has it: "
        f'`dask worker {scheduler} --nthreads 1 --resources "{wanted}"` (README: Outcome tasks on GPU workers)')


class _Sender:
    """Keeps IN_FLIGHT_PER_WORKER notebooks per worker thread sent to the cluster, and gives
    back each one's result as it finishes."""

    def __init__(self, client, planned: Plan, grading: Grading):
        from dask.distributed import as_completed

        self.client, self.planned, self.grading = client, planned, grading
        self.queue = iter(planned.to_grade)
        self.in_flight: dict = {}  # future -> (student, notebook, its bytes)
        self.running = as_completed()
        self.threads, self.threads_asked = 1, float("-inf")

    def results(self) -> Iterator[SubmissionResult]:
        yield from self._send_more()
        again = []
        for fut in self.running:
            student, name, data = self.in_flight.pop(fut)
            result = self._outcome(fut, student, name, data, last_try=False)
            if result is None:
                again.append((student, name, data))
            else:
                yield result
            yield from self._send_more()
        # a notebook whose worker died may only have shared it with the one that killed it:
        # each gets one more try, alone, so that no neighbour can take it down again
        for student, name, data in again:
            yield self._outcome(self._submit(student, name, data, 2), student, name, data, last_try=True)

    def _send_more(self) -> Iterator[SubmissionResult]:
        """Sends notebooks until enough are in flight; yields the refusal of one that is gone or
        changed into something refused since the plan. The count of threads is asked again every
        few seconds: workers may join a cluster late."""
        if time.monotonic() - self.threads_asked > 5:
            self.threads = max(1, sum(self.client.nthreads().values()))
            self.threads_asked = time.monotonic()
        while len(self.in_flight) < IN_FLIGHT_PER_WORKER * self.threads:
            student, name = next(self.queue, (None, None))
            if student is None:
                return
            data, reason = _read(self.planned.course, student, self.planned.assignment, name)
            if reason is not None:
                yield refused(student, self.planned.assignment, name, self.planned.tests[name], reason)
                continue
            fut = self._submit(student, name, data, 1)
            self.in_flight[fut] = (student, name, data)
            self.running.add(fut)

    def _submit(self, student: str, name: str, data: bytes | None, attempt: int):
        g, assignment = self.grading, self.planned.assignment
        # one key prefix, "grade", for every task: Dask keeps a record per prefix for good
        return self.client.submit(grade_submission, student, assignment, name, data, self.planned.tests[name],
                                  g.secret, g.sandboxed, g.limits, key=("grade", student, name, attempt), pure=False,
                                  resources=self.planned.resources or None)  # only where the worker offers them

    def _outcome(self, fut, student: str, name: str, data: bytes | None, last_try: bool) -> SubmissionResult | None:
        """The result of a finished task; None when its worker died and it gets another try."""
        from dask.distributed import KilledWorker

        tests = self.planned.tests[name]
        try:
            return fut.result()
        except KilledWorker:
            if not last_try:
                return None
            return refused(student, self.planned.assignment, name, tests, WORKER_DIED.format(student=student),
                           hashlib.sha256(data or b"").hexdigest())
        except Exception as e:  # a fault of the grader's on one notebook must not stop the class
            return refused(student, self.planned.assignment, name, tests, GRADER_FAILED.format(
                error=f"{type(e).__name__}: {str(e)[:300]}"), digest=NOT_GRADED)


def record(writer: GradeWriter, planned: Plan, results: Iterable[SubmissionResult], db_url: str) -> ClassRun:
    """Writes the plan's refusals, then each result as it comes, to the gradebook (and the
    notebook formgrader opens beside it); then settles lateness, writes the reports, the
    feedback and ``score_changes.csv`` (whose autograded score moved), and sums up the run."""
    folder = planned.course / "source" / planned.assignment
    sources = {name: notebook.read(folder / name) for name in planned.tests}
    changed: list[tuple[str, str, float, float]] = []
    seconds: list[float] = []
    for result in itertools.chain(planned.refused, results):
        before = writer.write(result)
        seconds.append(result.seconds)
        try:
            write_autograded(planned.course, sources[result.notebook], result)
        except (OSError, ValueError) as e:  # formgrader's copy only: the grade is already kept
            tqdm.write(f"{result.student}: no notebook for formgrader ({type(e).__name__}: {str(e)[:200]})")
        if before is not None and abs(before - result.score) > 1e-9:
            changed.append((result.student, result.notebook, before, result.score))
    _settle_and_report(writer, planned.course, planned.assignment, planned.everyone)
    write_changes(changed, planned.course / "reports" / planned.assignment / CHANGES_FILE)
    n = total = top = problems = 0
    for result in writer.results(planned.assignment):
        n, total, top = n + 1, total + result.score, max(top, result.max_score)
        problems += bool(result.problems)
    return ClassRun(planned.assignment, db_url, seconds, n, total / max(1, n), top, problems)


def grade_class(
    course: Path, assignment: str, scheduler: str | None = None, workers: int | None = None,
    sandboxed: bool = True, db_url: str | None = None, progress: bool = True,
    limits: sandbox.Limits = sandbox.Limits(), regrade: frozenset[str] = frozenset(), regrade_all: bool = False,
) -> ClassRun:
    """Grades every submission not yet graded in its current version (and those of the
    students in ``regrade``, or everyone's with ``regrade_all``, as after a fix of the tests), and
    writes the reports and ``score_changes.csv`` (whose score this run changed): ``plan``, then
    ``dispatch`` to Dask, then ``record`` as the results arrive.

    A few notebooks per worker are in flight at a time, each read from disk as it is sent: the
    grader's memory stays the same however large the class."""
    course = Path(course).resolve()
    if sandboxed and not sandbox.available():
        raise EnvironmentProblem(f"cannot sandbox student code on this host: {sandbox.unavailable_reason()}. "
                                 "Only for code you trust: --no-sandbox runs it unconfined")
    db_url = Course(course, db_url).db_url
    tests = instructor_tests(course, assignment)
    grading = Grading(load_secret(course, create=True), sandboxed, limits)
    with GradeWriter(db_url) as writer:
        planned = plan(course, assignment, tests, writer.graded(assignment), regrade, regrade_all)
        with closing(dispatch(planned, grading, scheduler, workers, progress)) as results:
            return record(writer, planned, results, db_url)


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
    with Course(course, db_url).open_gradebook() as writer:
        if not writer.graded(assignment):
            raise NotReady(f"{course}: nothing of {assignment} is graded yet; run `dlcourse grade {assignment}`")
        return _settle_and_report(writer, course, assignment, submissions(course, assignment, list(tests)))
