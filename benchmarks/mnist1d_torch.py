"""The paper's three MNIST-1D models in PyTorch, the framework the paper trained them in: a
reference for ``bench_mnist1d.py``, so that our NumPy and Keras models are judged beside what
the paper's own models give under the same protocol, and not only beside its table.

Written here from the paper's description of its models (``torch`` is a test dependency of
dlcourse, never a dependency of the library): a dense layer; 40-100 dense, ReLU, a residual
block h + ReLU(dense(h)), 100-10 dense; three Conv1d layers of 25 channels (kernels 5, 3, 3,
stride 2, padding 1, ReLU) and a dense layer from the 5 x 25 features. PyTorch's default
initialisation, ``torch.optim.Adam`` at its defaults but the rate, float32. The batches and the
score are ``dlcourse.experiments.mnist1d``'s: the same batch order for the same seed, the mean test
accuracy of the last five epochs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlcourse.data import make_mnist1d
from dlcourse.experiments import mnist1d
from dlcourse.train import History, batches


def paper_models(torch) -> dict:
    """The paper's three models as PyTorch module factories, by the names of ``mnist1d.PAPER``."""
    nn = torch.nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first, self.second, self.out = nn.Linear(40, 100), nn.Linear(100, 100), nn.Linear(100, 10)

        def forward(self, x):
            h = self.first(x).relu()
            h = h + self.second(h).relu()  # the skip connection of the paper's MLP
            return self.out(h)

    class CNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv1d(1, 25, 5, stride=2, padding=1),
                                        nn.Conv1d(25, 25, 3, stride=2, padding=1),
                                        nn.Conv1d(25, 25, 3, stride=2, padding=1)])
            self.out = nn.Linear(25 * 5, 10)

        def forward(self, x):
            h = x.unsqueeze(1)  # (N, 40) -> (N, 1 channel, 40)
            for conv in self.convs:
                h = conv(h).relu()
            return self.out(h.flatten(1))

    return {"logistic regression": lambda: nn.Linear(40, 10), "MLP": MLP, "CNN": CNN}


def _run_one(torch, make, data, epochs: int, seed: int, paper_order: bool) -> float:
    Xtr, ytr, Xte, yte = (torch.as_tensor(a, dtype=torch.float32 if a.dtype.kind == "f" else torch.int64)
                          for a in data)
    torch.manual_seed(seed)
    model = make()
    adam = torch.optim.Adam(model.parameters(), lr=mnist1d.PAPER_ADAM["learning_rate"])
    rng = None if paper_order else np.random.default_rng(seed)
    hist = History()
    for _ in range(epochs):
        for idx in batches(len(Xtr), 100, rng):
            idx = torch.as_tensor(idx)
            loss = torch.nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
            adam.zero_grad()
            loss.backward()
            adam.step()
        with torch.no_grad():
            hist.test_accuracy.append((model(Xte).argmax(1) == yte).float().mean().item())
    return mnist1d.score(hist)


def accuracies(epochs: int = mnist1d.EPOCHS, seeds: Sequence[int] = mnist1d.SEEDS,
               paper_order: bool = False) -> dict[str, list[float]]:
    """Each of the paper's models' test accuracy in each run, trained in PyTorch as
    ``dlcourse.experiments.mnist1d.accuracies`` trains ours."""
    import torch

    torch.set_num_threads(1)  # 100 x 40 batches: a second thread only waits
    data = make_mnist1d()
    return {name: [_run_one(torch, make, data, epochs, s, paper_order) for s in seeds]
            for name, make in paper_models(torch).items()}
