"""Losses with their gradients: ``loss, dscores = <name>(scores, y)``, averaged over the batch.

Also the softmax itself, its Hessian, and logistic regression's loss, gradient and
Hessian (syllabus 3).
"""
from __future__ import annotations

import numpy as np

from dlcourse.layers import sigmoid


def _one_hot(y: np.ndarray, k: int, dtype=np.float64) -> np.ndarray:
    """Integer labels (N,) become one-hot rows (N, k); one-hot input is returned as is."""
    y = np.asarray(y)
    if y.ndim == 2:
        return y
    out = np.zeros((y.shape[0], k), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1.0
    return out


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) = z - logsumexp(z), shifted by the row maximum for stability."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_i = exp(z_i) / sum_j exp(z_j), along the last axis."""
    return np.exp(log_softmax(z))


def softmax_hessian(z: np.ndarray) -> np.ndarray:
    """Hessian of cross-entropy in the logits of one example: diag(p) - p p^T (PSD)."""
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = -(1/N) sum_n log softmax(z_n)[y_n];  dL/dz = (softmax(z) - onehot(y)) / N.

    ``y`` holds integer labels (N,) or one-hot / probability rows (N, K).
    """
    n = z.shape[0]
    logp = log_softmax(z)
    t = _one_hot(y, z.shape[1], z.dtype)
    loss = -(t * logp).sum() / n
    return float(loss), (np.exp(logp) - t) / n


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = mean(max(z, 0) - z y + log(1 + exp(-abs(z))))  (= mean BCE of sigmoid(z));

    dL/dz = (sigmoid(z) - y) / N, with N the number of entries.
    """
    y = np.asarray(y, dtype=z.dtype).reshape(z.shape)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(loss.mean()), (sigmoid(z) - y) / z.size


def mean_squared_error(pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = mean((pred - y)^2);  dL/dpred = 2 (pred - y) / N, with N the number of entries."""
    diff = pred - np.asarray(y).reshape(pred.shape)
    return float((diff**2).mean()), 2.0 * diff / diff.size


def multiclass_hinge(s: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Crammer-Singer hinge (syllabus 11): l_n = max_j (s_nj - s_ny + 1[j != y]), averaged.

    Subgradient: +1 at the maximising j and -1 at y (they cancel when j = y).
    """
    n = s.shape[0]
    rows = np.arange(n)
    margins = s - s[rows, y][:, None] + 1.0
    margins[rows, y] = 0.0
    j = margins.argmax(axis=1)
    ds = np.zeros_like(s)
    ds[rows, j] += 1.0 / n
    ds[rows, y] -= 1.0 / n
    return float(margins[rows, j].mean()), ds


def logistic_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """E(w) = -sum_n [y_n ln z_n + (1 - y_n) ln(1 - z_n)], z = sigmoid(X w) (summed, not averaged)."""
    a = X @ w
    return float((np.maximum(a, 0) - a * y + np.log1p(np.exp(-np.abs(a)))).sum())


def logistic_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """grad E = X^T (z - y). (Seed 001 writes X^T (y - z): the sign is backwards.)"""
    return X.T @ (sigmoid(X @ w) - y)


def logistic_hessian(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """H = X^T diag(z (1 - z)) X, positive semi-definite, so E is convex."""
    z = sigmoid(X @ w)
    return X.T @ (X * (z * (1 - z))[:, None])
