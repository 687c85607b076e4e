"""conv2d forward+backward: dlcourse (im2col, NumPy) vs tf.nn.conv2d under GradientTape.

Run: .venv/bin/python benchmarks/bench_conv.py
"""
from __future__ import annotations

import numpy as np
from timing import best_time, row

from dlcourse import layers
from dlcourse.quiet_tf import import_tensorflow

tf = import_tensorflow()

CASES = [  # (batch, H, W, C_in, C_out, stride, pad)
    (64, 28, 28, 1, 16, 1, 1),
    (64, 14, 14, 16, 32, 1, 1),
    (32, 32, 32, 3, 32, 1, 1),
    (32, 16, 16, 32, 64, 2, 1),
]


def main() -> None:
    print(f"conv2d 3x3 forward+backward, float32\n{'':<34} {'dlcourse':>12} {'TensorFlow':>12} {'ratio':>8}")
    for n, h, w, c, f, s, p in CASES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, h, w, c), dtype=np.float32)
        k = rng.standard_normal((3, 3, c, f), dtype=np.float32)
        b = np.zeros(f, np.float32)

        def ours():
            out, cache = layers.conv2d_forward(x, k, b, s, p)
            layers.conv2d_backward(np.ones_like(out), cache)

        xt, kt, bt = tf.Variable(x), tf.Variable(k), tf.Variable(b)
        padding = [[0, 0], [p, p], [p, p], [0, 0]]

        @tf.function
        def theirs():
            with tf.GradientTape() as tape:
                out = tf.nn.conv2d(xt, kt, s, padding) + bt
            return tape.gradient(out, [xt, kt, bt])

        print(row(f"{n}x{h}x{w}x{c} -> {f}, stride {s}", best_time(ours, 10),
                  best_time(lambda: theirs()[0].numpy(), 10), "<= 3x"))


if __name__ == "__main__":
    main()
