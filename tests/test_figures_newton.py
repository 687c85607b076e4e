"""Chapter 7's figures draw what the theory page says they draw."""
from __future__ import annotations

import numpy as np

from dlcourse import newton
from dlcourse.figures import newton as figures


def _line(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, f"no single line labelled {label!r}"
    return lines[0]


def test_each_tangent_runs_from_the_curve_at_x_k_to_zero_at_the_next_iterate():
    fig = figures.newton_tangents(n_steps=3)
    (ax,) = fig.axes
    xs = newton.newton_root(figures.cubic, figures.cubic_derivative, figures.CUBIC_ROOT_START, max_iter=3)
    assert len(xs) == 4
    for k in range(3):
        (x_k, x_next), (y_k, y_next) = _line(ax, f"tangent {k}").get_data()
        assert np.isclose(x_k, xs[k])
        assert np.isclose(y_k, figures.cubic(xs[k]))
        assert np.isclose(x_next, xs[k + 1])
        assert y_next == 0.0
        slope = (y_next - y_k) / (x_next - x_k)
        assert np.isclose(slope, figures.cubic_derivative(xs[k]))  # the line is f's tangent at x_k
    grid, values = _line(ax, "f").get_data()
    assert np.allclose(values, grid**3 - 2 * grid - 5)


def test_newton_reaches_the_minimum_in_one_step_while_gradient_descent_zigzags():
    fig = figures.newton_vs_gradient_descent()
    (ax,) = fig.axes
    Q, w0 = figures.ILL_CONDITIONED_Q, figures.QUADRATIC_START
    full = np.column_stack(_line(ax, "Newton").get_data())
    assert len(full) == 2
    assert np.allclose(full[0], w0)
    assert np.allclose(full[1], 0.0, atol=1e-12)
    damped = np.column_stack(_line(ax, "damped Newton").get_data())
    assert np.allclose(damped, [0.5**k * w0 for k in range(len(damped))])  # (1 - eta)^k w0
    gd = np.column_stack(_line(ax, "gradient descent").get_data())
    step = 1.8 / np.linalg.eigvalsh(Q)[-1]
    assert np.allclose(gd[1:], gd[:-1] - step * gd[:-1] @ Q)
    assert np.linalg.norm(gd[-1]) > 1e-3  # after 20 steps still visibly away from the minimum
    steps = np.diff(gd, axis=0)
    assert np.all(np.sum(steps[1:] * steps[:-1], axis=1) < 0)  # each step turns back: a zig-zag
