"""Figures of chapter 11: the multiclass hinge loss beside the zero-one loss, and the
one-hidden-layer ReLU network that computes max(x1, x2)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from dlcourse import layers, losses

# The network of eq-relu-max: one row of input weights per hidden unit, then the output weights.
RELU_MAX_HIDDEN = np.array([[0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5]])
RELU_MAX_OUTPUT = np.array([1.0, -1.0, 1.0, 1.0])


def hinge_per_example(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The hinge loss of each row of ``scores`` alone (``losses.multiclass_hinge`` averages them)."""
    return np.array([losses.multiclass_hinge(s[None, :], y[i : i + 1])[0] for i, s in enumerate(scores)])


def hinge_loss(gaps: np.ndarray | None = None) -> Figure:
    """The hinge loss and the zero-one loss of one example of class 0 among three classes, against
    the gap s_0 - max_{j != 0} s_j between its true score and the best other score."""
    gaps = np.linspace(-2.0, 3.0, 501) if gaps is None else np.asarray(gaps, dtype=float)
    scores = np.column_stack([gaps, np.zeros_like(gaps), np.full_like(gaps, -1.0)])
    y = np.zeros(len(gaps), dtype=int)
    hinge = hinge_per_example(scores, y)
    zero_one = (scores.argmax(axis=1) != y).astype(float)
    fig = Figure(figsize=(6, 3.4))
    ax = fig.add_subplot()
    ax.plot(gaps, hinge, label="hinge loss")
    ax.plot(gaps, zero_one, "--", label="zero-one loss (misclassified)")
    ax.axvspan(0, 1, color="tab:orange", alpha=0.15, label="correct, but inside the margin")
    ax.set_xlabel(r"gap $s_y - \max_{j\neq y} s_j$")
    ax.set_ylabel("loss of one example")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.5}


def _draw_network(ax) -> None:
    """Nodes as circles and one edge per weight, coloured by its sign; each hidden unit is
    labelled with its input weights, each output edge with its weight."""
    inputs = [(0.0, 1.0), (0.0, -1.0)]
    hidden = [(1.2, 2.7 - 1.8 * k) for k in range(len(RELU_MAX_OUTPUT))]
    output = (2.4, 0.0)
    for k, (hx, hy) in enumerate(hidden):
        for i, (ix, iy) in enumerate(inputs):
            ax.plot([ix, hx], [iy, hy], color=_sign_colour(RELU_MAX_HIDDEN[k, i]), lw=1, gid="edge")
        label = "({:+.1f}, {:+.1f})".format(*RELU_MAX_HIDDEN[k])
        ax.text(hx, hy + 0.35, label, ha="center", fontsize=7, bbox=_LABEL_BOX)
        weight = RELU_MAX_OUTPUT[k]
        ax.plot([hx, output[0]], [hy, output[1]], color=_sign_colour(weight), lw=1, gid="edge")
        ax.text(hx + 0.6 * (output[0] - hx), hy + 0.6 * (output[1] - hy), f"{weight:+.0f}", fontsize=7,
                ha="center", va="center", bbox=_LABEL_BOX)
    names = [(inputs[0], "$x_1$"), (inputs[1], "$x_2$")] + [(p, "ReLU") for p in hidden]
    for (x, y), name in names + [(output, "out")]:
        ax.add_patch(_node(x, y))
        ax.text(x, y, name, ha="center", va="center", fontsize=6, zorder=4)
    ax.set_xlim(-0.4, 2.8)
    ax.set_ylim(-3.0, 3.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("input weights above each unit; blue > 0, red < 0", fontsize=8)


def _sign_colour(weight: float) -> str:
    return "tab:blue" if weight > 0 else "tab:red"


def _node(x: float, y: float) -> Circle:
    return Circle((x, y), 0.3, facecolor="white", edgecolor="black", zorder=3, gid="node")


def relu_max_network(x2: float = 1.0) -> Figure:
    """Left: the network of eq-relu-max. Right: along x1 with x2 fixed, each hidden unit's
    contribution (its output weight times its ReLU) and their sum, which is max(x1, x2)."""
    x1 = np.linspace(-3.0, 3.0, 301)
    x = np.column_stack([x1, np.full_like(x1, x2)])
    hidden, _ = layers.relu_forward(x @ RELU_MAX_HIDDEN.T)
    contributions = hidden * RELU_MAX_OUTPUT
    fig = Figure(figsize=(10, 4.2))
    diagram, curves = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    _draw_network(diagram)
    for k, w in enumerate(RELU_MAX_HIDDEN):
        label = f"{RELU_MAX_OUTPUT[k]:+.0f} ReLU({w[0]:+.1f} x1 {w[1]:+.1f} x2)"
        curves.plot(x1, contributions[:, k], ":", label=label)
    curves.plot(x1, contributions.sum(axis=1), lw=4, alpha=0.4, label="network output")
    curves.plot(x1, np.maximum(x1, x2), "k--", lw=1, label=f"max(x1, {x2:g})")
    curves.set_xlabel(f"x1 (x2 = {x2:g})")
    curves.grid(alpha=0.3)
    curves.legend(fontsize=7)
    fig.tight_layout()
    return fig
