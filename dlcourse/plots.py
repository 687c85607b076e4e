"""Plots shared by the book, the experiments and the grader's summaries."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from dlcourse.train import History


def plot_histories(histories: dict[str, History], title: str = "") -> Figure:
    """Training loss, training accuracy and test accuracy per epoch, one line per run."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    panels = [("loss", "training loss"), ("accuracy", "training accuracy"), ("test_accuracy", "test accuracy")]
    for ax, (field, label) in zip(axes, panels):
        for name, h in histories.items():
            values = getattr(h, field)
            if values:
                ax.plot(range(1, len(values) + 1), values, label=name)
        ax.set_xlabel("epoch")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
