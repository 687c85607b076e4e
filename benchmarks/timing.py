"""Shared helpers of the benchmarks: a best-of-n timer and a table row."""
from __future__ import annotations

import time
from collections.abc import Callable


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
