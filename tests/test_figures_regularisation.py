"""Chapter 8's figures draw what the theory page says they draw."""
from __future__ import annotations

import numpy as np

from dlcourse import lipschitz
from dlcourse.figures import regularisation as figures


def _line(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, f"no single line labelled {label!r}"
    return np.column_stack(lines[0].get_data())


def test_the_ellipse_is_the_image_of_the_unit_circle_and_touches_the_sigma_max_circle():
    W = np.array([[2.0, -1.0], [0.5, 0.3]])
    fig = figures.unit_circle_to_ellipse(W)
    left, right = fig.axes
    circle = _line(left, "unit circle")
    assert np.allclose(np.linalg.norm(circle, axis=1), 1.0)
    ellipse = _line(right, "W x, x on the unit circle")
    assert np.allclose(ellipse, circle @ W.T)
    sigma_max = lipschitz.spectral_norm(W)
    radius = np.linalg.norm(_line(right, "radius sigma_max (power iteration)"), axis=1)
    assert np.allclose(radius, sigma_max)
    assert np.all(np.linalg.norm(ellipse, axis=1) <= sigma_max + 1e-9)
    assert np.isclose(np.linalg.norm(ellipse, axis=1).max(), sigma_max, rtol=1e-3)
    sigma = np.linalg.svd(W, compute_uv=False)
    for i in range(2):
        v = _line(left, f"v{i + 1}")[1]
        image = _line(right, f"W v{i + 1} = {sigma[i]:.2f} u{i + 1}")[1]
        assert np.isclose(np.linalg.norm(v), 1.0)
        assert np.allclose(image, W @ v)
        assert np.isclose(np.linalg.norm(image), sigma[i])


def test_each_activation_slope_reaches_its_lipschitz_constant_and_never_exceeds_it():
    z = np.linspace(-6, 6, 2001)
    fig = figures.activation_slopes(z)
    (ax,) = fig.axes
    for name in figures.ACTIVATIONS:
        slope = _line(ax, name)[:, 1]
        bound = lipschitz.ACTIVATION_LIPSCHITZ[name]
        assert np.all(slope <= bound + 1e-12)
        assert np.isclose(slope.max(), bound)
        h = figures.ACTIVATIONS[name][0](z)[0]
        central = (h[2:] - h[:-2]) / (z[2:] - z[:-2])
        smooth = np.abs(z[1:-1]) > 0.01  # away from ReLU's kink
        assert np.allclose(slope[1:-1][smooth], central[smooth], atol=1e-4)  # the curve is h'
