"""Containers, initialisers, the trainer, and the digits accuracy target."""
import random
from pathlib import Path

import numpy as np
import pytest
from mnist1d.data import get_dataset_args, make_dataset

from dlcourse import initializers, losses, models, nn, optim
from dlcourse.data import load_digits, make_mnist1d
from dlcourse.data.mnist1d import MNIST1DConfig, global_rngs_kept
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.train import batches, evaluate, fit


def model_gradcheck(model, X, y, rng):
    model.astype(np.float64)
    params = model.parameters()

    def loss_at(name, value):
        model.load_parameters({name: value})
        out = losses.softmax_cross_entropy(model.forward(X, training=True), y)[0]
        model.load_parameters({name: params[name]})
        return out

    _, d = losses.softmax_cross_entropy(model.forward(X, training=True), y)
    _, grads = model.backward(d)
    assert set(grads) == set(params)
    # one relative error over all parameters together: a bias followed by batch norm has a
    # true gradient of 0, which finite differences only reach to ~1e-10
    names = sorted(params)
    ours = np.concatenate([grads[k].ravel() for k in names])
    num = np.concatenate([numerical_gradient(lambda v, k=k: loss_at(k, v), params[k]).ravel() for k in names])
    assert rel_error(ours, num) < 1e-6


def test_mlp_with_batchnorm_backprop_matches_finite_differences(rng):
    model = models.mlp([6, 5, 4, 3], activation="tanh", batchnorm=True, seed=3)
    model_gradcheck(model, rng.standard_normal((8, 6)), rng.integers(0, 3, 8), rng)


def test_cnn_backprop_matches_finite_differences(rng):
    model = models.cnn((6, 6, 2), 3, channels=(3,), hidden=4, batchnorm=True, seed=5)
    model_gradcheck(model, rng.standard_normal((3, 6, 6, 2)), rng.integers(0, 3, 3), rng)


def test_dropout_in_a_model_is_off_at_evaluation(rng):
    model = models.mlp([4, 16, 2], dropout=0.5, seed=0)
    X = rng.standard_normal((10, 4))
    np.testing.assert_array_equal(model(X), model(X))
    assert not np.allclose(model.forward(X, training=True), model.forward(X, training=True))


def test_sequential_names_and_counts_parameters():
    model = models.mlp([3, 4, 2])
    assert set(model.parameters()) == {"0.w", "0.b", "2.w", "2.b"}
    assert model.num_params() == (3 + 1) * 4 + (4 + 1) * 2
    assert f"{model.num_params()} parameters" in repr(model)


def nested_mlp(seed: int = 0) -> nn.Sequential:
    """An MLP 6-5-4-3 whose hidden block (dense, batch norm, tanh) is a Sequential of its own."""
    rng = np.random.default_rng(seed)
    block = nn.Sequential([nn.Dense(5, 4, rng=rng), nn.BatchNorm(4), nn.Tanh()])
    return nn.Sequential([nn.Dense(6, 5, rng=rng), nn.Tanh(), block, nn.Dense(4, 3, rng=rng)])


def flat_copy(nested: nn.Sequential) -> nn.Sequential:
    """The same layers with the same weights in one flat Sequential."""
    p = nested.parameters()
    flat = nn.Sequential([nn.Dense(6, 5), nn.Tanh(), nn.Dense(5, 4), nn.BatchNorm(4), nn.Tanh(), nn.Dense(4, 3)])
    flat.load_parameters({"0.w": p["0.w"], "0.b": p["0.b"], "2.w": p["2.0.w"], "2.b": p["2.0.b"],
                          "3.gamma": p["2.1.gamma"], "3.beta": p["2.1.beta"], "5.w": p["3.w"], "5.b": p["3.b"]})
    return flat


def test_nested_sequential_names_its_parameters_by_path():
    model = nested_mlp()
    assert set(model.parameters()) == {"0.w", "0.b", "2.0.w", "2.0.b", "2.1.gamma", "2.1.beta", "3.w", "3.b"}
    assert model.num_params() == (6 + 1) * 5 + (5 + 1) * 4 + 2 * 4 + (4 + 1) * 3
    assert "(2) Sequential(" in repr(model)


def test_nested_sequential_backprop_matches_finite_differences(rng):
    model_gradcheck(nested_mlp(), rng.standard_normal((8, 6)), rng.integers(0, 3, 8), rng)


def test_nested_sequential_input_gradient_matches_finite_differences(rng):
    model = nn.Sequential([nested_mlp(), nn.Sequential([nn.ReLU()])])
    X, y = rng.standard_normal((4, 6)), rng.integers(0, 3, 4)
    _, d = losses.softmax_cross_entropy(model.forward(X, training=True), y)
    dx, _ = model.backward(d)
    num = numerical_gradient(lambda x: losses.softmax_cross_entropy(model.forward(x, training=True), y)[0], X)
    assert rel_error(dx, num) < 1e-6


def test_loading_a_misspelt_parameter_name_fails():
    with pytest.raises(KeyError, match="no parameter"):
        nested_mlp().load_parameters({"2.0.W": np.zeros((5, 4))})


