"""Layers as pure forward/backward pairs, in the style of CS231n.

Every layer has ``out, cache = <name>_forward(x, ...)`` and
``dx, grads = <name>_backward(dout, cache)``, where ``grads`` maps parameter names
to gradients (empty for layers without parameters). Images are NHWC and conv kernels
are (KH, KW, C_in, C_out), as in TensorFlow, so the two can be compared directly.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Cache = Any
Grads = dict[str, np.ndarray]


# ---------------------------------------------------------------- dense layers
def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = x w + b, with x of shape (N, D), w (D, M), b (M,).

    Inputs with more than two axes are flattened to (N, D) first.
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout: np.ndarray, cache: Cache, need_dx: bool = True) -> tuple[np.ndarray | None, Grads]:
    """dx = dout w^T, dw = x^T dout, db = sum_n dout.

    ``need_dx=False`` skips dx (returns None): a network's first layer needs no input gradient.
    """
    x, w = cache
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape) if need_dx else None
    return dx, {"w": x2.T @ dout, "b": dout.sum(axis=0)}


def flatten_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """(N, ...) -> (N, prod(...)), row-major like Keras's Flatten."""
    return x.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """The gradient is the upstream gradient reshaped back."""
    return dout.reshape(cache), {}


# ---------------------------------------------------------------- activations
def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = max(x, 0)."""
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """dx = dout where x > 0, else 0 (the subgradient at 0 is taken as 0)."""
    return dout * (cache > 0), {}


def leaky_relu_forward(x: np.ndarray, alpha: float = 0.01) -> tuple[np.ndarray, Cache]:
    """out = x for x > 0, alpha x otherwise."""
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """dx = dout for x > 0, alpha dout otherwise."""
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout), {}


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function 1 / (1 + exp(-x))."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = 1 / (1 + exp(-x))."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """dx = dout * s (1 - s), with s the forward output."""
    s = cache
    return dout * s * (1.0 - s), {}


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = tanh(x)."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """dx = dout * (1 - tanh(x)^2)."""
    return dout * (1.0 - cache**2), {}


def max2_forward(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Elementwise max of two branches, out = max(a, b).

    Ties go to the first branch, as in the syllabus's worked example.
    """
    first = a >= b
    return np.where(first, a, b), first


def max2_backward(dout: np.ndarray, cache: Cache) -> tuple[tuple[np.ndarray, np.ndarray], Grads]:
    """The max routes the whole gradient to the branch that won: (da, db)."""
    first = cache
    return (dout * first, dout * ~first), {}


