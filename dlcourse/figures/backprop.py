"""Figure of chapter 2: the computational graph of the two-branch network, every variable with
its forward value and its gradient dL/d(variable) for the worked example."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dlcourse import layers, twobranch

# Each variable: its position (x, y) in axes units and how it is computed. The two branches
# leave l1 above and below; the weights sit beside the products that use them.
NODES = {
    "x": ((0.0, 1.0), "x (input)"),
    "W1": ((1.55, 2.5), "W1"),
    "a1": ((1.55, 1.0), "a1 = W1 x"),
    "l1": ((3.1, 1.0), "l1 = ReLU(a1)"),
    "W21": ((4.75, 3.8), "W21"),
    "a21": ((4.75, 2.4), "a21 = W21 l1"),
    "l21": ((6.4, 2.4), "l21 = ReLU(a21)"),
    "W22": ((4.75, -1.8), "W22"),
    "a22": ((4.75, -0.4), "a22 = W22 l1"),
    "l22": ((6.4, -0.4), "l22 = sigmoid(a22)"),
    "z": ((8.05, 1.0), "z = max(l21, l22)"),
    "y_hat": ((9.7, 1.0), "y_hat = softmax(z)"),
    "L": ((11.1, 1.0), "L = CE(y_hat, y)"),
}
# (parent, child): the dependencies, one arrow each
EDGES = [
    ("x", "a1"), ("W1", "a1"), ("a1", "l1"), ("l1", "a21"), ("W21", "a21"), ("a21", "l21"),
    ("l1", "a22"), ("W22", "a22"), ("a22", "l22"), ("l21", "z"), ("l22", "z"), ("z", "y_hat"), ("y_hat", "L"),
]


NodeValues = dict[str, tuple[np.ndarray, np.ndarray | None]]


def graph_values(example: dict[str, np.ndarray] = twobranch.EXAMPLE) -> NodeValues:
    """Each variable of the graph: (forward value, dL/d(variable)), from ``twobranch`` and ``layers``.

    The pre-activations a21, a22 are not kept by ``twobranch.forward``; they are recomputed here,
    and their gradients come from the layers' own backward functions. y_hat and L carry no
    gradient here: the chapter differentiates softmax and cross-entropy as one step.
    """
    values, cache = twobranch.forward(**example)
    grads = twobranch.backward(cache)
    a21 = values["l1"] @ example["W21"].T
    a22 = values["l1"] @ example["W22"].T
    da21, _ = layers.relu_backward(grads["l21"], a21)
    da22, _ = layers.sigmoid_backward(grads["l22"], values["l22"])
    da1, _ = layers.relu_backward(grads["l1"], values["pre1"])
    table = {
        "x": (example["x"], None), "a1": (values["pre1"], da1), "l1": (values["l1"], grads["l1"]),
        "a21": (a21, da21), "l21": (values["l21"], grads["l21"]),
        "a22": (a22, da22), "l22": (values["l22"], grads["l22"]),
        "z": (values["z"], grads["z"]), "y_hat": (values["y_hat"], None), "L": (np.array(values["L"]), None),
    }
    return {name: (np.squeeze(value), None if grad is None else np.squeeze(grad))
            for name, (value, grad) in table.items()}


def vector_text(v: np.ndarray) -> str:
    """(0.8214, 0, 0.1112), or 2.6967 for a scalar: rounded to four decimals, without trailing
    zeros or a negative zero."""
    entries = [f"{e:g}" for e in np.round(np.atleast_1d(v), 4) + 0.0]
    return entries[0] if np.ndim(v) == 0 else "(" + ", ".join(entries) + ")"


def node_label(title: str, value: np.ndarray | None, grad: np.ndarray | None) -> str:
    """The text of one node: how it is computed, its value, and its gradient."""
    lines = [title]
    if value is not None:
        lines.append(vector_text(value))
    if grad is not None:
        lines.append("grad " + vector_text(grad))
    return "\n".join(lines)


def two_branch_graph(example: dict[str, np.ndarray] = twobranch.EXAMPLE) -> Figure:
    """The computational graph: a box per variable (how it is computed, its value, dL/d(variable)),
    an arrow per dependency; weights are the lavender boxes (their gradients are in the chapter's
    table)."""
    table = graph_values(example)
    fig = Figure(figsize=(14, 5))
    ax = fig.add_subplot()
    boxes = {}
    for name, ((x, y), title) in NODES.items():
        value, grad = table.get(name, (None, None))
        colour = "lavender" if name.startswith("W") else "honeydew"
        boxes[name] = ax.text(x, y, node_label(title, value, grad), ha="center", va="center", fontsize=8,
                              gid=name, bbox={"boxstyle": "round", "fc": colour, "ec": "gray"})
    for parent, child in EDGES:
        vertical = parent.startswith("W")
        start = ((0.5, 0.0) if NODES[parent][0][1] > NODES[child][0][1] else (0.5, 1.0)) if vertical else (1.0, 0.5)
        end = ((0.5, 1.0) if start[1] == 0.0 else (0.5, 0.0)) if vertical else (0.0, 0.5)
        ax.annotate("", xy=end, xycoords=boxes[child], xytext=start, textcoords=boxes[parent], gid="edge",
                    arrowprops={"arrowstyle": "->", "color": "gray", "shrinkA": 4, "shrinkB": 4})
    ax.set_xlim(-0.8, 11.9)
    ax.set_ylim(-2.2, 4.2)
    ax.axis("off")
    ax.set_title("the two-branch network on the worked example (class 2): each node's value and dL/d(node)",
                 fontsize=10)
    fig.tight_layout()
    return fig
