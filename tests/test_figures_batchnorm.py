"""Chapter 9's figure draws what the theory page says it draws."""
from __future__ import annotations

import numpy as np
import pytest

from dlcourse import layers
from dlcourse.figures import batchnorm as figures


def _layer(x, gamma, beta, dy, eps=figures.EPS):
    out, cache = layers.batchnorm_forward(x[:, None], np.array([gamma]), np.array([beta]),
                                          {"mean": np.zeros(1), "var": np.ones(1)}, training=True, eps=eps)
    dx, grads = layers.batchnorm_backward(dy[:, None], cache)
    return out[:, 0], cache[0][:, 0], dx[:, 0], grads


@pytest.mark.parametrize("seed", range(5))
def test_the_staged_backward_pass_agrees_with_the_layer(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    x, dy = 3 * rng.standard_normal(n) + 1, rng.standard_normal(n)
    gamma, beta = rng.standard_normal(2)
    value, grad = figures.staged_batchnorm(x, gamma, beta, dy)
    out, xhat, dx, grads = _layer(x, gamma, beta, dy)
    assert np.allclose(value["xhat"], xhat)
    assert np.allclose(value["y"], out)
    assert np.allclose(grad["x"], dx)
    assert np.isclose(grad["gamma"], grads["gamma"][0])
    assert np.isclose(grad["beta"], grads["beta"][0])
    assert np.isclose(grad["mu"], -np.sum(grad["xhat"]) / value["sigma_hat"])  # the var path adds 0 to mu
    assert np.isclose(grad["sigma_hat"], -np.sum(grad["xhat"] * value["xhat"]) / value["sigma_hat"])


def test_the_graph_shows_every_node_with_the_layers_values_and_gradients():
    fig = figures.batchnorm_graph()
    (ax,) = fig.axes
    assert len([p for p in ax.patches if p.get_gid() == "node"]) == len(figures.NODES)
    assert len([line for line in ax.get_lines() if line.get_gid() == "edge"]) == len(figures.EDGES)
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    out, xhat, dx, _ = _layer(figures.EXAMPLE_X, figures.EXAMPLE_GAMMA, figures.EXAMPLE_BETA, figures.EXAMPLE_DY)
    assert texts["value:xhat"] == "[" + ", ".join(f"{v:.2f}" for v in xhat) + "]"
    assert texts["value:y"] == "[" + ", ".join(f"{v:.2f}" for v in out) + "]"
    assert texts["grad:x"] == "[" + ", ".join(f"{v:.2f}" for v in dx) + "]"
    assert texts["value:mu"] == f"{figures.EXAMPLE_X.mean():.2f}"
    for name in figures.NODES:
        assert f"value:{name}" in texts
        assert f"grad:{name}" in texts
