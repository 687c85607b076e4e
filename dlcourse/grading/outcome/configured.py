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

import json
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dlcourse.errors import DeclarationError
from dlcourse.grading.outcome.calibration import REFERENCE
from dlcourse.grading.outcome.exercise import Outcome, define
from dlcourse.grading.outcome.trainer import KEYS, ConfigurationRefused, Value, checked, estimated_cpu_seconds

Configure = Callable[[], object]  # the student's function: the changes it makes, once checked


def sent(changes: object) -> object:
    """``changes`` as the grader receives them from the sandbox: through JSON, so a NumPy float
    arrives as a float and a dict subclass as a dict, as they do in grading; a value JSON cannot
    carry is refused (``ConfigurationRefused``). The kit's check passes its answer through it too,
    so that it says what the grader will."""
    try:
        return json.loads(json.dumps(changes))
    except (TypeError, ValueError) as e:  # a set, an object, a circular dict
        raise ConfigurationRefused(f"the answer must be a dict of plain values (True/False, numbers, "
                                   f"strings): {e}") from None


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

    @property
    def grade_id(self) -> str:
        return self.outcome.grade_id

    @property
    def n_train(self) -> int:
        """The size of the training set every run trains on (the declared data's training split)."""
        return round(self.outcome.data.num_samples * self.outcome.data.train_split)

    def configuration(self, changes: object) -> dict[str, Value]:
        """The configuration the grader trains for the student's ``changes``: the given one with
        them applied. Refused (``ConfigurationRefused``, saying why) unless ``changes`` is a plain
        dict of changeable keys with values the trainer takes, whose run fits the budget."""
        if type(changes) is not dict:
            raise ConfigurationRefused(f"{self.outcome.function}() must return a dict of changes, e.g. "
                                       f"{{'learning_rate': 0.01}}; it returned a {type(changes).__name__}")
        for name in changes:
            if type(name) is not str or name not in KEYS:
                key = reprlib.repr(name) if type(name) is str else f"of type {type(name).__name__}"  # no student repr
                raise ConfigurationRefused(f"unknown key {key}: you may change {self._changeable()}")
            if name not in self.changeable:  # even to its given value: the answer names only what it changes
                raise ConfigurationRefused(f"{name!r} is not yours to change (it stays {self.given[name]!r}): "
                                           f"you may change {self._changeable()}")
        config = checked(dict(self.given) | changes)
        seconds = estimated_cpu_seconds(config, self.n_train, self.outcome.data.final_seq_length)
        budget = self.outcome.budget.cpu_seconds
        if seconds > budget:
            raise ConfigurationRefused(f"this configuration needs about {seconds:.1f} s of CPU a run, over the "
                                       f"budget of {budget:g} s: it is refused before training")
        return config

    def _changeable(self) -> str:
        return ", ".join(repr(k) for k in KEYS if k in self.changeable)
