"""Training throughput (examples/s) of the same MLP and CNN in dlcourse (NumPy) and in
TensorFlow (a compiled GradientTape step), side by side on this machine.

Run: .venv/bin/python benchmarks/bench_throughput.py
"""
from __future__ import annotations

import numpy as np
from timing import best_time, numpy_step, tensorflow_step

from dlcourse import models, optim
from dlcourse.tf import keras
from dlcourse.tf import models as tf_models

BATCH = 128


def main() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, BATCH)
    cases = {
        "MLP 784-256-128-10": (rng.standard_normal((BATCH, 784), dtype=np.float32),
                               lambda: models.mlp([784, 256, 128, 10]),
                               lambda: tf_models.mlp([784, 256, 128, 10])),
        "CNN 28x28x1, conv 16-32, dense 64": (rng.standard_normal((BATCH, 28, 28, 1), dtype=np.float32),
                                              lambda: models.cnn((28, 28, 1), 10),
                                              lambda: tf_models.cnn((28, 28, 1), 10)),
    }
    print(f"training throughput, batch {BATCH}, float32, Adam")
    print(f"{'':<36}{'dlcourse':>14}{'TensorFlow':>14}{'ours/TF':>9}")
    for name, (X, ours, theirs) in cases.items():
        t_ours = best_time(numpy_step(ours().astype(np.float32), optim.Adam(1e-3), X, y), repeat=10)
        t_tf = best_time(tensorflow_step(theirs(), keras.optimizers.Adam(1e-3), X, y), repeat=10)
        print(f"{name:<36}{BATCH / t_ours:>10.0f} ex/s{BATCH / t_tf:>10.0f} ex/s{t_tf / t_ours:>7.2f}x")


if __name__ == "__main__":
    main()
