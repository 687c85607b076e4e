"""The two-branch network of syllabus 2, built from ``layers`` and ``losses``.

l1 = ReLU(W1 x), l21 = ReLU(W21 l1), l22 = sigmoid(W22 l1), z = max(l21, l22) (ties to l21),
y_hat = softmax(z), L = -sum_i y_i log y_hat_i. Weights are (out, in) as in the syllabus;
x is a batch (N, 4) and the loss is averaged over it.
"""
from __future__ import annotations

import numpy as np

from dlcourse import layers, losses

# The worked example of syllabus 2: one input of class 2 (index 1).
EXAMPLE = {
    "x": np.array([[1.0, 2.0, 3.0, 1.0]]),
    "y": np.array([1]),
    "W1": np.array([[-1.0, 0.0, 1.0, -1.0], [0.0, -1.0, 1.0, 1.0]]),
    "W21": np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]]),
    "W22": np.array([[2.0, -1.0], [4.0, -2.0], [-2.0, 1.0]]),
}


def _linear(x: np.ndarray, W: np.ndarray):
    return layers.affine_forward(x, W.T, np.zeros(W.shape[0]))


def forward(x: np.ndarray, y: np.ndarray, W1: np.ndarray, W21: np.ndarray, W22: np.ndarray):
    """Returns (values, cache): values holds every intermediate (pre1, l1, l21, l22, z, y_hat, L)."""
    pre1, c_fc1 = _linear(x, W1)
    l1, c_r1 = layers.relu_forward(pre1)
    pre21, c_fc21 = _linear(l1, W21)
    l21, c_r21 = layers.relu_forward(pre21)
    pre22, c_fc22 = _linear(l1, W22)
    l22, c_s22 = layers.sigmoid_forward(pre22)
    z, c_max = layers.max2_forward(l21, l22)
    loss, dz = losses.softmax_cross_entropy(z, y)
    values = {"pre1": pre1, "l1": l1, "l21": l21, "l22": l22, "z": z,
              "y_hat": losses.softmax(z), "L": loss}
    return values, (c_fc1, c_r1, c_fc21, c_r21, c_fc22, c_s22, c_max, dz)


def backward(cache) -> dict[str, np.ndarray]:
    """Every gradient the syllabus asks for: dL/dz, dL/dl21, dL/dl22, dL/dW22, dL/dW21, dL/dl1, dL/dW1."""
    c_fc1, c_r1, c_fc21, c_r21, c_fc22, c_s22, c_max, dz = cache
    (dl21, dl22), _ = layers.max2_backward(dz, c_max)
    dpre21, _ = layers.relu_backward(dl21, c_r21)
    dl1_a, g21 = layers.affine_backward(dpre21, c_fc21)
    dpre22, _ = layers.sigmoid_backward(dl22, c_s22)
    dl1_b, g22 = layers.affine_backward(dpre22, c_fc22)
    dl1 = dl1_a + dl1_b
    dpre1, _ = layers.relu_backward(dl1, c_r1)
    dx, g1 = layers.affine_backward(dpre1, c_fc1)
    return {"z": dz, "l21": dl21, "l22": dl22, "W22": g22["w"].T, "W21": g21["w"].T,
            "l1": dl1, "W1": g1["w"].T, "x": dx}
