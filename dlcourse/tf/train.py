"""Training helper for Keras models: ``fit``, the Keras twin of ``dlcourse.train.fit`` (same
arguments, same ``History``), as a GradientTape loop (the one the course teaches), so NumPy
and TensorFlow runs are drawn by the same code.

Batches come from ``dlcourse.train.batches`` with the same seed as the NumPy trainer, so the
two see the data in the same order.
"""
from __future__ import annotations

import numpy as np
from tqdm import tqdm  # the plain bar, as dlcourse.train

from dlcourse.tf import keras, tf
from dlcourse.train import History, batches


def fit(
    model: keras.Model,
    X: np.ndarray,
    y: np.ndarray,
    optimizer: keras.optimizers.Optimizer,
    epochs: int = 10,
    batch_size: int = 64,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int = 0,
    progress: bool = True,
    shuffle: bool = True,
) -> History:
    """Trains ``model`` (logits out) on sparse softmax cross-entropy plus its regularisation
    losses; per epoch records the training loss and accuracy (means over the epoch's batches)
    and, with ``test``, the test loss and accuracy. ``shuffle=False`` keeps the data's order in
    every epoch (as the NumPy trainer's ``seed=None``); ``seed`` still seeds Keras."""
    keras.utils.set_random_seed(seed)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dtype = model.inputs[0].dtype if getattr(model, "inputs", None) else "float32"

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = loss_fn(yb, logits)
            total = loss + tf.add_n(model.losses) if model.losses else loss
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss, tf.reduce_sum(tf.cast(tf.argmax(logits, 1) == tf.cast(yb, tf.int64), tf.int32))

    @tf.function(reduce_retracing=True)
    def evaluate(xb, yb):
        logits = model(xb, training=False)
        return loss_fn(yb, logits), tf.reduce_mean(tf.cast(tf.argmax(logits, 1) == tf.cast(yb, tf.int64), tf.float32))

    X = np.asarray(X, dtype=dtype)
    rng = np.random.default_rng(seed) if shuffle else None
    hist = History()
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        total_loss, correct = 0.0, 0
        for idx in batches(len(X), batch_size, rng):
            loss, c = step(X[idx], y[idx])
            total_loss += float(loss) * len(idx)
            correct += int(c)
        hist.loss.append(total_loss / len(X))
        hist.accuracy.append(correct / len(X))
        if test is not None:
            tl, ta = evaluate(np.asarray(test[0], dtype=dtype), test[1])
            hist.test_loss.append(float(tl))
            hist.test_accuracy.append(float(ta))
        bar.set_postfix(hist.latest())
    return hist
