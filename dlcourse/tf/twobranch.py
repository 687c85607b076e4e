"""The two-branch network of syllabus 2 as a Keras model (weights (out, in), no biases):
l1 = ReLU(W1 x), z = max(ReLU(W21 l1), sigmoid(W22 l1)) with ties to the first branch."""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dlcourse.tf import tf


class TwoBranch(keras.Model):
    def __init__(self, W1: np.ndarray, W21: np.ndarray, W22: np.ndarray, **kwargs):
        super().__init__(dtype="float64", **kwargs)  # else Keras autocasts the inputs to float32
        # assigned after creation: a Constant initialiser would round the values through float32
        self.W1, self.W21, self.W22 = (self.add_weight(shape=W.shape, initializer="zeros", name=name, dtype="float64")
                                       for W, name in ((W1, "W1"), (W21, "W21"), (W22, "W22")))
        for var, W in ((self.W1, W1), (self.W21, W21), (self.W22, W22)):
            var.assign(W)

    def call(self, x):
        l1 = ops.relu(ops.matmul(x, ops.transpose(self.W1)))
        l21 = ops.relu(ops.matmul(l1, ops.transpose(self.W21)))
        l22 = ops.sigmoid(ops.matmul(l1, ops.transpose(self.W22)))
        return ops.where(l21 >= l22, l21, l22)  # the logits z


def gradients(x: np.ndarray, y: np.ndarray, W1: np.ndarray, W21: np.ndarray, W22: np.ndarray) -> dict[str, np.ndarray]:
    """Loss (mean softmax cross-entropy) and dL/dW1, dL/dW21, dL/dW22, dL/dz by GradientTape."""
    model = TwoBranch(W1, W21, W22)
    xt = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        z = model(xt)
        tape.watch(z)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True))
    gz, g1, g21, g22 = tape.gradient(loss, [z, model.W1, model.W21, model.W22])
    return {"L": float(loss), "z": gz.numpy(), "W1": g1.numpy(), "W21": g21.numpy(), "W22": g22.numpy()}
