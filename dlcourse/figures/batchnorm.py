"""Figure of chapter 9: batch normalisation as a computational graph, staged as the theory page
derives its backward pass, with the forward value (green) and the gradient (red) of every node
for a small batch of one feature.

``staged_batchnorm`` computes those values node by node; its x_hat, y and dL/dx must agree with
``dlcourse.layers.batchnorm_forward`` and ``batchnorm_backward``, and the figure draws the
layer's own x_hat, y and dL/dx. Nodes are patches with gid ``"node"``, edges lines with gid
``"edge"``, and each node's two numbers texts with gids ``"value:<node>"`` and
``"grad:<node>"``, so tests can read the figure back.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from dlcourse import layers

EXAMPLE_X = np.array([1.0, 2.0, 6.0])
EXAMPLE_DY = np.array([0.3, -0.5, 0.1])
EXAMPLE_GAMMA = 2.0
EXAMPLE_BETA = 0.5
EPS = 1e-3

# node: (label, position). Vectors (one entry per example) sit on the bottom row with their numbers
# below them, scalars on the top row with their numbers above, so no edge crosses a number.
NODES = {
    "x": ("$x$", (0.0, 0.0)),
    "mu": (r"$\mu$", (1.6, 1.5)),
    "xc": (r"$x-\mu$", (3.2, 0.0)),
    "var": (r"$\sigma^2$", (4.6, 1.5)),
    "sigma_hat": (r"$\hat\sigma$", (6.6, 1.5)),
    "xhat": (r"$\hat x$", (8.2, 0.0)),
    "gamma": (r"$\gamma$", (9.2, 1.5)),
    "beta": (r"$\beta$", (10.8, 1.5)),
    "y": ("$y$", (10.0, 0.0)),
}
# edges: (from, to, the operation written on the edge)
EDGES = [
    ("x", "mu", "mean"),
    ("x", "xc", ""),
    ("mu", "xc", "subtract"),
    ("xc", "var", "mean of squares"),
    ("var", "sigma_hat", r"$\sqrt{\cdot+\epsilon}$"),
    ("xc", "xhat", ""),
    ("sigma_hat", "xhat", "divide"),
    ("xhat", "y", r"$\gamma\hat x+\beta$"),
    ("gamma", "y", ""),
    ("beta", "y", ""),
]


def staged_batchnorm(
    x: np.ndarray, gamma: float, beta: float, dy: np.ndarray, eps: float = EPS
) -> tuple[dict[str, np.ndarray | float], dict[str, np.ndarray | float]]:
    """Forward values and gradients dL/d(node) of every node of the graph, for one feature
    ``x`` of shape (n,) and upstream gradient ``dy``, backpropagated one stage at a time."""
    n = len(x)
    mu = x.mean()
    xc = x - mu
    var = np.mean(xc**2)
    sigma_hat = np.sqrt(var + eps)
    xhat = xc / sigma_hat
    value = {"x": x, "mu": mu, "xc": xc, "var": var, "sigma_hat": sigma_hat, "xhat": xhat,
             "gamma": gamma, "beta": beta, "y": gamma * xhat + beta}
    dxhat = gamma * dy
    dsigma_hat = -np.sum(dxhat * xc) / sigma_hat**2  # x_hat_j = xc_j / sigma_hat
    dvar = dsigma_hat / (2 * sigma_hat)  # sigma_hat = sqrt(var + eps)
    dxc = dxhat / sigma_hat + dvar * 2 * xc / n  # xc reaches x_hat directly and var through xc^2
    dmu = -np.sum(dxc)  # xc_j = x_j - mu
    grad = {"y": dy, "xhat": dxhat, "sigma_hat": dsigma_hat, "var": dvar, "xc": dxc, "mu": dmu,
            "x": dxc + dmu / n, "gamma": np.sum(dy * xhat), "beta": np.sum(dy)}
    return value, grad


def _format(v: np.ndarray | float) -> str:
    if np.ndim(v) == 0:
        return f"{float(v):.2f}"
    return "[" + ", ".join(f"{float(e):.2f}" for e in v) + "]"


def batchnorm_graph(
    x: np.ndarray = EXAMPLE_X,
    gamma: float = EXAMPLE_GAMMA,
    beta: float = EXAMPLE_BETA,
    dy: np.ndarray = EXAMPLE_DY,
) -> Figure:
    """The staged graph of eq-bn for one feature of a batch: above each node its forward value,
    below it dL/d(node). x_hat, y and dL/dx are the layer's own (``dlcourse.layers``)."""
    value, grad = staged_batchnorm(x, gamma, beta, dy)
    column = x[:, None]
    out, cache = layers.batchnorm_forward(column, np.array([gamma]), np.array([beta]),
                                          {"mean": np.zeros(1), "var": np.ones(1)}, training=True, eps=EPS)
    dx, _ = layers.batchnorm_backward(dy[:, None], cache)
    value["xhat"] = cache[0][:, 0]
    value["y"] = out[:, 0]
    grad["x"] = dx[:, 0]
    fig = Figure(figsize=(10, 3.4))
    ax = fig.add_subplot()
    for start, end, operation in EDGES:
        (x0, y0), (x1, y1) = NODES[start][1], NODES[end][1]
        ax.plot([x0, x1], [y0, y1], color="grey", lw=1, zorder=1, gid="edge")
        if operation:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, operation, fontsize=7, ha="center", va="center",
                    color="dimgrey", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5}, zorder=2)
    for name, (label, (px, py)) in NODES.items():
        box = FancyBboxPatch((px - 0.35, py - 0.22), 0.7, 0.44, boxstyle="round,pad=0.05",
                             facecolor="white", edgecolor="black", zorder=3, gid="node")
        ax.add_patch(box)
        ax.text(px, py, label, ha="center", va="center", fontsize=11, zorder=4)
        side = 1 if py > 0 else -1  # above the top row, below the bottom row
        ax.text(px, py + side * 0.4, _format(value[name]), ha="center", va="center", fontsize=7,
                color="tab:green", gid=f"value:{name}")
        ax.text(px, py + side * 0.65, _format(grad[name]), ha="center", va="center", fontsize=7,
                color="tab:red", gid=f"grad:{name}")
    ax.set_xlim(-0.9, 11.5)
    ax.set_ylim(-1.0, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"batch of n = {len(x)}: forward values (green), gradients dL/d(node) (red)", fontsize=10)
    fig.tight_layout()
    return fig
