"""Figures of chapter 10: where a sigmoid saturates and what that does to the learning signal,
and how the initial weights' variance carries the signal's variance through deep ReLU layers."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from dlcourse import initializers, layers, losses

Initializer = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]


def output_unit_gradients(logits: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """d/da of one sigmoid output's loss at each logit a: squared error 1/2 (sigmoid(a) - t)^2,
    which is (sigmoid(a) - t) sigmoid'(a), and cross-entropy, which is sigmoid(a) - t."""
    y, cache = layers.sigmoid_forward(logits)
    squared_error, _ = layers.sigmoid_backward(y - target, cache)
    _, mean_gradient = losses.binary_cross_entropy_with_logits(logits, np.full_like(logits, target))
    return squared_error, mean_gradient * logits.size  # the loss of each logit alone, not their mean


def sigmoid_saturation() -> Figure:
    """Left: sigmoid(a) and sigmoid'(a), never above 1/4 and tiny for large |a|. Right: the
    gradient in the logit of an output unit whose target is 0, under squared error and under
    cross-entropy: only the first vanishes when the unit is confidently wrong (a large)."""
    a = np.linspace(-10.0, 10.0, 401)
    y, cache = layers.sigmoid_forward(a)
    slope, _ = layers.sigmoid_backward(np.ones_like(a), cache)
    squared_error, cross_entropy = output_unit_gradients(a, target=0.0)
    fig = Figure(figsize=(10, 3.4))
    left, right = fig.subplots(1, 2)
    left.plot(a, y, label=r"$\sigma(a)$")
    left.plot(a, slope, label=r"$\sigma'(a) = \sigma(a)(1-\sigma(a))$")
    left.axhline(0.25, color="gray", ls=":", label="1/4")
    left.set_xlabel("pre-activation a")
    left.legend(fontsize=8)
    right.plot(a, squared_error, label=r"squared error: $(\sigma(a)-t)\,\sigma'(a)$")
    right.plot(a, cross_entropy, label=r"cross-entropy: $\sigma(a)-t$")
    right.set_xlabel("logit a of an output whose target is t = 0")
    right.set_ylabel("dL/da")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def preactivation_variances(init: Initializer, depth: int = 20, width: int = 256, n_samples: int = 1000,
                            seed: int = 0) -> np.ndarray:
    """The variance of the pre-activations z_l = h_{l-1} W_l of each of ``depth`` square ReLU layers
    (no bias), h_l = ReLU(z_l), for standard normal inputs; weights drawn by ``init``."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    variances = []
    for _ in range(depth):
        z, _ = layers.affine_forward(h, init((width, width), rng), np.zeros(width))
        variances.append(z.var())
        h, _ = layers.relu_forward(z)
    return np.array(variances)


def variance_through_depth(depth: int = 20, width: int = 256) -> Figure:
    """The variance of the pre-activations layer by layer for three weight variances v, measured
    (markers) and predicted by Var z_l = (n v / 2)^(l-1) Var z_1 (lines)."""
    inits = {
        "He, v = 2/n": initializers.he_normal,
        "Glorot, v = 2/(n + n) = 1/n": initializers.glorot_normal,
        "v = 4/n": initializers.normal(np.sqrt(4.0 / width)),
    }
    per_layer = {"He, v = 2/n": 1.0, "Glorot, v = 2/(n + n) = 1/n": 0.5, "v = 4/n": 2.0}
    layer = np.arange(1, depth + 1)
    fig = Figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    for name, init in inits.items():
        measured = preactivation_variances(init, depth, width)
        (line,) = ax.semilogy(layer, measured, "o", ms=4, label=name, gid="measured")
        predicted = measured[0] * per_layer[name] ** (layer - 1)
        ax.semilogy(layer, predicted, "-", color=line.get_color(), alpha=0.6, gid="predicted")
    ax.set_xlabel(f"layer (ReLU, width n = {width})")
    ax.set_ylabel("variance of the pre-activations")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), title="measured (dots),\npredicted (lines)",
              title_fontsize=8)
    fig.tight_layout()
    return fig
