"""Model builders over ``nn.Sequential``, and parameter counting (syllabus 10)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlcourse import initializers, nn

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}


def mlp_param_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a dense net with layer widths ``sizes``: sum_i (n_i + 1) n_{i+1}.

    For input 20, five hidden layers of 10 and one output this is 661 (003 Q1d).
    """
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    dropout: float = 0.0,
    batchnorm: bool = False,
    init=None,
    seed: int | None = 0,
) -> nn.Sequential:
    """Dense layers of widths ``sizes`` (input first, logits last) with ``activation`` between.

    He initialisation for ReLU-like activations, Glorot otherwise, unless ``init`` is given.
    """
    rng = np.random.default_rng(seed)
    if init is None:
        init = initializers.he_normal if "relu" in activation else initializers.glorot_uniform
    mods: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(nn.Dense(a, b, init, rng))
        if i < len(sizes) - 2:
            if batchnorm:
                mods.append(nn.BatchNorm(b))
            mods.append(ACTIVATIONS[activation]())
            if dropout:
                mods.append(nn.Dropout(dropout, rng))
    return nn.Sequential(mods)


def cnn(
    input_shape: tuple[int, int, int],
    n_classes: int,
    channels: Sequence[int] = (16, 32),
    hidden: int = 64,
    batchnorm: bool = False,
    dropout: float = 0.0,
    seed: int | None = 0,
) -> nn.Sequential:
    """[conv3x3 (same) -> (BN) -> ReLU -> maxpool2] per entry of ``channels``, then flatten,
    dense ``hidden`` -> ReLU -> (dropout) -> dense ``n_classes``. Images are NHWC."""
    rng = np.random.default_rng(seed)
    h, w, c = input_shape
    mods: list[nn.Module] = []
    for c_out in channels:
        mods.append(nn.Conv2D(c, c_out, kernel=3, pad=1, rng=rng))
        if batchnorm:
            mods.append(nn.BatchNorm(c_out))
        mods += [nn.ReLU(), nn.MaxPool2D(2)]
        c, h, w = c_out, h // 2, w // 2
    mods += [nn.Flatten(), nn.Dense(h * w * c, hidden, initializers.he_normal, rng), nn.ReLU()]
    if dropout:
        mods.append(nn.Dropout(dropout, rng))
    mods.append(nn.Dense(hidden, n_classes, initializers.glorot_uniform, rng))
    return nn.Sequential(mods)


def _fan_in_bias(layer: nn.Module, rng: np.random.Generator) -> nn.Module:
    """The bias PyTorch gives a layer by default, U(-a, a) with a = 1 / sqrt(fan_in)."""
    w = layer.params["w"]
    layer.params["b"] = initializers.fan_in_uniform((w.size // w.shape[-1], w.shape[-1]), rng)[0]
    return layer


def _fan_in_dense(n_in: int, n_out: int, rng: np.random.Generator) -> nn.Dense:
    return _fan_in_bias(nn.Dense(n_in, n_out, initializers.fan_in_uniform, rng), rng)


def cnn1d(length: int, n_classes: int, channels: int = 25, seed: int | None = 0) -> nn.Sequential:
    """MNIST-1D's CNN as its paper's repository builds it: three 1-D convolutions (kernels 5, 3,
    3, stride 2, padding 1, ReLU), then dense to the logits, every weight and bias drawn as
    PyTorch draws them (``initializers.fan_in_uniform``). A signal (N, L) is treated as an image
    (N, L, 1, 1)."""
    rng = np.random.default_rng(seed)
    mods: list[nn.Module] = [nn.Reshape((length, 1, 1))]
    c, n = 1, length
    for k in (5, 3, 3):
        conv = nn.Conv2D(c, channels, kernel=(k, 1), stride=(2, 1), pad=(1, 0), init=initializers.fan_in_uniform,
                         rng=rng)
        mods += [_fan_in_bias(conv, rng), nn.ReLU()]
        c, n = channels, (n + 2 - k) // 2 + 1
    mods += [nn.Flatten(), _fan_in_dense(n * c, n_classes, rng)]
    return nn.Sequential(mods)


def mnist1d_linear(n_in: int, n_classes: int, seed: int | None = 0) -> nn.Sequential:
    """MNIST-1D's logistic regression as its paper's repository builds it: one dense layer to the
    logits, drawn as PyTorch draws it (``initializers.fan_in_uniform``), so runs of different
    seeds start apart where ``softmax_regression``'s zeros would make them all one."""
    return nn.Sequential([_fan_in_dense(n_in, n_classes, np.random.default_rng(seed))])


def mnist1d_mlp(n_in: int, n_classes: int, hidden: int = 100, seed: int | None = 0) -> nn.Sequential:
    """MNIST-1D's MLP as its paper's repository builds it: dense to ``hidden`` and ReLU, then a
    residual block ``h + ReLU(dense(h))``, then dense to the logits, drawn as PyTorch draws them
    (``initializers.fan_in_uniform``). The skip connection is what sets it apart from
    ``mlp([n_in, hidden, hidden, n_classes])``."""
    rng = np.random.default_rng(seed)
    block = nn.Sequential([_fan_in_dense(hidden, hidden, rng), nn.ReLU()])
    return nn.Sequential([_fan_in_dense(n_in, hidden, rng), nn.ReLU(), nn.Residual(block),
                          _fan_in_dense(hidden, n_classes, rng)])


def softmax_regression(n_in: int, n_classes: int, seed: int | None = 0) -> nn.Sequential:
    """One dense layer: multinomial logistic regression when trained with softmax cross-entropy."""
    return nn.Sequential([nn.Flatten(), nn.Dense(n_in, n_classes, initializers.zeros, seed)])
