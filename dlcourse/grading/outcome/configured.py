"""A configuration exercise: an outcome exercise whose student writes no training code. The
student is handed a configuration of the grader's own trainer (``trainer``), one that fails
(it diverges, say), and returns the changes that make it train: a dict of the keys the
exercise lets them change. The grader checks the answer strictly, completes it with the given
configuration, refuses it before training if it cannot fit the budget, and trains it with its
own trainer, judged as any outcome exercise is (``configured_judge``).

Because the grader trains, "change only the learning rate, the optimiser or BatchNorm" is
checkable: a key outside ``changeable`` is refused with a message naming it, and nothing else
of the student's runs. Its answers (the reference, the declared wrong answers) are code
defining ``function``, a function of no arguments returning the changes, as a student's is.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dlcourse.errors import DeclarationError
from dlcourse.grading.outcome.calibration import REFERENCE
from dlcourse.grading.outcome.exercise import Outcome, define
from dlcourse.trainer import KEYS, ConfigurationRefused, Value, changed

Configure = Callable[[], object]  # the student's function: the changes it makes, once checked


@dataclass(frozen=True)
class RightAnswer:
    """Another answer than the reference that deserves full credit (a configuration exercise has
    several: another learning rate, another optimiser, BatchNorm); the calibration checks the
    bands give it full credit, as it checks the reference."""

    says: str  # the answer in words
    code: str


@dataclass(frozen=True)
class Configured:
    """A configuration exercise. ``outcome`` holds what every outcome exercise declares (grade
    id, points, bands, budget, seeds, data, held-out size, title, text); its ``solution`` and its
    wrong answers' ``code`` define ``outcome.function`` returning changes, not a ``train``.
    ``given`` is the configuration the student is handed (complete: every key of the trainer's);
    ``changeable`` the keys the student may change; ``alternatives`` other right answers."""

    outcome: Outcome
    given: Mapping[str, Value]
    changeable: frozenset[str]
    alternatives: Mapping[str, RightAnswer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        o = self.outcome
        if not self.changeable or not self.changeable <= set(KEYS):
            raise DeclarationError(f"{o.grade_id}: changeable keys {sorted(self.changeable)} must be some of "
                                   f"the trainer's: {', '.join(KEYS)}")
        try:
            self.configuration({})  # complete, valid, within the budget
        except ConfigurationRefused as e:
            raise DeclarationError(f"{o.grade_id}: the given configuration: {e}") from None
        for name, code in self.answers().items():
            try:
                self.configuration(define(code, o.function)())
            except ConfigurationRefused as e:  # a declared answer the check refuses calibrates nothing
                raise DeclarationError(f"{o.grade_id}: {name}'s configuration is refused: {e}") from None

    def answers(self) -> dict[str, str]:
        """The declared answers' code by name: the reference (as ``calibration.REFERENCE``), the
        wrong answers, the other right answers."""
        o = self.outcome
        return ({REFERENCE: o.solution} | {n: w.code for n, w in o.wrong_answers.items()}
                | {n: a.code for n, a in self.alternatives.items()})

    def right(self, name: str) -> bool:
        """Whether the declared answer ``name`` deserves full credit."""
        return name == REFERENCE or name in self.alternatives

    # what the registry, the notebook's cells and the kit read of any outcome exercise: the outcome's
    @property
    def grade_id(self) -> str:
        return self.outcome.grade_id

    @property
    def key(self) -> str:
        return self.outcome.key

    @property
    def function(self) -> str:
        return self.outcome.function

    @property
    def points(self) -> float:
        return self.outcome.points

    @property
    def title(self) -> str:
        return self.outcome.title

    @property
    def text(self) -> str:
        return self.outcome.text

    @property
    def solution(self) -> str:
        return self.outcome.solution

    @property
    def questions(self) -> tuple[str, ...]:
        return self.outcome.questions

    @property
    def question_ids(self) -> tuple[str, ...]:
        return self.outcome.question_ids

    def test_source(self) -> str:
        return self.outcome.test_source()

    @property
    def n_train(self) -> int:
        """The size of the training set every run trains on (the declared data's training split)."""
        return round(self.outcome.data.num_samples * self.outcome.data.train_split)

    def configuration(self, changes: object) -> dict[str, Value]:
        """The configuration the grader trains for the student's ``changes`` (``trainer.changed``:
        refused, saying why, unless it changes only what it may and fits the budget)."""
        o = self.outcome
        return changed(self.given, self.changeable, changes, self.n_train, o.data.final_seq_length,
                       o.budget.cpu_seconds, o.function)