@pytest.mark.parametrize("rule", [optim.SGD(0.1, momentum=0.9, nesterov=True), optim.Adam(1e-2), optim.Adamax(1e-2)])
def test_nested_sequential_trains_like_its_flat_copy(rule, rng):
    """Same weights, same batches: every optimiser takes the same steps on both containers."""
    X, y = rng.standard_normal((64, 6)), rng.integers(0, 3, 64)
    nested = nested_mlp(seed=4)
    flat = flat_copy(nested)
    runs = [fit(m, X, y, rule, epochs=3, batch_size=16, seed=1, progress=False) for m in (nested, flat)]
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-12)
    assert runs[0].loss[-1] < runs[0].loss[0]
    np.testing.assert_allclose(nested.parameters()["2.0.w"], flat.parameters()["2.w"], rtol=1e-12)
    np.testing.assert_allclose(nested.parameters()["3.w"], flat.parameters()["5.w"], rtol=1e-12)


@pytest.mark.parametrize("init", [initializers.zeros, initializers.constant(0.3)])
def test_symmetric_initialisation_keeps_hidden_units_identical(init, rng):
    """Identical incoming weights get identical gradients, so the units never differentiate."""
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    model = models.mlp([5, 6, 3], activation="tanh", init=init)
    fit(model, X, y, optim.SGD(0.1), epochs=5, batch_size=8, progress=False)
    w = model.parameters()["0.w"]
    np.testing.assert_allclose(w, w[:, :1] * np.ones((1, 6)), atol=1e-12)


@pytest.mark.parametrize("init", [initializers.glorot_uniform, initializers.glorot_normal, initializers.he_normal])
def test_initialiser_variances(init):
    w = init((400, 300), 0)
    target = {initializers.he_normal: 2 / 400}.get(init, 2 / 700)
    assert w.var() == pytest.approx(target, rel=0.05)
    assert abs(w.mean()) < 0.01


def test_batches_cover_every_example_once():
    rng = np.random.default_rng(0)
    idx = np.concatenate(batches(103, 10, rng))
    assert sorted(idx) == list(range(103))
    assert len(batches(103, 10, rng)) == 11


def test_trainer_is_deterministic_and_records_history():
    Xtr, ytr, Xte, yte = load_digits()
    runs = []
    for _ in range(2):
        model = models.mlp([64, 32, 10], seed=1)
        hist = fit(model, Xtr, ytr, optim.SGD(0.1, momentum=0.9), epochs=3, test=(Xte, yte), seed=7, progress=False)
        runs.append(hist)
    assert runs[0] == runs[1]
    assert len(runs[0].loss) == len(runs[0].test_accuracy) == 3
    assert runs[0].loss[-1] < runs[0].loss[0]


@pytest.mark.slow  # 30 epochs to a target accuracy
def test_mlp_reaches_97_percent_on_digits():
    Xtr, ytr, Xte, yte = load_digits()
    model = models.mlp([64, 128, 64, 10], seed=0)
    hist = fit(model, Xtr, ytr, optim.Adam(1e-3), epochs=30, test=(Xte, yte), seed=0, progress=False)
    _, acc = evaluate(model, Xte, yte)
    assert acc == hist.test_accuracy[-1] >= 0.97


def test_cnn_learns_digits_images():
    Xtr, ytr, Xte, yte = load_digits(images=True)
    model = models.cnn((8, 8, 1), 10, channels=(8,), hidden=32, seed=0)
    fit(model, Xtr, ytr, optim.Adam(3e-3), epochs=5, seed=0, progress=False)
    assert evaluate(model, Xte, yte)[1] >= 0.9


def test_mnist1d_is_balanced_and_seeded():
    small = MNIST1DConfig(num_samples=500)
    Xtr, ytr, Xte, yte = make_mnist1d(small)
    assert Xtr.shape == (400, 40)
    assert Xte.shape == (100, 40)
    assert np.bincount(np.concatenate([ytr, yte])).tolist() == [50] * 10
    np.testing.assert_array_equal(make_mnist1d(small)[0], Xtr)


def test_make_mnist1d_leaves_the_global_generators_as_it_found_them():
    random.seed(7)
    np.random.seed(7)
    expected = (random.random(), np.random.rand())
    random.seed(7)
    np.random.seed(7)
    make_mnist1d(MNIST1DConfig(num_samples=100))  # the package reseeds both to the data's seed
    assert (random.random(), np.random.rand()) == expected


def test_global_rngs_kept_restores_them_even_when_the_body_fails():
    state = np.random.get_state()[1].copy()
    with pytest.raises(RuntimeError), global_rngs_kept():
        np.random.seed(0)
        random.seed(0)
        raise RuntimeError("the body failed")
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_make_mnist1d_is_the_papers_data_set_made_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # get_dataset would leave its pickle here; make_dataset writes nothing
    Xtr, ytr, Xte, yte = make_mnist1d(MNIST1DConfig(num_samples=300))
    args = get_dataset_args()
    args.num_samples = 300
    with global_rngs_kept():
        paper = make_dataset(args)
    np.testing.assert_array_equal(Xtr, paper["x"])
    np.testing.assert_array_equal(yte, paper["y_test"])
    assert list(tmp_path.iterdir()) == []


