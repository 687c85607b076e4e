"""Figures of chapter 8: a matrix maps the unit circle to an ellipse whose longest half-axis is
sigma_max, and the slopes of the activations, bounded by their Lipschitz constants.

The radius sigma_max comes from ``dlcourse.lipschitz.spectral_norm`` and the slopes from the
backward passes in ``dlcourse.layers``, so a wrong function draws a wrong figure. Lines carry
labels so tests can read the figure back.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dlcourse import layers, lipschitz

EXAMPLE_W = np.array([[1.5, 1.2], [-0.4, 0.5]])
ACTIVATIONS = {
    "relu": (layers.relu_forward, layers.relu_backward),
    "tanh": (layers.tanh_forward, layers.tanh_backward),
    "sigmoid": (layers.sigmoid_forward, layers.sigmoid_backward),
}


def unit_circle_to_ellipse(W: np.ndarray = EXAMPLE_W, n_points: int = 361) -> Figure:
    """Left: the unit circle and the right singular vectors v1, v2. Right: its image under W, an
    ellipse with half-axes W v_i = sigma_i u_i, inside the circle of radius sigma_max that power
    iteration finds. The ellipse touches that circle only at +-sigma_1 u_1."""
    angles = np.linspace(0.0, 2 * np.pi, n_points)
    circle = np.stack([np.cos(angles), np.sin(angles)])
    image = W @ circle
    _, singular_values, vt = np.linalg.svd(W)
    sigma_max = lipschitz.spectral_norm(W)
    fig = Figure(figsize=(8, 3.8))
    left, right = fig.subplots(1, 2)
    left.plot(circle[0], circle[1], color="black", label="unit circle")
    right.plot(image[0], image[1], color="black", label="W x, x on the unit circle")
    right.plot(sigma_max * circle[0], sigma_max * circle[1], "--", color="grey", lw=0.8,
               label="radius sigma_max (power iteration)")
    for i, colour in enumerate(("tab:red", "tab:blue")):
        v = vt[i]
        Wv = W @ v
        left.plot([0, v[0]], [0, v[1]], color=colour, lw=2, label=f"v{i + 1}")
        right.plot([0, Wv[0]], [0, Wv[1]], color=colour, lw=2, label=f"W v{i + 1} = {singular_values[i]:.2f} u{i + 1}")
    limit = 1.1 * sigma_max
    for ax, title in ((left, "input: ||x|| = 1"), (right, f"output: ||W x|| <= sigma_max = {sigma_max:.2f}")):
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.axvline(0.0, color="grey", lw=0.5)
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    return fig


def activation_slope(name: str, z: np.ndarray) -> np.ndarray:
    """h'(z) for an activation of ``ACTIVATIONS``: its backward pass with an upstream gradient of 1."""
    forward, backward = ACTIVATIONS[name]
    _, cache = forward(z)
    slope, _ = backward(np.ones_like(z), cache)
    return slope


def activation_slopes(z: np.ndarray | None = None) -> Figure:
    """|h'(z)| for ReLU, tanh and the sigmoid, with dashed lines at their Lipschitz constants
    (``lipschitz.ACTIVATION_LIPSCHITZ``): each curve reaches its line and never crosses it."""
    z = np.linspace(-5.0, 5.0, 1001) if z is None else np.asarray(z, dtype=float)
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot()
    for name, colour in zip(ACTIVATIONS, ("tab:blue", "tab:orange", "tab:green")):
        ax.plot(z, np.abs(activation_slope(name, z)), color=colour, label=name)
        bound = lipschitz.ACTIVATION_LIPSCHITZ[name]
        ax.axhline(bound, ls="--", lw=0.8, color=colour, label=f"L = {bound:g} ({name})")
    ax.set_xlabel("z")
    ax.set_ylabel("|h'(z)|")
    ax.set_ylim(-0.05, 1.15)
    ax.legend(fontsize=7, ncol=2, loc="center right")
    ax.set_title("the Lipschitz constant of h is the largest slope", fontsize=10)
    fig.tight_layout()
    return fig
