"""Syllabus 10 (003 Q1a): the noise of a mini-batch gradient against the batch size.

For a batch of B examples drawn without replacement from N, the gradient g_B is unbiased
and E||g_B - g||^2 = (sigma^2 / B) (N - B) / (N - 1), sigma^2 the per-example variance:
the 1/B law, corrected for a finite data set.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from dlcourse import losses, models, optim
from dlcourse.data import load_digits
from dlcourse.train import fit


def _flat_grad(model, X, y) -> np.ndarray:
    _, d = losses.softmax_cross_entropy(model(X), y)
    _, grads = model.backward(d, need_dx=False)
    return np.concatenate([grads[k].ravel() for k in sorted(grads)])


def run(batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256), n_draws: int = 200,
        seed: int = 0) -> dict[str, np.ndarray]:
    """Measured E||g_B - g||^2 per batch size at a fixed, briefly trained MLP, and the law."""
    rng = np.random.default_rng(seed)
    Xtr, ytr, _, _ = load_digits(seed=seed)
    model = models.mlp([64, 32, 10], seed=seed)
    fit(model, Xtr, ytr, optim.SGD(0.05), epochs=1, seed=seed, progress=False)
    n = len(Xtr)
    full = _flat_grad(model, Xtr, ytr)
    per_example = np.stack([_flat_grad(model, Xtr[i : i + 1], ytr[i : i + 1]) for i in range(n)])
    sigma2 = float(((per_example - full) ** 2).sum(1).mean())
    measured = []
    for b in batch_sizes:
        draws = [rng.choice(n, b, replace=False) for _ in range(n_draws)]
        measured.append(np.mean([((_flat_grad(model, Xtr[i], ytr[i]) - full) ** 2).sum() for i in draws]))
    B = np.asarray(batch_sizes, dtype=float)
    return {"batch_size": B, "measured": np.asarray(measured), "law": sigma2 / B * (n - B) / (n - 1),
            "one_over_B": sigma2 / B}


def plot(result: dict[str, np.ndarray]) -> Figure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    B = result["batch_size"]
    ax.loglog(B, result["measured"], "o", label="measured E||g_B - g||^2")
    ax.loglog(B, result["one_over_B"], "--", label="sigma^2 / B")
    ax.loglog(B, result["law"], "-", alpha=0.6, label="sigma^2 / B (N - B) / (N - 1)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("gradient variance")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig
