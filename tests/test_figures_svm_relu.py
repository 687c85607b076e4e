"""Chapter 11's figures draw what the theory page says they draw."""
from __future__ import annotations

import numpy as np

from dlcourse.figures import svm_relu
from dlcourse.losses import multiclass_hinge


def _line(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, f"no single line labelled {label!r}"
    return lines[0]


def test_hinge_figure_draws_the_hinge_and_the_zero_one_loss_against_the_gap():
    fig = svm_relu.hinge_loss()
    (ax,) = fig.axes
    gap, hinge = _line(ax, "hinge loss").get_data()
    _, zero_one = _line(ax, "zero-one loss (misclassified)").get_data()
    assert np.allclose(hinge, np.maximum(0.0, 1.0 - gap))
    assert np.array_equal(zero_one, (gap < 0).astype(float))
    assert np.all(hinge >= zero_one)  # the hinge bounds the zero-one loss from above


def test_hinge_per_example_matches_the_batch_mean():
    rng = np.random.default_rng(0)
    scores, y = rng.standard_normal((20, 4)), rng.integers(0, 4, 20)
    assert np.isclose(svm_relu.hinge_per_example(scores, y).mean(), multiclass_hinge(scores, y)[0])


def test_relu_max_figure_shows_the_network_and_its_output_equal_to_the_max():
    fig = svm_relu.relu_max_network(x2=0.7)
    diagram, curves = fig.axes
    nodes = [p for p in diagram.patches if p.get_gid() == "node"]
    edges = [line for line in diagram.get_lines() if line.get_gid() == "edge"]
    hidden, inputs = svm_relu.RELU_MAX_HIDDEN.shape
    assert len(nodes) == inputs + hidden + 1
    assert len(edges) == hidden * inputs + hidden
    x1, out = _line(curves, "network output").get_data()
    assert np.allclose(out, np.maximum(x1, 0.7), atol=1e-12)
    parts = [line.get_ydata() for line in curves.get_lines() if line.get_label().startswith(("+1", "-1"))]
    assert len(parts) == hidden
    assert np.allclose(np.sum(parts, axis=0), out)
