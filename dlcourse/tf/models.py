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


def _fan_in_uniform(fan_in: int) -> dict:
    """PyTorch's default draw for a layer's kernel and bias, U(-a, a) with a = 1 / sqrt(fan_in)
    (``dlcourse.initializers.fan_in_uniform``), as arguments to a Keras layer."""
    a = fan_in ** -0.5
    return {"kernel_initializer": keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"),
            "bias_initializer": keras.initializers.RandomUniform(-a, a)}


def cnn1d(length: int, n_classes: int, channels: int = 25) -> keras.Sequential:
    """MNIST-1D's CNN as its paper's repository builds it (``dlcourse.models.cnn1d``): three
    conv1d layers (25 channels, kernel 5, 3, 3, stride 2, padding 1) with ReLU, then a dense
    layer to the logits, drawn as PyTorch draws them."""
    layers: list = [keras.Input((length,)), keras.layers.Reshape((length, 1))]
    c, n = 1, length
    for k in (5, 3, 3):
        layers += [keras.layers.ZeroPadding1D(1),
                   keras.layers.Conv1D(channels, k, strides=2, activation="relu", **_fan_in_uniform(k * c))]
        c, n = channels, (n + 2 - k) // 2 + 1
    layers += [keras.layers.Flatten(), keras.layers.Dense(n_classes, **_fan_in_uniform(n * c))]
    return keras.Sequential(layers)


def mnist1d_linear(n_in: int, n_classes: int) -> keras.Sequential:
    """MNIST-1D's logistic regression as its paper's repository builds it (``dlcourse.models.
    mnist1d_linear``): one dense layer to the logits, drawn as PyTorch draws it."""
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_classes, **_fan_in_uniform(n_in))])


def mnist1d_mlp(n_in: int, n_classes: int, hidden: int = 100) -> keras.Model:
    """MNIST-1D's MLP as its paper's repository builds it (``dlcourse.models.mnist1d_mlp``): dense
    to ``hidden`` and ReLU, a residual block ``h + ReLU(dense(h))``, dense to the logits, drawn
    as PyTorch draws them."""
    x = keras.Input((n_in,))
    h = keras.layers.Dense(hidden, activation="relu", **_fan_in_uniform(n_in))(x)
    h = keras.layers.Add()([h, keras.layers.Dense(hidden, activation="relu", **_fan_in_uniform(hidden))(h)])
    return keras.Model(x, keras.layers.Dense(n_classes, **_fan_in_uniform(hidden))(h))


def softmax_regression(n_in: int, n_classes: int) -> keras.Sequential:
    """Multinomial logistic regression: one dense layer to the logits."""
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_classes)])
