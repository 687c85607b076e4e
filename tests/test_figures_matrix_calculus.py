"""The figure of chapter 1: the level sets of x^T A x, with the gradient normal to them and the
mistake 2 A x beside it."""
from __future__ import annotations

import numpy as np
from matplotlib.quiver import Quiver

from dlcourse import matcalc
from dlcourse.figures import matrix_calculus


def _arrows(ax, gid: str) -> Quiver:
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver) and c.get_gid() == gid]
    return quiver


def test_level_set_points_lie_on_the_level_set():
    A = matrix_calculus.EXAMPLE_A
    points = matrix_calculus.level_set_points(A, 2.5, 16)
    assert points.shape == (16, 2)
    assert np.allclose(matrix_calculus.quadratic_form(A, points), 2.5)


def test_the_arrows_are_the_gradient_and_the_mistake_at_the_points_of_the_level_set():
    A = matrix_calculus.EXAMPLE_A
    fig = matrix_calculus.quadratic_form_gradients(A, count=8)
    (ax,) = fig.axes
    gradient, mistake = _arrows(ax, "gradient"), _arrows(ax, "mistake")
    points = gradient.get_offsets()
    assert points.shape == (8, 2)
    assert np.allclose(matrix_calculus.quadratic_form(A, points), 1.0)
    expected = np.vstack([matcalc.d_quadratic_dx(A, p)[0] for p in points])
    drawn = np.column_stack([gradient.U, gradient.V]) / matrix_calculus.ARROW_SCALE
    assert np.allclose(drawn, expected)
    drawn_mistake = np.column_stack([mistake.U, mistake.V]) / matrix_calculus.ARROW_SCALE
    assert np.allclose(drawn_mistake, 2 * points @ A.T)
    assert not np.allclose(drawn_mistake, drawn)  # A is not symmetric
    assert len(ax.get_legend().get_texts()) == 2


def test_the_gradient_is_normal_to_the_level_set_and_the_mistake_is_not():
    A = matrix_calculus.EXAMPLE_A
    points = matrix_calculus.level_set_points(A, 1.0, 1000)
    tangents = np.roll(points, -1, axis=0) - np.roll(points, 1, axis=0)
    gradients = np.vstack([matcalc.d_quadratic_dx(A, p)[0] for p in points])
    mistakes = 2 * points @ A.T

    def cosine(u, v):
        return np.sum(u * v, axis=1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)

    assert np.abs(cosine(gradients, tangents)).max() < 1e-3
    assert np.abs(cosine(mistakes, tangents)).max() > 0.3
