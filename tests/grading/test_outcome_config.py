"""The configuration exercise (issue 23's second outcome exercise): the student's changes are
checked strictly (only the changeable keys, only the trainer's types and ranges, only what fits
the budget, refused before any training otherwise); the grader's own trainer trains what they
name; and the bands of chapter 12's diverging MLP separate its reference from every declared
wrong answer."""
from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from dlcourse.errors import DeclarationError
from dlcourse.grading.outcome import (
    ConfigurationRefused,
    Configured,
    GradingData,
    RunSeeds,
    WrongTraining,
    chance_bound,
    grading_data,
    judge_changes,
    judge_configured,
    run_seeds,
)
from dlcourse.grading.outcome.calibration import REFERENCE, calibration_secret
from dlcourse.grading.outcome.configured_calibration import (
    calibrate_configured,
    changes,
    configurations,
    configured_table,
    misgraded_configured,
)
from dlcourse.grading.outcome.diverging import DIVERGING_MLP, GIVEN
from dlcourse.trainer import KEYS, checked, estimated_cpu_seconds, sent

EXERCISE = DIVERGING_MLP


@pytest.fixture(scope="module")
def data() -> GradingData:
    return grading_data(EXERCISE.outcome, calibration_secret(1000), "hw3")


@pytest.fixture(scope="module")
def seeds() -> RunSeeds:
    return run_seeds(EXERCISE.outcome, calibration_secret(1000), "hw3", "alice")


