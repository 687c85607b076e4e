"""Chapter 6's figures draw what the theory page says they draw."""
from __future__ import annotations

import numpy as np

from dlcourse import optim
from dlcourse.figures import adaptive


def test_the_valley_paths_are_the_rules_iterates_and_momentum_gets_closer():
    fig = adaptive.momentum_on_a_valley(steps=40)
    paths, distances = fig.axes
    drawn = {line.get_label(): line for line in paths.get_lines()}
    by_name = {line.get_label(): line.get_ydata() for line in distances.get_lines()}
    assert set(by_name) == set(adaptive.momentum_rules())
    w = np.array(adaptive.START)
    v = np.zeros(2)
    for _ in range(40):  # heavy ball written out: v <- mu v - alpha grad, w <- w + v
        v = adaptive.MOMENTUM * v - adaptive.LEARNING_RATE * adaptive.HESSIAN @ w
        w = w + v
    heavy_ball = drawn[f"momentum $\\mu$ = {adaptive.MOMENTUM}"].get_xydata()
    assert np.allclose(heavy_ball[-1], w)
    gd, momentum, nesterov = (by_name[name][-1] for name in adaptive.momentum_rules())
    assert momentum < gd / 100
    assert nesterov < gd / 100
    # gradient descent shrinks the flat coordinate by exactly (1 - alpha * 0.2) per step
    gd_path = drawn[f"gradient descent, $\\alpha$ = {adaptive.LEARNING_RATE}"].get_xydata()
    assert np.allclose(gd_path[1:, 0] / gd_path[:-1, 0], 1 - adaptive.LEARNING_RATE * adaptive.HESSIAN[0, 0])


def test_the_moves_after_one_gradient_reach_the_two_geometric_limits_whatever_its_size():
    for size in (1.0, 1e4):
        adam = adaptive.displacement_after_one_gradient(optim.Adam(0.01), size) / 0.01
        adamax = adaptive.displacement_after_one_gradient(optim.Adamax(0.01), size) / 0.01
        assert np.isclose(adam[-1], adaptive.adam_moves_up_to(0.9, 0.999), rtol=1e-4)
        assert np.isclose(adamax[-1], adaptive.adamax_moves_up_to(0.9, 0.999), rtol=1e-4)
    assert np.isclose(adaptive.adamax_moves_up_to(0.9, 0.999), 0.999 * 0.1 / (0.999 - 0.9))
    (ax,) = adaptive.one_large_gradient().axes
    limits = sorted(line.get_ydata()[0] for line in ax.get_lines() if "limit" in line.get_label())
    moves = sorted(line.get_ydata()[-1] for line in ax.get_lines() if "total move" in line.get_label())
    assert np.allclose(limits, moves, rtol=1e-4)
    assert limits[1] > 30 * limits[0]
