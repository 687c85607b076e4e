"""003 Q2: a committee of MLPs, each trained on a differently preprocessed copy of the
digits so that their errors decorrelate, combined by majority vote, mean or median of the
predicted probabilities. A member sees its own preprocessing at test time too."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from dlcourse import models, optim
from dlcourse.data import load_digits
from dlcourse.losses import softmax
from dlcourse.train import fit

Preprocess = Callable[[np.ndarray], np.ndarray]


def deslant(images: np.ndarray) -> np.ndarray:
    """Shears each (H, W) image so that its ink's principal axis is vertical:
    x' = x + (mu11 / mu02) (y - y_c), from the second central moments of the intensity."""
    out = np.empty_like(images)
    h, w = images.shape[1:]
    yy, xx = np.mgrid[:h, :w]
    for i, img in enumerate(images):
        total = img.sum() or 1.0
        yc, xc = (img * yy).sum() / total, (img * xx).sum() / total
        mu02 = (img * (yy - yc) ** 2).sum() / total
        mu11 = (img * (yy - yc) * (xx - xc)).sum() / total
        skew = mu11 / mu02 if mu02 > 1e-6 else 0.0
        # output (y, x) samples input (y, x + skew (y - yc))
        out[i] = ndimage.affine_transform(img, np.array([[1, 0], [skew, 1]]), offset=(0, -skew * yc), order=1)
    return out


def width_normalize(images: np.ndarray, target_std: float = 1.6) -> np.ndarray:
    """Stretches each image horizontally about its centroid so the ink's horizontal spread is the same."""
    out = np.empty_like(images)
    w = images.shape[2]
    xx = np.arange(w)
    for i, img in enumerate(images):
        col = img.sum(0)
        total = col.sum() or 1.0
        xc = (col * xx).sum() / total
        std = np.sqrt((col * (xx - xc) ** 2).sum() / total) or target_std
        scale = std / target_std  # input step per output pixel
        out[i] = ndimage.affine_transform(img, np.array([[1, 0], [0, scale]]),
                                          offset=(0, xc - scale * (w - 1) / 2), order=1)
    return out


PREPROCESSING: dict[str, Preprocess] = {
    "raw": lambda x: x,
    "deslanted": deslant,
    "width-normalised": width_normalize,
    "blurred": lambda x: ndimage.gaussian_filter(x, sigma=(0, 0.6, 0.6)),
    "deslanted + width-normalised": lambda x: width_normalize(deslant(x)),
}


def run(epochs: int = 30, seed: int = 0) -> dict[str, float]:
    """Test accuracy of every member and of the three committees."""
    Xtr, ytr, Xte, yte = load_digits(seed=seed)
    tr_img, te_img = Xtr.reshape(-1, 8, 8), Xte.reshape(-1, 8, 8)
    probs, acc = [], {}
    for i, (name, prep) in enumerate(PREPROCESSING.items()):
        model = models.mlp([64, 128, 10], seed=seed + i)
        fit(model, prep(tr_img).reshape(len(Xtr), -1), ytr, optim.Adam(1e-3), epochs=epochs, seed=seed + i,
            progress=False)
        p = softmax(model(prep(te_img).reshape(len(Xte), -1)))
        probs.append(p)
        acc[f"member: {name}"] = float((p.argmax(1) == yte).mean())
    P = np.stack(probs)  # (members, N, classes)
    votes = np.apply_along_axis(np.bincount, 0, P.argmax(2), minlength=10)  # (classes, N)
    acc["committee: majority vote"] = float((votes.argmax(0) == yte).mean())  # ties to the lower class
    acc["committee: mean"] = float((P.mean(0).argmax(1) == yte).mean())
    acc["committee: median"] = float((np.median(P, 0).argmax(1) == yte).mean())
    return acc
