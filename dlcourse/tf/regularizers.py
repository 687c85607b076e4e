"""Keras regularisers (syllabus 1 and 8) and a Lipschitz report of a trained Keras model."""
from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from dlcourse import lipschitz
from dlcourse.tf import tf  # noqa: F401


class L2(keras.regularizers.Regularizer):
    """R(W) = lam * sum W^2 (Keras's convention: no factor 1/2), so dR/dW = 2 lam W; the twin
    of ``dlcourse.regularizers.l2`` (Keras's own L2 calls ``lam`` ``l2``)."""

    def __init__(self, lam: float = 0.01):
        self.lam = float(lam)

    def __call__(self, w):
        return self.lam * ops.sum(ops.square(w))

    def get_config(self):
        return {"lam": self.lam}


class QuadraticForm(keras.regularizers.Regularizer):
    """R(W) = lam * sum_j w_j^T S w_j over the columns w_j of the kernel (n_in, n_out).

    With S = [[1, -1], [-1, 1]] it penalises w1 != w2: a bias toward symmetric weights.
    """

    def __init__(self, S, lam: float = 1.0):
        self.S, self.lam = np.asarray(S, dtype=float), float(lam)

    def __call__(self, w):
        S = ops.cast(self.S, w.dtype)
        w2 = ops.reshape(w, (self.S.shape[0], -1))
        return self.lam * ops.sum(w2 * ops.matmul(S, w2))

    def get_config(self):
        return {"S": self.S.tolist(), "lam": self.lam}


class SpectralNorm(keras.regularizers.Regularizer):
    """R(W) = lam * sigma_max(W)^2, a penalty on the layer's Lipschitz constant.

    sigma_max comes from ``n_iter`` power iterations (no gradient through them), then
    sigma = u^T W v, whose gradient u v^T is the exact derivative of sigma_max where the top
    singular value is simple.
    """

    def __init__(self, lam: float = 1e-3, n_iter: int = 20):
        self.lam, self.n_iter = float(lam), int(n_iter)

    def __call__(self, w):
        w2 = ops.reshape(w, (-1, ops.shape(w)[-1]))
        v = ops.ones((ops.shape(w2)[1], 1), dtype=w.dtype)
        for _ in range(self.n_iter):
            v = ops.matmul(ops.transpose(w2), ops.matmul(w2, v))
            v = v / ops.norm(v)
        v = ops.stop_gradient(v)
        u = ops.stop_gradient(ops.matmul(w2, v) / ops.norm(ops.matmul(w2, v)))
        sigma = ops.sum(u * ops.matmul(w2, v))
        return self.lam * sigma**2

    def get_config(self):
        return {"lam": self.lam, "n_iter": self.n_iter}


@dataclass
class LipschitzReport:
    """Per Dense layer: its name, sigma_max(W) and activation constant; the product bound of
    syllabus 8 and an empirical (lower) estimate from sampled input pairs."""

    layers: list[tuple[str, float, str, float]]
    bound: float
    empirical: float

    def table(self) -> str:
        rows = [f"{'layer':<16}{'sigma_max(W)':>14}  activation (L)"]
        rows += [f"{n:<16}{s:>14.4f}  {a} ({lh:g})" for n, s, a, lh in self.layers]
        rows.append(f"product bound {self.bound:.4f}; sampled estimate {self.empirical:.4f}")
        return "\n".join(rows)


def lipschitz_report(model: keras.Model, n_pairs: int = 2000, seed: int = 0) -> LipschitzReport:
    """The product bound prod_i L_h_i sigma_max(W_i) over the model's Dense layers, beside
    ``dlcourse.lipschitz.empirical_lipschitz`` of the model's logits.

    Only Dense layers with linear, ReLU, tanh or sigmoid activations are understood; a model
    with other layers carrying weights (conv, batch norm) is refused.
    """
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            act = layer.get_config()["activation"]
            if act not in lipschitz.ACTIVATION_LIPSCHITZ:
                raise ValueError(f"layer {layer.name}: no Lipschitz constant known for activation {act!r}")
            W = np.asarray(layer.kernel.numpy())
            rows.append((layer.name, float(np.linalg.norm(W, 2)), act, lipschitz.ACTIVATION_LIPSCHITZ[act]))
        elif layer.weights and not isinstance(layer, keras.layers.Dropout):
            raise ValueError(f"layer {layer.name} ({type(layer).__name__}) is not covered by the product bound")
    bound = float(np.prod([s * lh for _, s, _, lh in rows]))
    dim = int(model.inputs[0].shape[-1])
    estimate = lipschitz.empirical_lipschitz(
        lambda X: model(X.astype(model.inputs[0].dtype), training=False).numpy(), dim, n_pairs, rng=seed)
    return LipschitzReport(rows, bound, estimate)
