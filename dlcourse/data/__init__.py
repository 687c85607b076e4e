"""Data sets that need no download: scikit-learn's digits, MNIST-1D made locally by its paper's
generator, and real loaders for MNIST (IDX files) and CIFAR-10 (python pickles) from a local folder."""
from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "DLCOURSE_DATA"


class DatasetError(Exception):
    """A data file is missing or malformed; the message names the file and the problem."""


def data_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of data set ``name``: ``root`` if given, else $DLCOURSE_DATA/<name>."""
    if root is None:
        env = os.environ.get(DATA_ENV)
        if not env:
            raise DatasetError(
                f"no folder given for {name}: pass root=... or set ${DATA_ENV} to a folder holding {name}/"
            )
        root = Path(env) / name
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder (looking for the {name} files)")
    return root


from dlcourse.data.cifar10 import load_cifar10  # noqa: E402
from dlcourse.data.digits import load_digits  # noqa: E402
from dlcourse.data.mnist import load_mnist, read_idx  # noqa: E402
from dlcourse.data.mnist1d import make_mnist1d  # noqa: E402

__all__ = ["DatasetError", "data_dir", "load_cifar10", "load_digits", "load_mnist", "read_idx", "make_mnist1d"]
