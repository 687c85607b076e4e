"""Figure of chapter 3: logistic regression has a finite minimiser on overlapping classes and none
on separable ones, where the loss keeps falling as the weights grow."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dlcourse import losses

# The direction that separates the separable data set: its labels are [u^T x > 0].
SEPARATING_DIRECTION = np.array([1.0, 1.0]) / np.sqrt(2.0)


def logistic_data(separable: bool, n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points X (n, 2) of two classes y in {0, 1}, split by the line u^T x = 0 for
    u = SEPARATING_DIRECTION; unless ``separable``, noise on the score makes the classes overlap."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    noise = 0.0 if separable else rng.standard_normal(n)
    y = (X @ SEPARATING_DIRECTION + noise > 0).astype(float)
    return X, y


def gradient_descent_path(X: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    """The weights (steps + 1, d) of gradient descent on E from w = 0, with step 4 / lambda_max(X^T X):
    the Hessian X^T diag(z(1 - z)) X is at most X^T X / 4, so the step is 1 / (smoothness)."""
    step = 4.0 / np.linalg.eigvalsh(X.T @ X).max()
    path = [np.zeros(X.shape[1])]
    for _ in range(steps):
        path.append(path[-1] - step * losses.logistic_gradient(path[-1], X, y))
    return np.array(path)


def separable_vs_overlapping(steps: int = 5000) -> Figure:
    """Left: E(t u) / N along the separating direction u, for both data sets. Right: the norm of
    the gradient-descent iterate against the step number."""
    data = {"separable": logistic_data(True), "overlapping": logistic_data(False)}
    scales = np.linspace(0.0, 30.0, 301)
    fig = Figure(figsize=(10, 3.8))
    ray, norms = fig.subplots(1, 2)
    for (name, (X, y)), colour in zip(data.items(), ["tab:blue", "tab:orange"]):
        loss = [losses.logistic_loss(t * SEPARATING_DIRECTION, X, y) / len(y) for t in scales]
        ray.plot(scales, loss, color=colour, label=name, gid=name)
        path = gradient_descent_path(X, y, steps)
        norms.plot(np.arange(1, steps + 1), np.linalg.norm(path[1:], axis=1), color=colour, label=name, gid=name)
    ray.set_yscale("log")
    ray.set_xlabel("t")
    ray.set_ylabel(r"mean loss $E(t\,u)/N$")
    ray.set_title("the loss along the separating direction u", fontsize=10)
    norms.set_xscale("log")
    norms.set_xlabel("gradient-descent step k")
    norms.set_ylabel(r"$\|w_k\|$")
    norms.set_title("the weights' norm under gradient descent", fontsize=10)
    for ax in (ray, norms):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig
