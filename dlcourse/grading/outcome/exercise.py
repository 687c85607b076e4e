"""What an outcome exercise is: the third kind, beside ``Spec`` and ``Written``
(``dlcourse.grading.exercise``). The student writes a training function; the grader runs it
and judges what it trained by its accuracy on data it never saw (``judge``).

Its answers (the reference solution, the known wrong answers) are code, as a ``Spec``'s
``solution`` and a ``Mistake``'s ``code`` are: the notebook, the kit and the sample class write
the same text the calibration runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dlcourse.data.mnist1d import MNIST1DConfig
from dlcourse.errors import DeclarationError
from dlcourse.trainer import Train


@dataclass(frozen=True)
class Band:
    """A band of credit: a median outcome at or above ``threshold`` earns ``fraction`` of the points."""

    threshold: float
    fraction: float


@dataclass(frozen=True)
class Budget:
    """What one run of the student's ``train`` (and its ``predict`` on the held-out set) may use.
    In process, the judge measures both and refuses a run over ``cpu_seconds``; the sandbox is
    what stops one (RLIMIT_CPU, RLIMIT_AS), once the judge runs inside it."""

    cpu_seconds: float
    memory_mb: int
    # what the grading task needs of its Dask worker, as workers declare them (``dask worker
    # --resources "GPU=1"``), e.g. {"GPU": 1}: the task goes only to a worker that offers it
    # (``dlcourse.grading.placement``); none, it runs on any worker
    resources: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class WrongTraining:
    """A wrong answer students are known to give, as a ``train`` of its own (``code``, defined
    under the exercise's function name); the calibration checks the bands give it less than full
    credit."""

    says: str  # the mistake in words, completing "this is what you get when ..."
    code: str


@dataclass(frozen=True)
class Outcome:
    """An exercise graded by its outcome: the student writes ``function``, ``train(X, y, seed) ->
    predict``. The grader runs it ``seeds`` times on a training set drawn like ``data`` and scores
    each ``predict`` by its accuracy on a held-out set of ``heldout_size`` signals drawn from a
    seed of the course secret; the median accuracy falls in one of ``bands``. A control run on
    label-permuted training data must fall to chance (``judge``)."""

    grade_id: str  # the test cell's nbgrader grade id
    points: float
    solution: str  # the reference ``train``, the answer between ### BEGIN/END SOLUTION
    bands: tuple[Band, ...]  # highest threshold first; below the last one, nothing
    budget: Budget
    function: str = "train"
    data: MNIST1DConfig = MNIST1DConfig()  # the training data the student is given: its training split
    heldout_size: int = 2000  # balanced: a multiple of the 10 classes
    seeds: int = 3  # runs of the student's train; the grade is the median
    metric: str = "accuracy"  # the only one so far: the fraction of held-out labels predicted
    wrong_answers: dict[str, WrongTraining] = field(default_factory=dict)
    title: str = ""  # as Spec's
    text: str = ""  # as Spec's
    questions: tuple[str, ...] = ()  # the coverage questions it grades, as Spec's (ids)

    def __post_init__(self) -> None:
        thresholds = [b.threshold for b in self.bands]
        if not self.bands or thresholds != sorted(thresholds, reverse=True):
            raise DeclarationError(f"{self.grade_id}: bands must be given highest threshold first, got {thresholds}")
        if self.heldout_size % 10 or self.seeds < 1:
            raise DeclarationError(f"{self.grade_id}: heldout_size must be a multiple of the 10 classes, "
                                   f"and seeds at least 1")
        if self.metric != "accuracy":
            raise DeclarationError(f"{self.grade_id}: metric {self.metric!r} is not supported (only 'accuracy')")

    @property
    def key(self) -> str:
        """The grade id of the cell the student answers in: the function's name."""
        return self.function

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(self.questions)

    def test_source(self) -> str:
        """The code of the test cell: in the student's kit, the local check on public data; the
        grader runs the graded runs itself (``dlcourse.grading.outcome.graded``)."""
        return f'check("{self.grade_id}", {self.function})'

    def band(self, outcome: float) -> Band | None:
        """The band ``outcome`` falls in, or None below the lowest."""
        return next((b for b in self.bands if outcome >= b.threshold), None)


def define(code: str, name: str) -> Train:
    """The function ``name`` that ``code`` defines (a solution's or a wrong answer's text)."""
    namespace: dict[str, object] = {}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # course code (a solution, a wrong answer), not the student's
    function = namespace.get(name)
    if not callable(function):
        raise DeclarationError(f"<{name}>: the code defines no function {name!r}")
    return function  # type: ignore[return-value]
