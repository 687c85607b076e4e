"""scikit-learn's 8x8 handwritten digits (1797 images, shipped with the package)."""
from __future__ import annotations

import numpy as np


def load_digits(
    test_size: float = 0.25, seed: int = 0, images: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test), pixels scaled to [0, 1], a stratified split.

    Rows are flat 64-vectors, or NHWC images (N, 8, 8, 1) with ``images=True``.
    """
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    d = sk_digits()
    X = d.data.astype(np.float64) / 16.0
    if images:
        X = X.reshape(-1, 8, 8, 1)
    Xtr, Xte, ytr, yte = train_test_split(X, d.target, test_size=test_size, random_state=seed, stratify=d.target)
    return Xtr, ytr, Xte, yte
