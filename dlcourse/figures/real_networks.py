"""Figure of chapter 12: how the three committee rules of ``dlcourse.experiments.committee``
(majority vote, mean and median of the members' probabilities) treat one member's confident
mistake."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

# Five members' probabilities for one example of class 0 over three classes: four lean, not
# strongly, to the right class; the last is sure of a wrong one.
EXAMPLE_MEMBERS = np.array([
    [0.60, 0.40, 0.00],
    [0.55, 0.45, 0.00],
    [0.50, 0.30, 0.20],
    [0.60, 0.30, 0.10],
    [0.00, 1.00, 0.00],
])
RULES = ("majority vote", "mean", "median")


def committee_scores(probabilities: np.ndarray, rule: str) -> np.ndarray:
    """Per-class scores of a committee from its members' probabilities (members, ..., classes),
    as ``committee.run`` combines them: each member's vote share, or the mean or median
    probability over the members. The committee predicts the class with the largest score."""
    if rule == "majority vote":
        classes = probabilities.shape[-1]
        return np.eye(classes)[probabilities.argmax(axis=-1)].mean(axis=0)
    if rule == "mean":
        return probabilities.mean(axis=0)
    if rule == "median":
        return np.median(probabilities, axis=0)
    raise ValueError(f"rule must be one of {RULES}, got {rule!r}")


def committee_rules(members: np.ndarray = EXAMPLE_MEMBERS, true_class: int = 0) -> Figure:
    """Left: each member's probabilities. Right: each rule's per-class scores, with the class
    it predicts outlined and marked right or wrong."""
    n_members, n_classes = members.shape
    width = 0.8 / n_classes
    offsets = (np.arange(n_classes) - (n_classes - 1) / 2) * width
    colours = [f"C{c}" for c in range(n_classes)]
    fig = Figure(figsize=(10, 3.4))
    left, right = fig.subplots(1, 2, sharey=True)
    for c in range(n_classes):
        left.bar(np.arange(n_members) + offsets[c], members[:, c], width, color=colours[c], label=f"class {c}")
    left.set_xticks(range(n_members), [f"member {m + 1}" for m in range(n_members)])
    left.set_ylabel("probability")
    left.set_title(f"the members (true class {true_class})")
    left.legend(fontsize=8)
    for r, rule in enumerate(RULES):
        scores = committee_scores(members, rule)
        chosen = int(scores.argmax())
        for c in range(n_classes):
            right.bar(r + offsets[c], scores[c], width, color=colours[c], edgecolor="black" if c == chosen else "none",
                      linewidth=2, gid=f"{rule}:{c}")
        verdict = "right" if chosen == true_class else "wrong"
        right.text(r + offsets[chosen], scores[chosen] + 0.03, verdict, ha="center", fontsize=9, gid="verdict")
    right.set_xticks(range(len(RULES)), RULES)
    right.set_title("the committee's scores; its choice outlined")
    for ax in (left, right):
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig
