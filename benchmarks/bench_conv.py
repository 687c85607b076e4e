"""conv2d forward+backward: dlcourse (im2col, NumPy) vs tf.nn.conv2d under GradientTape.

Run: .venv/bin/python benchmarks/bench_conv.py [--rounds 7] [--threads N]

Each row times both sides in interleaved rounds (best of 5 calls per side per round) and
prints the median times, the median of the per-round ratios and their range: the machine
is shared, so one best-of run of each side would compare two different moments.

``--threads N`` gives both sides N threads (OpenBLAS under NumPy, TensorFlow's thread pools);
by default each library picks its own. When other work keeps the cores busy, OpenBLAS can
wait a scheduler tick at each call for a worker thread that is not running, while
TensorFlow's pool lets the calling thread do the work; one thread each compares the code
rather than that.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
from threadpoolctl import threadpool_limits
from timing import interleaved_times, median_row

from dlcourse import layers
from dlcourse.quiet_tf import import_tensorflow

tf = import_tensorflow()

CASES = [  # (batch, H, W, C_in, C_out, stride, pad)
    (64, 28, 28, 1, 16, 1, 1),
    (64, 14, 14, 16, 32, 1, 1),
    (32, 32, 32, 3, 32, 1, 1),
    (32, 16, 16, 32, 64, 2, 1),
]
TARGET = 1.5


def conv_pair(case: tuple[int, ...], need_dx: bool):
    """One forward and backward pass of each side, as closures, given the same upstream
    gradient; without dx both sides compute only the kernel and bias gradients, as for a
    network's first layer in training."""
    n, h, w, c, f, s, p = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal((3, 3, c, f), dtype=np.float32)
    b = np.zeros(f, np.float32)
    dout = rng.standard_normal(layers.conv2d_forward(x, k, b, s, p)[0].shape, dtype=np.float32)

    def ours() -> None:
        _, cache = layers.conv2d_forward(x, k, b, s, p)
        layers.conv2d_backward(dout, cache, need_dx)

    xt, kt, bt, dout_t = tf.Variable(x), tf.Variable(k), tf.Variable(b), tf.constant(dout)
    padding = [[0, 0], [p, p], [p, p], [0, 0]]
    wrt = [xt, kt, bt] if need_dx else [kt, bt]

    @tf.function
    def theirs():
        with tf.GradientTape() as tape:
            out = tf.nn.conv2d(xt, kt, s, padding) + bt
        return tape.gradient(out, wrt, output_gradients=dout_t)

    return ours, lambda: theirs()[0].numpy()


def main(rounds: int, threads: int | None) -> None:
    if threads:
        threadpool_limits(threads, user_api="blas")
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"conv2d 3x3 forward+backward, float32, {threads or 'default'} threads, {load}")
    print(f"median of {rounds} interleaved rounds [range of the per-round ratio]")
    print(f"{'':<34} {'dlcourse':>12} {'TensorFlow':>12} {'ratio':>8}")
    rows = [(case, True) for case in CASES] + [(CASES[0], False)]
    for case, need_dx in rows:
        n, h, w, c, f, s, _ = case
        label = f"{n}x{h}x{w}x{c} -> {f}, stride {s}" + ("" if need_dx else ", no dx")
        ours, theirs = interleaved_times(*conv_pair(case, need_dx), rounds=rounds)
        print(median_row(label, ours, theirs, f"<= {TARGET}x"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="threads of each side (default: their own)")
    args = parser.parse_args()
    main(args.rounds, args.threads)
