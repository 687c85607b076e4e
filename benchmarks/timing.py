"""Shared helpers of the benchmarks: a best-of-n timer, interleaved rounds of two sides, table rows."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

PAUSE_S = 0.3  # OpenBLAS's idle workers spin for about 0.1 s before they sleep


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


def interleaved_times(
    ours: Callable[[], object], theirs: Callable[[], object], rounds: int = 7, repeat: int = 5
) -> tuple[list[float], list[float]]:
    """Best-of-``repeat`` times of both sides in each of ``rounds`` rounds, the side that goes
    first alternating: load from elsewhere on a shared machine then slows both sides of a round
    rather than one side of the whole run. Before each side, a pause lets the other side's idle
    worker threads (OpenBLAS's, TensorFlow's), which spin a while after a call, go to sleep."""
    times: tuple[list[float], list[float]] = ([], [])
    for r in range(rounds):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for side in order:
            time.sleep(PAUSE_S)
            times[side].append(best_time((ours, theirs)[side], repeat, warmup=2))
    return times


def median_row(label: str, ours: list[float], theirs: list[float], target: str) -> str:
    """Median times of the rounds and the median of the per-round ratios, with their range."""
    ratios = sorted(a / b for a, b in zip(ours, theirs))
    return (f"{label:<34} {statistics.median(ours) * 1e3:9.2f} ms {statistics.median(theirs) * 1e3:9.2f} ms "
            f"{statistics.median(ratios):7.2f}x  [{ratios[0]:.2f}-{ratios[-1]:.2f}]   target {target}")


def row(label: str, ours: float, theirs: float, target: str) -> str:
    return f"{label:<34} {ours * 1e3:9.2f} ms {theirs * 1e3:9.2f} ms {ours / theirs:7.2f}x   target {target}"


def numpy_step(model, optimizer, X, y) -> Callable[[], None]:
    """A closure doing one dlcourse training step per call, carrying the optimiser's state."""
    from dlcourse.train import train_step

    state = optimizer.init(model.parameters())

    def step() -> None:
        nonlocal state
        _, _, state = train_step(model, optimizer, state, X, y)

    return step


def tensorflow_step(model, optimizer, X, y) -> Callable[[], object]:
    """A closure doing one compiled Keras training step (GradientTape) per call."""
    from dlcourse.tf import keras, tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    Xt, yt = tf.constant(X), tf.constant(y)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(yt, model(Xt, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    return lambda: step().numpy()