# ---------------------------------------------------------------- dropout
def dropout_forward(
    x: np.ndarray, rate: float, training: bool, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, Cache]:
    """Inverted dropout: out = x * m / (1 - rate), m ~ Bernoulli(1 - rate), in training only.

    At evaluation the layer is the identity, so no rescaling is needed there.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
    if not training or rate == 0.0:
        return x, None
    rng = np.random.default_rng(rng)
    mask = (rng.random(x.shape) >= rate) / (1.0 - rate)
    return x * mask, mask


def dropout_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """The mask multiplies the upstream gradient (syllabus 2, seed 001)."""
    mask = cache
    return (dout if mask is None else dout * mask), {}


# ---------------------------------------------------------------- batch norm
def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running: dict[str, np.ndarray],
    training: bool,
    momentum: float = 0.99,
    eps: float = 1e-3,
) -> tuple[np.ndarray, Cache]:
    """y = gamma (x - mu) / sqrt(var + eps) + beta, per feature (last axis).

    Training uses the batch's mean and (biased) variance and updates ``running`` in place
    as running = momentum * running + (1 - momentum) * batch (Keras's convention and
    defaults); evaluation uses the running statistics.
    """
    axes = tuple(range(x.ndim - 1))
    if training:
        mu = x.mean(axis=axes)
        var = x.var(axis=axes)
        running["mean"] = momentum * running["mean"] + (1 - momentum) * mu
        running["var"] = momentum * running["var"] + (1 - momentum) * var
    else:
        mu, var = running["mean"], running["var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std, training, axes)


def batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """Full backward pass, mean and variance terms included:

    dx = gamma / (n sigma) * (n dy - sum(dy) - xhat * sum(dy * xhat)).
    """
    xhat, gamma, inv_std, training, axes = cache
    grads = {"gamma": (dout * xhat).sum(axis=axes), "beta": dout.sum(axis=axes)}
    dxhat = dout * gamma
    if not training:
        return dxhat * inv_std, grads
    n = xhat.size // xhat.shape[-1]
    dx = (inv_std / n) * (
        n * dxhat - dxhat.sum(axis=axes) - xhat * (dxhat * xhat).sum(axis=axes)
    )
    return dx, grads


# ---------------------------------------------------------------- convolution
Pair = int | tuple[int, int]


def pair(v: Pair) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


# With at most this many input channels (grey, RGB, RGBA images: first layers), a window row holds
# too few numbers to copy or add quickly window by window, and a kernel offset's product in the
# backward pass is too thin for BLAS; both conv2d functions then go along whole image rows.
FEW_CHANNELS = 4


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: Pair = 1, pad: Pair = 0
) -> tuple[np.ndarray, Cache]:
    """out[n, i, j, f] = sum_{p, q, c} xpad[n, sh i + p, sw j + q, c] w[p, q, c, f] + b[f].

    Computed as one matrix product over the im2col patches (cross-correlation, as in TF).
    ``stride`` and ``pad`` are one int or an (along H, along W) pair; a 1-D convolution is
    a conv2d over (N, L, 1, C) with a (K, 1) kernel and pad (p, 0).
    """
    kh, kw, c, f = w.shape
    (sh, sw), (ph, pw) = pair(stride), pair(pad)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0))) if ph or pw else x
    # windows: (N, OH, OW, C, KH, KW) view, strided; no copy until the reshape.
    win = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    n, oh, ow = win.shape[:3]
    if c > FEW_CHANNELS:  # copied window by window, KW * C numbers at a time
        cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, kh * kw * c)
    else:  # the same matrix stored transposed, copied OW numbers (a row of windows) at a time
        cols = np.ascontiguousarray(win.transpose(4, 5, 3, 0, 1, 2)).reshape(kh * kw * c, n * oh * ow).T
    out = np.matmul(cols, w.reshape(-1, f), dtype=np.result_type(x, w, b))
    out += b  # in place: allocating a second output-sized array costs more than the sum
    return out.reshape(n, oh, ow, f), (x.shape, cols, w, (sh, sw), (ph, pw))


def conv2d_backward(dout: np.ndarray, cache: Cache, need_dx: bool = True) -> tuple[np.ndarray | None, Grads]:
    """dw = cols^T dout, db = sum dout, and for each kernel offset (p, q)
    dxpad[:, sh i + p, sw j + q] += dout[:, i, j] w[p, q]^T.

    The dx loop runs KH * KW times (not once per pixel), each adding one offset's block into a
    strided slice. Each block is its own matmul, so no im2col-sized gradient is made; with
    few input channels one matmul makes all the blocks, channel-first, and they are added
    into a channel-first dxpad, along image rows.
    ``need_dx=False`` skips dx (returns None), as for a network's first layer.
    """
    x_shape, cols, w, (sh, sw), (ph, pw) = cache
    kh, kw, c, f = w.shape
    n, oh, ow, _ = dout.shape
    d2 = dout.reshape(-1, f)
    # einsum sums the rows in one pass; d2.sum(axis=0) is 4x slower on a matrix this narrow
    grads = {"w": (cols.T @ d2).reshape(w.shape), "b": np.einsum("mf->f", d2)}
    if not need_dx:
        return None, grads
    h, wd = x_shape[1] + 2 * ph, x_shape[2] + 2 * pw
    if c > FEW_CHANNELS:
        dxp = np.zeros((n, h, wd, c), dtype=dout.dtype)
        for p in range(kh):
            for q in range(kw):
                dxp[:, p : p + sh * oh : sh, q : q + sw * ow : sw] += (d2 @ w[p, q].T).reshape(n, oh, ow, c)
        return dxp[:, ph : h - ph, pw : wd - pw], grads
    blocks = (w.reshape(-1, f) @ d2.T).reshape(kh, kw, c, n, oh, ow)
    dxp = np.zeros((c, n, h, wd), dtype=dout.dtype)
    for p in range(kh):
        for q in range(kw):
            dxp[:, :, p : p + sh * oh : sh, q : q + sw * ow : sw] += blocks[p, q]
    return dxp[:, :, ph : h - ph, pw : wd - pw].transpose(1, 2, 3, 0), grads


def maxpool2d_forward(x: np.ndarray, pool: Pair = 2, stride: Pair | None = None) -> tuple[np.ndarray, Cache]:
    """out[n, i, j, c] = max over the ph x pw window at (sh i, sw j); no padding (VALID).

    One window offset k = (p, q) at a time, as conv2d_backward: the strided slice of x from
    (p, q) holds that offset of every window. ``arg`` keeps the offset of each maximum (the
    first, on ties) for the backward pass; copying every window out to take argmax of it
    was several times slower.
    """
    (kh, kw), (sh, sw) = pair(pool), pair(stride or pool)
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = x[:, : sh * oh : sh, : sw * ow : sw].copy()
    arg = np.zeros(out.shape, dtype=np.intp)
    for k in range(1, kh * kw):
        p, q = divmod(k, kw)
        offset_k = x[:, p : p + sh * oh : sh, q : q + sw * ow : sw]
        wins = offset_k > out
        np.maximum(out, offset_k, out=out)
        np.maximum(arg, k * wins, out=arg)  # k where offset k wins: k is above every earlier offset
    return out, (x.shape, arg, (kh, kw), (sh, sw))


def maxpool2d_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, Grads]:
    """Each window's gradient goes to its (first) maximum."""
    x_shape, arg, (kh, kw), (sh, sw) = cache
    _, oh, ow, _ = dout.shape
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for k in range(kh * kw):
        p, q = divmod(k, kw)
        dx[:, p : p + sh * oh : sh, q : q + sw * ow : sw] += dout * (arg == k)
    return dx, {}
