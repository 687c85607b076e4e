"""003 Q2: a committee of MLPs, each trained on a differently preprocessed copy of the
digits so that their errors decorrelate, combined by majority vote, mean or median of the
predicted probabilities. A member sees its own preprocessing at test time too.

``compare`` measures it over several seeds against a control committee whose members see the
same raw digits and differ only by seed, with the mean correlation of the members' errors: the
quantity that decides how much averaging can remove (chapter 12, eq-committee-variance)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

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


RULES = ("majority vote", "mean", "median")


def member_probabilities(
    preprocessing: dict[str, Preprocess], epochs: int = 30, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(P, y_test): P[m] is member m's predicted class probabilities on the test set (M, N, 10).
    Member i trains from initialisation and batch order ``seed + i`` on its own preprocessing of
    the digits split ``seed``, and sees that preprocessing at test time too."""
    Xtr, ytr, Xte, yte = load_digits(seed=seed)
    tr_img, te_img = Xtr.reshape(-1, 8, 8), Xte.reshape(-1, 8, 8)
    probs = []
    for i, prep in enumerate(preprocessing.values()):
        model = models.mlp([64, 128, 10], seed=seed + i)
        fit(model, prep(tr_img).reshape(len(Xtr), -1), ytr, optim.Adam(1e-3), epochs=epochs, seed=seed + i,
            progress=False)
        probs.append(softmax(model(prep(te_img).reshape(len(Xte), -1))))
    return np.stack(probs), yte


def predictions(P: np.ndarray) -> dict[str, np.ndarray]:
    """The committee's class for each example under each rule; a tied vote goes to the lower class."""
    votes = np.apply_along_axis(np.bincount, 0, P.argmax(2), minlength=P.shape[2])  # (classes, N)
    return {"majority vote": votes.argmax(0), "mean": P.mean(0).argmax(1), "median": np.median(P, 0).argmax(1)}


def error_correlation(P: np.ndarray, y: np.ndarray) -> float:
    """The mean, over pairs of members, of the correlation between their error indicators
    (1 where a member misclassifies an example, 0 where it is right): the quantity whose being
    small lets a committee outvote one member's mistakes. A pair where a member makes no error
    has no correlation and is left out."""
    wrong = (P.argmax(2) != y).astype(float)  # (M, N)
    pairs = [np.corrcoef(wrong[i], wrong[j])[0, 1] for i in range(len(wrong)) for j in range(i)
             if wrong[i].std() > 0 and wrong[j].std() > 0]
    return float(np.mean(pairs))


def scores(P: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Test accuracy of the best member, the members' mean, each rule's committee, and the
    members' error correlation."""
    member = (P.argmax(2) == y).mean(1)
    out = {"best member": float(member.max()), "mean member": float(member.mean())}
    out |= {f"committee: {rule}": float((pred == y).mean()) for rule, pred in predictions(P).items()}
    out["error correlation"] = error_correlation(P, y)
    return out


def control(n_members: int = len(PREPROCESSING)) -> dict[str, Preprocess]:
    """Members that differ only by their seed (initialisation and batch order): raw digits for all."""
    return {f"raw, member {i}": PREPROCESSING["raw"] for i in range(n_members)}


def compare(seeds: Sequence[int] = (0, 1, 2, 3, 4, 5), epochs: int = 30) -> dict[str, list[dict[str, float]]]:
    """``scores`` per seed for the committee of differently preprocessed members and for the
    control of same-preprocessing members that differ only by seed (same data split per seed)."""
    kinds = {"preprocessed": PREPROCESSING, "seeds only": control()}
    return {kind: [scores(*member_probabilities(prep, epochs, s)) for s in seeds] for kind, prep in kinds.items()}


def gain(rows: list[dict[str, float]], rule: str = "mean") -> np.ndarray:
    """Per seed, the committee's test accuracy minus its best member's."""
    return np.array([r[f"committee: {rule}"] - r["best member"] for r in rows])


def run(epochs: int = 30, seed: int = 0) -> dict[str, float]:
    """Test accuracy of every member and of the three committees, one seed."""
    P, yte = member_probabilities(PREPROCESSING, epochs, seed)
    acc = {f"member: {name}": float((p.argmax(1) == yte).mean()) for name, p in zip(PREPROCESSING, P)}
    acc |= {f"committee: {rule}": float((pred == yte).mean()) for rule, pred in predictions(P).items()}
    return acc
