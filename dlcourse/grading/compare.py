"""Comparing a student's outputs with the reference, in the grader's own process.

Messages say what was called and how the result differed (shape, how many entries, by how
much, where), never the reference values themselves.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcourse.grading.specs import Spec


@dataclass
class CaseResult:
    function: str
    seed: int
    passed: bool
    message: str  # empty when passed


def as_outputs(spec: Spec, value) -> dict[str, np.ndarray]:
    """A function's return value as named arrays; raises ValueError when its shape is wrong."""
    values = value if isinstance(value, tuple) else (value,)
    if len(values) != len(spec.outputs):
        raise ValueError(f"{spec.function} must return {len(spec.outputs)} value(s) "
                         f"({', '.join(spec.outputs)}), it returned {len(values)}")
    out = {}
    for name, v in zip(spec.outputs, values):
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"output {name} is not numeric (got {type(v).__name__})") from None
        out[name] = arr
    return out


def compare(spec: Spec, inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray]) -> list[str]:
    """Every problem found, as messages that leak no reference value; empty when correct."""
    if spec.check is not None:
        return spec.check(inputs, outputs)
    expected = as_outputs(spec, spec.reference(**spec.arguments(inputs)))
    problems = []
    for name in spec.outputs:
        got, ref = outputs.get(name), expected[name]
        if got is None:
            problems.append(f"output {name} is missing")
        elif got.shape != ref.shape:
            problems.append(f"output {name} has shape {got.shape}, expected {ref.shape}")
        elif not np.all(np.isfinite(got)):
            problems.append(f"output {name} contains {int((~np.isfinite(got)).sum())} NaN or infinite entries")
        else:
            bad = ~np.isclose(got, ref, rtol=spec.rtol, atol=spec.atol)
            if bad.any():
                err = np.abs(got - ref)
                where = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), got.shape) if got.ndim else ()
                rel = float(err.max() / max(np.abs(ref).max(), 1e-300))
                problems.append(f"output {name}: {int(bad.sum())} of {got.size} entries differ; largest absolute "
                                f"difference {err.max():.3g} (relative {rel:.3g})"
                                + (f" at index {tuple(int(i) for i in where)}" if got.ndim else ""))
    return problems


def describe_inputs(inputs: dict[str, np.ndarray]) -> str:
    """The call's arguments by shape, e.g. ``x: (3, 4), t: scalar``."""
    return ", ".join(f"{k}: {'scalar' if np.ndim(v) == 0 else tuple(np.shape(v))}" for k, v in inputs.items())
