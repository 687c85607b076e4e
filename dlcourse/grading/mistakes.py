"""Recognising a known mistake in a failed case, on the instructor's side.

Each exercise declares the mistakes students are known to make (``Spec.wrong_answers``, each a
``Mistake`` with its code). Where a case fails, the grader runs each mistake's code on the same
inputs here, in its own process (the code is the instructor's, never the student's), and
compares what it returns with what the student returned: if they agree, the feedback names the
mistake and the book's section, and says nothing of the expected values. Only failed cases pay
for this. The kit gets the same mistakes' outputs on the visible cases (``visible_outputs``),
so that the student's ``check`` names them too without holding their code.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from dlcourse.grading import checker
from dlcourse.grading.exercise import Inputs, Spec
from dlcourse.grading.exercises import SPECS

Arrays = dict[str, np.ndarray]


@cache
def wrong_function(grade_id: str, name: str) -> Callable:
    """The function a mistake's code defines, compiled once per process."""
    spec = SPECS[grade_id]
    namespace: dict = {"np": np}
    exec(compile(spec.wrong_answers[name].code, f"<mistake {name}>", "exec"), namespace)
    return namespace[spec.function]


def wrong_outputs(spec: Spec, name: str, inputs: Inputs) -> Arrays | None:
    """What the mistake ``name`` returns on ``inputs`` (copies: it may write to them), or None
    where it raises or returns what is not numbers."""
    args = {k: np.array(v, copy=True) for k, v in spec.arguments(inputs).items()}
    try:
        return checker.as_outputs(wrong_function(spec.grade_id, name)(**args), spec.outputs, spec.function)
    except Exception:  # a mistake that cannot run on these inputs cannot be the one made here
        return None


def _test(spec: Spec) -> dict:
    return {"property": spec.property, "rtol": spec.rtol, "atol": spec.atol}


def recognise(spec: Spec, inputs: Inputs, encoded: list) -> str | None:
    """The name of the first declared mistake whose outputs on ``inputs`` are the student's
    ``encoded`` ones (as the runner sent them, untrusted: each is decoded only up to the size of
    the mistake's own output), or None."""
    from dlcourse.grading.grader import PROPERTY_MAX_ELEMENTS  # here: the grader imports this module

    if len(encoded) != len(spec.outputs):
        return None
    for name in spec.wrong_answers:
        wrong = wrong_outputs(spec, name, inputs)
        if wrong is None:
            continue
        # a property's answer may be larger and still compute the mistake's function (more hidden units)
        bounds = {k: PROPERTY_MAX_ELEMENTS if spec.property else max(v.size, 1) for k, v in wrong.items()}
        try:
            got = {k: checker.as_real(checker.decode(item, max_elements=bounds[k]))
                   for k, item in zip(spec.outputs, encoded)}
        except Exception:  # larger than this mistake's output, or malformed: not this mistake
            continue
        if checker.same_answer(_test(spec), inputs, got, wrong):
            return name
    return None


def words(spec: Spec, name: str) -> str:
    """What the feedback says of a result that the mistake ``name`` gives."""
    mistake = spec.wrong_answers[name]
    return checker.known_mistake(mistake.says, mistake.see)


def visible_outputs(spec: Spec, inputs: Inputs, expected: Arrays | None) -> list[dict]:
    """For the kit: each mistake that fails this visible case, with its words and its outputs
    here (never its code). A mistake that passes the case is left out: it cannot be named there."""
    out = []
    for name, mistake in spec.wrong_answers.items():
        wrong = wrong_outputs(spec, name, inputs)
        if wrong is None or not checker.check_call(_test(spec), inputs, wrong, expected):
            continue
        out.append({"name": name, "says": mistake.says, "see": mistake.see,
                    "outputs": {k: checker.encode(v) for k, v in wrong.items()}})
    return out
