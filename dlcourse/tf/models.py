"""Keras model builders matching the NumPy ones in ``dlcourse.models`` (logits out)."""
from __future__ import annotations

from collections.abc import Sequence

import keras

from dlcourse.tf import tf  # noqa: F401


def mlp(sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0, batchnorm: bool = False,
        dtype: str = "float32") -> keras.Sequential:
    """Dense layers of widths ``sizes`` (input first, logits last), He init for ReLU, Glorot otherwise."""
    init = "he_normal" if "relu" in activation else "glorot_uniform"
    layers: list = [keras.Input((sizes[0],), dtype=dtype)]
    for i, n in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        layers.append(keras.layers.Dense(n, kernel_initializer="glorot_uniform" if last else init, dtype=dtype))
        if not last:
            if batchnorm:
                layers.append(keras.layers.BatchNormalization(dtype=dtype))
            layers.append(keras.layers.Activation(activation, dtype=dtype))
            if dropout:
                layers.append(keras.layers.Dropout(dropout, dtype=dtype))
    return keras.Sequential(layers)


def cnn(input_shape: tuple[int, int, int], n_classes: int, channels: Sequence[int] = (16, 32), hidden: int = 64,
        batchnorm: bool = False, dropout: float = 0.0) -> keras.Sequential:
    """[conv3x3 same -> (BN) -> ReLU -> maxpool2] per channel count, dense hidden -> ReLU ->
    (dropout) -> dense n_classes: the same architecture as ``dlcourse.models.cnn``."""
    layers: list = [keras.Input(input_shape)]
    for c in channels:
        layers.append(keras.layers.Conv2D(c, 3, padding="same", kernel_initializer="he_normal"))
        if batchnorm:
            layers.append(keras.layers.BatchNormalization())
        layers += [keras.layers.ReLU(), keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.Flatten(), keras.layers.Dense(hidden, activation="relu", kernel_initializer="he_normal")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(n_classes))
    return keras.Sequential(layers)


def cnn1d(length: int, n_classes: int, channels: int = 25) -> keras.Sequential:
    """MNIST-1D's CNN: three conv1d layers (25 channels, kernel 5, 3, 3, stride 2, padding 1)
    with ReLU, then a dense layer to the logits."""
    layers: list = [keras.Input((length,)), keras.layers.Reshape((length, 1))]
    for k in (5, 3, 3):
        layers += [keras.layers.ZeroPadding1D(1), keras.layers.Conv1D(channels, k, strides=2, activation="relu")]
    layers += [keras.layers.Flatten(), keras.layers.Dense(n_classes)]
    return keras.Sequential(layers)


def softmax_regression(n_in: int, n_classes: int) -> keras.Sequential:
    """Multinomial logistic regression: one dense layer to the logits."""
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_classes)])
