"""Chapter 10's figures draw what the theory page says they draw."""
from __future__ import annotations

import numpy as np

from dlcourse import initializers
from dlcourse.figures import training


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def test_saturation_figure_draws_the_sigmoid_its_slope_and_the_two_output_gradients():
    fig = training.sigmoid_saturation()
    left, right = fig.axes
    curves = {line.get_label(): line.get_data() for line in left.get_lines()}
    a, y = curves[r"$\sigma(a)$"]
    _, slope = curves[r"$\sigma'(a) = \sigma(a)(1-\sigma(a))$"]
    assert np.allclose(y, _sigmoid(a))
    assert np.allclose(slope, _sigmoid(a) * (1 - _sigmoid(a)))
    assert slope.max() <= 0.25
    gradients = {line.get_label().split(":")[0]: line.get_data() for line in right.get_lines()}
    a, squared_error = gradients["squared error"]
    _, cross_entropy = gradients["cross-entropy"]
    assert np.allclose(squared_error, _sigmoid(a) ** 2 * (1 - _sigmoid(a)))  # target 0
    assert np.allclose(cross_entropy, _sigmoid(a))
    confidently_wrong = a > 8
    assert np.all(squared_error[confidently_wrong] < 1e-3)
    assert np.all(cross_entropy[confidently_wrong] > 0.999)


def test_preactivation_variances_follow_the_variance_recursion():
    width, depth = 128, 12
    for init, factor in [(initializers.he_normal, 1.0), (initializers.glorot_normal, 0.5)]:
        v = training.preactivation_variances(init, depth=depth, width=width, seed=1)
        per_layer = np.log2(v[-1] / v[0]) / (depth - 1)
        assert abs(per_layer - np.log2(factor)) < 0.15


def test_variance_figure_draws_measured_and_predicted_curves_for_three_initialisations():
    fig = training.variance_through_depth(depth=8, width=64)
    (ax,) = fig.axes
    measured = [line for line in ax.get_lines() if line.get_gid() == "measured"]
    predicted = [line for line in ax.get_lines() if line.get_gid() == "predicted"]
    assert len(measured) == len(predicted) == 3
    assert [line.get_label() for line in measured] == [t.get_text() for t in ax.get_legend().get_texts()]
    for m, p in zip(measured, predicted):
        layers, values = m.get_data()
        assert np.array_equal(layers, np.arange(1, 9))
        assert np.isclose(p.get_ydata()[0], values[0])
        assert np.allclose(np.log(values), np.log(p.get_ydata()), atol=1.0)
    he = training.preactivation_variances(initializers.he_normal, depth=8, width=64)
    assert np.allclose(measured[0].get_ydata(), he)
