"""MLP training step: dlcourse (NumPy) vs TensorFlow, and achieved GFLOP/s vs plain np.matmul.

Run: .venv/bin/python benchmarks/bench_mlp.py. Both sides run here, in one process, on the
same shapes in float32; the ratios are what to read, not the absolute times.
"""
from __future__ import annotations

import numpy as np
from timing import best_time, numpy_step, row, tensorflow_step

from dlcourse import models, optim
from dlcourse.quiet_tf import import_tensorflow

tf = import_tensorflow()

SIZES = [784, 512, 256, 10]


def dlcourse_step(batch: int):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((batch, SIZES[0]), dtype=np.float32), rng.integers(0, 10, batch)
    return numpy_step(models.mlp(SIZES, seed=0).astype(np.float32), optim.SGD(0.01), X, y)


def tf_step(batch: int):
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((SIZES[0],))] + [
        tf.keras.layers.Dense(n, activation="relu" if i < len(SIZES) - 2 else None) for i, n in enumerate(SIZES[1:])
    ])
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((batch, SIZES[0]), dtype=np.float32), rng.integers(0, 10, batch)
    return tensorflow_step(model, tf.keras.optimizers.SGD(0.01), X, y)


def mlp_flops(batch: int) -> float:
    """Per layer 2 B n_in n_out for the forward matmul and as much for dw and for dx, except
    that the first layer's dx is not computed (nor by TensorFlow)."""
    per_layer = [2.0 * batch * a * b for a, b in zip(SIZES[:-1], SIZES[1:])]
    return 3 * sum(per_layer) - per_layer[0]


def main() -> None:
    print(f"MLP {'-'.join(map(str, SIZES))}, float32, one SGD training step")
    print(f"{'':<34} {'dlcourse':>12} {'TensorFlow':>12} {'ratio':>8}")
    for batch in (256, 1024):
        ours, theirs = best_time(dlcourse_step(batch)), best_time(tf_step(batch))
        print(row(f"step, batch {batch}", ours, theirs, "<= 1.5x"))

    batch = 1024
    ours = best_time(dlcourse_step(batch))
    rng = np.random.default_rng(0)
    a = rng.standard_normal((batch, SIZES[0]), dtype=np.float32)
    b = rng.standard_normal((SIZES[0], SIZES[1]), dtype=np.float32)
    mm = best_time(lambda: a @ b)
    mlp_rate = mlp_flops(batch) / ours / 1e9
    mm_rate = 2.0 * batch * SIZES[0] * SIZES[1] / mm / 1e9
    print(f"\nbatch {batch}: MLP forward+backward {mlp_rate:.1f} GFLOP/s, np.matmul "
          f"({batch}x{SIZES[0]} @ {SIZES[0]}x{SIZES[1]}) {mm_rate:.1f} GFLOP/s: "
          f"{100 * mlp_rate / mm_rate:.0f}% of the matmul rate (target >= 60%)")


if __name__ == "__main__":
    main()
