"""Chapter 4's figure draws what the theory page says it draws."""
from __future__ import annotations

import numpy as np

from dlcourse import quadratic
from dlcourse.figures import gradient_descent


def _line(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, f"no single line labelled {label!r}"
    return lines[0]


def test_the_slice_is_beale_and_its_taylor_model():
    eps = np.linspace(0.0, 0.1, 11)
    piece = gradient_descent.beale_slice(gradient_descent.NEGATIVE_CURVATURE_POINT, eps)
    x0 = np.array(gradient_descent.NEGATIVE_CURVATURE_POINT)
    g = quadratic.beale_grad(x0)
    assert np.allclose(piece.actual, [quadratic.beale(x0 - e * g) for e in eps])
    slope = -(g @ g)
    assert np.isclose((piece.model[1] - piece.model[0]) / eps[1], slope + 0.5 * eps[1] * piece.curvature)
    # the model is second-order accurate: halving a small step divides its error by about 2^3
    small = gradient_descent.beale_slice(gradient_descent.NEGATIVE_CURVATURE_POINT, np.array([2e-3, 4e-3]))
    errors = np.abs(small.actual - small.model)
    assert 5 < errors[1] / errors[0] < 9


def test_left_panel_marks_eps_star_inside_its_bounds_and_right_panel_has_no_minimum():
    fig = gradient_descent.taylor_model()
    left, right = fig.axes
    eps, model = _line(left, "Taylor model").get_data()
    piece = gradient_descent.beale_slice(gradient_descent.POSITIVE_CURVATURE_POINT, eps)
    assert piece.curvature > 0
    (eps_star,) = set(_line(left, "$\\epsilon^*$, the model's minimum").get_xdata())
    assert np.isclose(eps_star, (piece.gradient @ piece.gradient) / piece.curvature)
    assert abs(eps[np.argmin(model)] - eps_star) <= eps[1] - eps[0]  # the drawn model bottoms out there
    (span,) = left.patches
    low, high = span.get_x(), span.get_x() + span.get_width()
    lam = np.linalg.eigvalsh(piece.hessian)
    assert np.isclose(low, 1 / lam[-1])
    assert np.isclose(high, 1 / lam[0])
    assert low <= eps_star <= high

    eps, model = _line(right, "Taylor model: no minimum").get_data()
    _, actual = _line(right, "Beale's $f(x_0 - \\epsilon g)$").get_data()
    assert gradient_descent.beale_slice(gradient_descent.NEGATIVE_CURVATURE_POINT, eps).curvature < 0
    assert np.all(np.diff(model) < 0)  # the model only falls
    assert actual[-1] > actual.min()  # while Beale's function turns back up
