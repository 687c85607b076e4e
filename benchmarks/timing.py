"""Shared helpers of the benchmarks: a best-of-n timer and a table row."""
from __future__ import annotations

import time
from typing import Callable


def best_time(fn: Callable[[], object], repeat: int = 20, warmup: int = 3) -> float:
    """The fastest of ``repeat`` calls, in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def row(label: str, ours: float, theirs: float, target: str) -> str:
    return f"{label:<34} {ours * 1e3:9.2f} ms {theirs * 1e3:9.2f} ms {ours / theirs:7.2f}x   target {target}"


def numpy_step(model, rule, X, y) -> Callable[[], None]:
    """A closure doing one dlcourse training step per call, carrying the rule's state."""
    from dlcourse.train import train_step

    state = rule.init(model.parameters())

    def step() -> None:
        nonlocal state
        _, _, state = train_step(model, rule, state, X, y)

    return step
