"""The real MNIST and CIFAR-10 loaders, on small files these tests write in the real formats."""
import gzip
import pickle

import numpy as np
import pytest

from dlcourse.data import DATA_ENV, DatasetError, load_cifar10, load_digits, load_mnist, read_idx


def write_idx(path, array: np.ndarray, type_code: int = 0x08, compress: bool = False):
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    big_endian = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    with (gzip.open if compress else open)(path, "wb") as fh:  # closed, so gzip writes its trailer
        fh.write(header + array.astype(big_endian).tobytes())


@pytest.fixture
def mnist_dir(tmp_path, rng):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, n, compress in [("train", 12, False), ("t10k", 5, True)]:
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        suffix = ".gz" if compress else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images, compress=compress)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels, compress=compress)
    return folder


def test_mnist_round_trip_plain_and_gzipped(mnist_dir):
    X, y = load_mnist(mnist_dir, "train")
    assert X.shape == (12, 28, 28)
    assert X.dtype == np.uint8
    assert y.shape == (12,)
    np.testing.assert_array_equal(X, read_idx(mnist_dir / "train-images-idx3-ubyte"))
    Xt, yt = load_mnist(mnist_dir, "test")
    assert Xt.shape == (5, 28, 28)
    with gzip.open(mnist_dir / "t10k-labels-idx1-ubyte.gz") as fh:
        labels = np.frombuffer(fh.read()[8:], np.uint8)
    np.testing.assert_array_equal(yt, labels)


def test_mnist_from_environment_variable(mnist_dir, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(mnist_dir.parent))
    assert load_mnist(split="train")[0].shape == (12, 28, 28)


def test_idx_reads_big_endian_floats(tmp_path, rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    write_idx(tmp_path / "f.idx", a, type_code=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), a)


@pytest.mark.parametrize("content,problem", [
    (b"", "bad magic"),
    (b"\x00\x00\x08\x03\x00\x00", "truncated header"),
    (b"\x12\x34\x08\x01\x00\x00\x00\x02ab", "bad magic"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05ab", "5 bytes"),
])
def test_malformed_idx_names_the_file_and_problem(tmp_path, content, problem):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=problem) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_missing_mnist_files_are_named(tmp_path, monkeypatch):
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte: file not found"):
        (tmp_path / "mnist").mkdir()
        load_mnist(tmp_path / "mnist")
    monkeypatch.delenv(DATA_ENV, raising=False)
    with pytest.raises(DatasetError, match=DATA_ENV):
        load_mnist()
    with pytest.raises(DatasetError, match="no such folder"):
        load_mnist(tmp_path / "nowhere")


def test_label_count_mismatch_is_reported(mnist_dir):
    write_idx(mnist_dir / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match="3 labels for 12 images"):
        load_mnist(mnist_dir)


@pytest.fixture
def cifar_dir(tmp_path, rng):
    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072)).astype(np.uint8), b"labels": list(rng.integers(0, 10, 4)),
                 b"batch_label": name.encode()}
        with open(folder / name, "wb") as fh:
            pickle.dump(batch, fh)
    return folder.parent


def test_cifar10_round_trip_is_nhwc(cifar_dir):
    X, y = load_cifar10(cifar_dir, "train")
    assert X.shape == (20, 32, 32, 3)
    assert y.shape == (20,)
    with open(cifar_dir / "cifar-10-batches-py" / "data_batch_1", "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")
    # pixel (row 5, col 7) of image 0: red at 5*32+7, green 1024 later, blue 2048 later
    np.testing.assert_array_equal(X[0, 5, 7], raw[b"data"][0, [5 * 32 + 7, 1024 + 5 * 32 + 7, 2048 + 5 * 32 + 7]])
    assert load_cifar10(cifar_dir, "test")[0].shape == (4, 32, 32, 3)


def test_cifar10_corrupt_and_missing_batches(cifar_dir):
    batch = cifar_dir / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="data_batch_3: not a readable CIFAR-10 pickle"):
        load_cifar10(cifar_dir)
    batch.unlink()
    with pytest.raises(DatasetError, match="data_batch_3: file not found"):
        load_cifar10(cifar_dir)
    with open(cifar_dir / "cifar-10-batches-py" / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 100)), b"labels": [0, 1]}, fh)
    with pytest.raises(DatasetError, match=r"test_batch: data must be \(N, 3072\)"):
        load_cifar10(cifar_dir, "test")


def test_digits_split_is_stratified_and_scaled():
    Xtr, ytr, Xte, yte = load_digits()
    assert Xtr.shape[1] == 64
    assert len(Xtr) + len(Xte) == 1797
    assert Xtr.min() >= 0
    assert Xtr.max() <= 1
    assert np.abs(np.bincount(ytr) / len(ytr) - np.bincount(yte) / len(yte)).max() < 0.01