def test_mnist1d_mlp_backprop_through_its_skip_matches_finite_differences(rng):
    model = models.mnist1d_mlp(5, 3, hidden=4, seed=2)
    assert isinstance(model.modules[2], nn.Residual)
    model_gradcheck(model, rng.standard_normal((6, 5)), rng.integers(0, 3, 6), rng)


def test_mnist1d_models_have_the_papers_parameter_counts():
    # the layer sizes of the paper's repository, for 40 inputs and 10 classes
    assert models.mnist1d_linear(40, 10).num_params() == 40 * 10 + 10
    assert models.mnist1d_mlp(40, 10).num_params() == (40 * 100 + 100) + (100 * 100 + 100) + (100 * 10 + 10)
    conv = (5 * 1 * 25 + 25) + 2 * (3 * 25 * 25 + 25)
    assert models.cnn1d(40, 10).num_params() == conv + (5 * 25 * 10 + 10)


def _paper_models_in_torch():
    """The PyTorch models of benchmarks/mnist1d_torch.py, the benchmark's reference."""
    import importlib.util

    import torch

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "mnist1d_torch.py"
    spec = importlib.util.spec_from_file_location("mnist1d_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    return torch, {name: make().double() for name, make in module.paper_models(torch).items()}


def _dense_into_torch(torch, dense, linear, rows=None):
    # ours is x @ w + b with w (in, out); PyTorch's is x @ W.T + b with W (out, in)
    w = dense.params["w"] if rows is None else dense.params["w"][rows]
    linear.weight.data = torch.tensor(w.T.copy())
    linear.bias.data = torch.tensor(dense.params["b"])


def test_mnist1d_models_compute_the_papers_models_given_the_same_weights(rng):
    torch, theirs = _paper_models_in_torch()
    x = rng.standard_normal((7, 40))
    ours = {"logistic regression": models.mnist1d_linear(40, 10, seed=3), "MLP": models.mnist1d_mlp(40, 10, seed=3),
            "CNN": models.cnn1d(40, 10, seed=3)}
    _dense_into_torch(torch, ours["logistic regression"].modules[0], theirs["logistic regression"])
    mlp = ours["MLP"].modules
    for dense, linear in zip([mlp[0], mlp[2].inner.modules[0], mlp[3]], [theirs["MLP"].first, theirs["MLP"].second,
                                                                          theirs["MLP"].out]):
        _dense_into_torch(torch, dense, linear)
    convs = [m for m in ours["CNN"].modules if isinstance(m, nn.Conv2D)]
    for conv, their_conv in zip(convs, theirs["CNN"].convs):
        # ours (k, 1, c_in, c_out) on (N, L, 1, C); PyTorch's Conv1d (c_out, c_in, k) on (N, C, L)
        their_conv.weight.data = torch.tensor(conv.params["w"][:, 0].transpose(2, 1, 0).copy())
        their_conv.bias.data = torch.tensor(conv.params["b"])
    # our flatten is position-major (l * 25 + c), PyTorch's channel-major (c * 5 + l): permute the rows
    rows = np.arange(125).reshape(5, 25).T.ravel()
    _dense_into_torch(torch, ours["CNN"].modules[-1], theirs["CNN"].out, rows)
    for name, model in ours.items():
        expected = theirs[name](torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(model.forward(x), expected, rtol=1e-10, atol=1e-12, err_msg=name)


def test_mnist1d_models_draw_their_weights_and_biases_as_pytorch_does():
    torch, theirs = _paper_models_in_torch()
    ours = models.mnist1d_mlp(40, 10, seed=0).modules
    for dense, linear in zip([ours[0], ours[2].inner.modules[0], ours[3]], [theirs["MLP"].first,
                                                                             theirs["MLP"].second, theirs["MLP"].out]):
        bound = 1 / np.sqrt(linear.in_features)  # U(-bound, bound) for PyTorch's weights and biases alike
        for mine, its in ((dense.params["w"], linear.weight), (dense.params["b"], linear.bias)):
            its = its.detach().numpy()
            assert np.abs(mine).max() <= bound
            assert np.abs(its).max() <= bound
            # the same spread: std of U(-a, a) is a / sqrt(3), within the sampling error of 10+ draws
            assert abs(mine.std() - its.std()) < 0.5 * bound / np.sqrt(3), dense


@pytest.mark.slow  # the full set (seconds to make) and a training
def test_mnist1d_is_learnable():
    Xtr, ytr, Xte, yte = make_mnist1d()
    assert Xtr.shape == (4000, 40)
    assert Xte.shape == (1000, 40)
    model = models.mnist1d_mlp(40, 10, seed=0)
    fit(model, Xtr, ytr, optim.Adam(1e-2), epochs=10, seed=0, progress=False)
    assert evaluate(model, Xte, yte)[1] > 0.3  # far above chance (0.1); the paper's MLP reaches ~0.68
