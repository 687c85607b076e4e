"""Plots shared by the book, the experiments and the grader's summaries."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

PANELS = (("loss", "training loss"), ("accuracy", "training accuracy"), ("test_accuracy", "test accuracy"))


def plot_histories(histories: dict[str, object], title: str = "",
                   panels: tuple[tuple[str, str], ...] = PANELS) -> Figure:
    """One panel per (field, label) of ``panels``, one line per run: by default training loss,
    training accuracy and test accuracy per epoch, from ``History`` objects."""
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.6))
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
