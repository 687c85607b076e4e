"""Every known wrong answer against its exercise, in process, and the grader's recognition of
mistakes (``dlcourse.grading.mistakes``) from the outputs alone."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse.grading import cases, checker, grader, mistakes
from dlcourse.grading.exercises import SPECS, wrong_answers


@pytest.mark.parametrize("name", sorted(wrong_answers()))
def test_every_known_wrong_answer_fails_a_case_its_exercise_grades_and_is_recognised_there(name):
    """The grader's comparison on the exercise's visible and hidden cases, run here on the wrong
    code itself: milliseconds, where the sandboxed test in test_grader.py takes seconds. Where a
    hidden case fails, the grader recognises the mistake from the outputs alone."""
    spec, mistake = wrong_answers()[name]
    namespace = {"np": np}
    exec(mistake.code, namespace)
    student = namespace[spec.function]
    chosen = cases.visible_cases(spec) + cases.hidden_cases(spec, b"a fixed secret for these tests", "hw", "s")
    failed, recognised = [], []
    for case in chosen:
        inputs = cases.inputs(spec, case)
        returned = student(**spec.arguments(inputs))  # a crash here is a bug of the declaration: no answer is tested
        try:
            values = checker.as_outputs(returned, spec.outputs, spec.function)
        except ValueError:  # the wrong number of values, or not numbers: failed, as in the grader
            failed.append(case.name)
            continue
        encoded = [checker.encode(values[k]) for k in spec.outputs]
        if grader.check_outputs(spec, inputs, encoded):
            failed.append(case.name)
            recognised.append(mistakes.recognise(spec, inputs, encoded))
    assert failed, f"{name} passes every case of {spec.grade_id}: the grader cannot tell it from an answer"
    assert name in recognised, f"{name}: its failed cases were recognised as {recognised}"


def test_a_failed_result_that_is_no_known_mistake_is_named_none():
    spec = SPECS["test_binary_classifier_backward"]
    inputs = cases.inputs(spec, cases.visible_cases(spec)[1])
    right = checker.as_outputs(spec.reference(**spec.arguments(inputs)), spec.outputs, spec.function)
    for scale in (3.0, 2.0):  # thrice the answer, and twice it (the 1/N of a batch of 2 left out)
        encoded = [checker.encode(scale * right[k]) for k in spec.outputs]
        assert mistakes.recognise(spec, inputs, encoded) == ("binary_classifier_without_batch_mean" if scale == 2
                                                             else None)
    oversized = [checker.encode(np.zeros(10_000))] * len(spec.outputs)
    assert mistakes.recognise(spec, inputs, oversized) is None  # refused before it is decoded


def test_a_property_s_mistake_is_recognised_by_the_function_the_weights_compute():
    spec = SPECS["test_relu_max"]
    inputs = cases.inputs(spec, cases.visible_cases(spec)[0])
    # ReLU(x1 - x2) + ReLU(x2), with each unit split in two halves: other weights, the same function
    W1 = np.array([[1.0, -1.0], [1.0, -1.0], [0.0, 1.0], [0.0, 1.0]])
    encoded = [checker.encode(W1), checker.encode(np.full(4, 0.5))]
    assert grader.check_outputs(spec, inputs, encoded)
    assert mistakes.recognise(spec, inputs, encoded) == "relu_max_loses_a_negative_x2"
    encoded = [checker.encode(np.array([[1.0, 0.0], [0.0, 1.0]])), checker.encode(np.ones(2))]  # ReLU(x1) + ReLU(x2)
    assert mistakes.recognise(spec, inputs, encoded) is None