class Text(str):
    """A str whose == says yes to anything."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


@pytest.mark.parametrize(("answer", "says"), [
    ([("learning_rate", 0.1)], "a dict of changes"),
    ({"weight_decay": 0.01}, "unknown key 'weight_decay'"),
    ({"learning_rate": 0.1, "width": 101}, "'width' is not yours to change"),
    ({"learning_rate": 0.1, "width": 100.0}, "'width' is not yours to change"),  # its given value, another type
    ({"dropout": 0.5}, "'dropout' is not yours to change"),
    ({1: 0.1}, "unknown key of type int"),
    ({"x" * 1000: 0.1}, "unknown key 'xxxxx"),
    ({Text("learning_rate"): 0.1}, "unknown key"),
    ({"learning_rate": "0.1"}, "must be a number .*, got str"),
    ({"learning_rate": np.float64(0.1)}, "must be a number .*, got float64"),  # only JSON's types
    ({"learning_rate": True}, "must be a number .*, got bool"),
    ({"learning_rate": float("nan")}, "must be from"),
    ({"learning_rate": 0.0}, "must be from"),
    ({"epochs": 20.5}, "must be an int, got float"),
    ({"batchnorm": 1}, "must be True or False, got int"),
    ({"optimizer": "lbfgs"}, "must be one of 'sgd', 'rmsprop', 'adam'"),
    ({"optimizer": Text("adam")}, "must be a str, got Text"),
    ({"epochs": 5000}, "over the budget"),
    ({"epochs": 10**400}, "must be from 1 to 10000, got an integer of 1329 bits"),  # past a float's range
    ({"learning_rate": -10**5000}, "must be from .*, got an integer of"),  # past repr's 4300 digits
], ids=["list", "unknown", "fixed-changed", "fixed-as-float", "fixed", "int-key", "long-key", "str-subclass-key",
        "str", "numpy", "bool", "nan", "zero", "float-epochs", "int-bool", "optimizer", "str-subclass-value",
        "over-budget", "huge-int", "huger-int"])
def test_changes_are_checked_strictly(answer: object, says: str) -> None:
    with pytest.raises(ConfigurationRefused, match=says.replace("(", r"\(")) as refused:
        EXERCISE.configuration(answer)
    assert len(str(refused.value)) < 300  # a message, never the student's whole value


def test_what_an_honest_answer_may_look_like_is_accepted() -> None:
    """The whole configuration returned with one value changed; whole epochs written as a float."""
    whole = dict(GIVEN) | {"learning_rate": 0.1}
    assert EXERCISE.configuration(whole) == EXERCISE.configuration({"learning_rate": 0.1})
    assert EXERCISE.configuration({"learning_rate": 0.1, "epochs": 20.0})["epochs"] == 20
    assert type(EXERCISE.configuration({"learning_rate": 0.1, "epochs": 20.0})["epochs"]) is int


def test_changes_arrive_as_json_carries_them() -> None:
    assert sent({"learning_rate": np.float64(0.1), "epochs": 30}) == {"learning_rate": 0.1, "epochs": 30}
    assert EXERCISE.configuration(sent({"learning_rate": np.float64(0.1)}))["learning_rate"] == 0.1
    # NumPy's scalars arrive as the values they hold
    assert sent({"epochs": np.int64(30), "batchnorm": np.bool_(True), "learning_rate": np.float32(0.5)}) == {
        "epochs": 30, "batchnorm": True, "learning_rate": 0.5}
    assert sent({1: 0.5}) == {"1": 0.5}  # JSON's keys are strings: then an unknown key
    for unsendable in ({"learning_rate": {0.1}}, {"epochs": object()}, {"epochs": np.datetime64("2020")},
                       [np.arange(3)]):
        with pytest.raises(ConfigurationRefused, match="plain values"):
            sent(unsendable)


def test_a_dict_subclass_is_refused_unread() -> None:
    class Lying(dict):
        def __iter__(self):
            raise AssertionError("the check iterated the student's dict subclass")

    with pytest.raises(ConfigurationRefused, match="a dict of changes"):
        EXERCISE.configuration(Lying(learning_rate=0.1))


def test_changes_complete_the_given_configuration_and_survive_json() -> None:
    # the answer comes back from the sandbox as JSON: what it accepts is what JSON carries
    answer = json.loads(json.dumps({"learning_rate": 0.05, "optimizer": "adam", "batchnorm": True, "epochs": 30}))
    config = EXERCISE.configuration(answer)
    assert config == GIVEN | answer
    assert set(config) == set(KEYS)
    answer["epochs"] = 10_000  # the configuration is the grader's copy
    assert config["epochs"] == 30
    assert EXERCISE.configuration({"learning_rate": 1})["learning_rate"] == 1.0  # JSON's 1 for 1.0


def test_the_budget_is_checked_before_training(data: GradingData, seeds: RunSeeds) -> None:
    n, n_in = EXERCISE.n_train, EXERCISE.outcome.data.final_seq_length
    budget = EXERCISE.outcome.budget.cpu_seconds
    reference = configurations(EXERCISE)[REFERENCE]
    assert estimated_cpu_seconds(reference, n, n_in) < budget
    # the most epochs the budget allows pass; one more is refused
    most = int(budget / estimated_cpu_seconds(reference | {"epochs": 1}, n, n_in))
    EXERCISE.configuration({"epochs": most})
    with pytest.raises(ConfigurationRefused, match="over the budget"):
        EXERCISE.configuration({"epochs": most + 1})
    start = time.process_time()
    verdict = judge_changes(EXERCISE, {"epochs": 9000, "batchnorm": True}, data, seeds)
    assert time.process_time() - start < 0.1  # nothing was trained
    assert verdict.verdict is None
    assert verdict.score == 0
    assert "refused before training" in verdict.feedback()


def test_the_given_configuration_diverges(data: GradingData, seeds: RunSeeds) -> None:
    with threadpool_limits(1):
        verdict = judge_changes(EXERCISE, {}, data, seeds)
    assert verdict.verdict is not None
    assert verdict.verdict.median <= chance_bound(len(data.y_heldout))
    assert verdict.score == 0
    assert "nothing changed" in verdict.feedback()


def test_the_reference_earns_full_credit(data: GradingData, seeds: RunSeeds) -> None:
    with threadpool_limits(1):
        verdict = judge_changes(EXERCISE, changes(EXERCISE)[REFERENCE], data, seeds)
    assert verdict.verdict is not None
    assert not verdict.verdict.flagged, verdict.feedback()
    assert verdict.score == EXERCISE.outcome.points, verdict.feedback()
    assert all(r.cpu_seconds <= EXERCISE.outcome.budget.cpu_seconds for r in verdict.verdict.runs)
    assert "learning_rate=0.1" in verdict.feedback()


def test_a_failing_function_is_reported_not_raised(data: GradingData, seeds: RunSeeds) -> None:
    def configure():
        raise RuntimeError("no idea")

    verdict = judge_configured(EXERCISE, configure, data, seeds)
    assert verdict.score == 0
    assert "RuntimeError: no idea" in verdict.feedback()


def test_declaration_checks_its_configurations() -> None:
    with pytest.raises(DeclarationError, match="changeable keys"):
        replace(EXERCISE, changeable=frozenset({"learning_rate", "seed"}))
    with pytest.raises(DeclarationError, match="the given configuration: missing key"):
        replace(EXERCISE, given={k: v for k, v in GIVEN.items() if k != "width"})
    with pytest.raises(DeclarationError, match="the given configuration: .*over the budget"):
        replace(EXERCISE, given=GIVEN | {"epochs": 5000})
    wrong = WrongTraining("widens the network", 'def changes():\n    return {"width": 400}\n')
    outcome = replace(EXERCISE.outcome, wrong_answers={"wider": wrong})
    with pytest.raises(DeclarationError, match="wider's configuration is refused: 'width' is not yours"):
        Configured(outcome, GIVEN, EXERCISE.changeable)
    assert checked(dict(GIVEN)) == GIVEN


@pytest.mark.slow
def test_bands_separate_the_right_answers_from_every_wrong_answer() -> None:
    """A few calibration gradings (benchmarks/calibrate_outcome.py runs 20): none misgraded (the
    reference and every other right answer at full credit, every wrong answer below), and every
    wrong answer's median outcome below the lowest of the right answers'."""
    with threadpool_limits(1):
        verdicts = calibrate_configured(EXERCISE, 3)
    assert set(verdicts) == {REFERENCE, *EXERCISE.outcome.wrong_answers, *EXERCISE.alternatives}
    for name, vs in verdicts.items():
        assert not any(misgraded_configured(EXERCISE, name, v) for v in vs), [v.feedback() for v in vs]
        assert not any(v.flagged for v in vs), name
    lowest_right = min(v.median for name, vs in verdicts.items() if EXERCISE.right(name) for v in vs)
    for name in EXERCISE.outcome.wrong_answers:
        assert max(v.median for v in verdicts[name]) < lowest_right, name
    assert "misgrade rate, every declared answer: 0/" in configured_table(EXERCISE, verdicts)
