"""The figure of chapter 3: logistic regression on separable and on overlapping data, the loss
along the separating direction and the norm of gradient descent's weights."""
from __future__ import annotations

import numpy as np

from dlcourse import losses
from dlcourse.figures import softmax


def _lines(ax) -> dict:
    return {line.get_gid(): line for line in ax.get_lines()}


def test_the_data_sets_are_separable_and_overlapping():
    u = softmax.SEPARATING_DIRECTION
    X, y = softmax.logistic_data(separable=True)
    assert np.all((X @ u > 0) == (y == 1))
    X, y = softmax.logistic_data(separable=False)
    assert 0 < np.sum((X @ u > 0) != (y == 1)) < len(y) / 2


def test_left_panel_is_the_mean_loss_along_the_separating_direction():
    fig = softmax.separable_vs_overlapping(steps=200)
    ray, norms = fig.axes
    lines = _lines(ray)
    assert set(lines) == {"separable", "overlapping"}
    for name, separable in [("separable", True), ("overlapping", False)]:
        X, y = softmax.logistic_data(separable)
        t, drawn = lines[name].get_data()
        expected = [losses.logistic_loss(s * softmax.SEPARATING_DIRECTION, X, y) / len(y) for s in t]
        assert np.allclose(drawn, expected)
    separable = lines["separable"].get_ydata()
    overlapping = lines["overlapping"].get_ydata()
    assert np.all(np.diff(separable) < 0)  # no minimiser along u
    assert 0 < np.argmin(overlapping) < len(overlapping) - 1  # a minimum at a finite t


def test_right_panel_is_the_norm_of_the_gradient_descent_iterates():
    fig = softmax.separable_vs_overlapping(steps=300)
    lines = _lines(fig.axes[1])
    assert fig.axes[1].get_xscale() == "log"
    for name, separable in [("separable", True), ("overlapping", False)]:
        X, y = softmax.logistic_data(separable)
        path = softmax.gradient_descent_path(X, y, 300)
        k, drawn = lines[name].get_data()
        assert np.array_equal(k, np.arange(1, 301))
        assert np.allclose(drawn, np.linalg.norm(path[1:], axis=1))
    assert np.all(np.diff(lines["separable"].get_ydata()) > 0)
    assert np.ptp(lines["overlapping"].get_ydata()[100:]) < 1e-6


def test_gradient_descent_path_takes_steps_of_four_over_lambda_max():
    X, y = softmax.logistic_data(separable=False)
    path = softmax.gradient_descent_path(X, y, 2)
    step = 4 / np.linalg.eigvalsh(X.T @ X).max()
    assert np.array_equal(path[0], np.zeros(2))
    assert np.allclose(path[1], -step * losses.logistic_gradient(np.zeros(2), X, y))
    assert np.allclose(path[2], path[1] - step * losses.logistic_gradient(path[1], X, y))
