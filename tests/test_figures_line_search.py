"""Chapter 5's figure draws what the theory page says it draws."""
from __future__ import annotations

import numpy as np

from dlcourse.figures import line_search


def _line(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, f"no single line labelled {label!r}"
    return lines[0]


def test_the_lines_are_the_function_the_armijo_line_and_an_upper_model():
    (ax,) = line_search.backtracking().axes
    t, phi = _line(ax, "$f(x + t\\Delta x)$").get_data()
    _, armijo = _line(ax, f"Armijo line, $\\alpha$ = {line_search.ALPHA}").get_data()
    _, upper = _line(ax, "upper model, curvature $M$").get_data()
    g = line_search.HESSIAN @ line_search.START
    assert np.allclose(phi, [line_search.quadratic(line_search.START - s * g) for s in t])
    assert np.allclose(np.diff(armijo) / np.diff(t), -line_search.ALPHA * (g @ g))
    assert np.all(upper >= phi - 1e-12)  # M bounds the curvature, so the model lies above f
    assert np.max(np.linalg.eigvalsh(line_search.HESSIAN)) == line_search.CURVATURE_BOUND


def test_every_step_in_the_shaded_interval_passes_and_the_trials_are_those_of_the_search():
    (ax,) = line_search.backtracking().axes
    t, phi = _line(ax, "$f(x + t\\Delta x)$").get_data()
    _, armijo = _line(ax, f"Armijo line, $\\alpha$ = {line_search.ALPHA}").get_data()
    (span,) = ax.patches
    t_max = span.get_x() + span.get_width()
    assert np.isclose(t_max, 1 / line_search.CURVATURE_BOUND)  # -g^T dx / (M ||dx||^2) for dx = -g
    assert np.all(phi[t <= t_max] <= armijo[t <= t_max])
    rejected_t, rejected_f = _line(ax, "rejected trials").get_data()
    (accepted,) = [line for line in ax.get_lines() if line.get_label().startswith("accepted")]
    trials = np.append(rejected_t, accepted.get_xdata())
    assert np.allclose(trials, line_search.T0 * line_search.BETA ** np.arange(len(trials)))
    f0, slope = phi[0], -np.sum((line_search.HESSIAN @ line_search.START) ** 2)
    assert np.all(rejected_f > f0 + line_search.ALPHA * rejected_t * slope)
    (t_accepted,), (f_accepted,) = accepted.get_data()
    assert f_accepted <= f0 + line_search.ALPHA * t_accepted * slope
    assert len(rejected_t) >= 1  # the picture shows the loop shrinking t at least once
