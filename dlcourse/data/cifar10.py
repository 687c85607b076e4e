"""CIFAR-10 from its python pickles (``cifar-10-batches-py``) in a local folder."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from dlcourse.data import DatasetError, data_dir

TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.exists():
        raise DatasetError(f"{path}: file not found")
    try:
        with open(path, "rb") as fh:
            d = pickle.load(fh, encoding="bytes")
    except Exception as e:  # a corrupt pickle can raise almost anything
        raise DatasetError(f"{path}: not a readable CIFAR-10 pickle ({type(e).__name__}: {e})") from None
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        raise DatasetError(f"{path}: expected a dict with b'data' and b'labels'")
    data, labels = np.asarray(d[b"data"]), np.asarray(d[b"labels"])
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DatasetError(f"{path}: data must be (N, 3072) with N labels, got {data.shape} and {labels.shape}")
    # rows are 1024 red, 1024 green, 1024 blue values; NHWC for the layers here
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.uint8), labels.astype(np.int64)


def load_cifar10(
    root: str | os.PathLike | None = None, split: str = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, labels (N,)) from ``root`` or $DLCOURSE_DATA/cifar10."""
    names = {"train": TRAIN_BATCHES, "test": ["test_batch"]}
    if split not in names:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = data_dir("cifar10", root)
    if (folder / "cifar-10-batches-py").is_dir():
        folder = folder / "cifar-10-batches-py"
    parts = [_read_batch(folder / n) for n in names[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
