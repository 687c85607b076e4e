"""The convolution figures draw what the definition says: every number is read back from the
figure and compared with a plain loop over the cross-correlation formula, so a wrong layer
(a flipped kernel, a wrong stride) draws a figure these tests reject."""
from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.axes import Axes

from dlcourse import layers
from dlcourse.figures import convolution

CASES = [(1, 1, (0, 0)), (2, 1, (0, 1)), (2, 1, (1, 1)), (1, 0, (1, 0)), (2, 0, (0, 0)), (3, 2, (1, 1))]


def correlate_by_loops(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """out[i, j] = sum_{p, q} xpad[s i + p, s j + q] w[p, q], and each output cell's window."""
    xp = np.pad(x, pad)
    kh, kw = w.shape
    oh = (xp.shape[0] - kh) // stride + 1
    ow = (xp.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    windows = np.zeros((oh, ow, kh, kw))
    for i in range(oh):
        for j in range(ow):
            windows[i, j] = xp[stride * i : stride * i + kh, stride * j : stride * j + kw]
            out[i, j] = np.sum(windows[i, j] * w)
    return out, windows


def panel_values(ax: Axes) -> np.ndarray:
    """The numbers of a panel's cells, back in their (row, column) places."""
    cells = {(int(t.get_position()[1]), int(t.get_position()[0])): float(t.get_text())
             for t in ax.texts if t.get_gid() == "cell"}
    rows, cols = (max(k[i] for k in cells) + 1 for i in (0, 1))
    values = np.full((rows, cols), np.nan)
    for (r, c), v in cells.items():
        values[r, c] = v
    assert not np.isnan(values).any(), "a cell without its number"
    return values


def outline(ax: Axes, gid: str) -> tuple[int, int, int, int]:
    """(row, column, height, width) of the panel's outline ``gid``."""
    (box,) = [p for p in ax.patches if p.get_gid() == gid]
    return int(box.get_y()), int(box.get_x()), int(box.get_height()), int(box.get_width())


def draw(rng: np.random.Generator, shape=(5, 6), kernel=(3, 3)) -> tuple[np.ndarray, np.ndarray]:
    """Small integers, so that every drawn number is exact."""
    return rng.integers(-3, 4, size=shape).astype(float), rng.integers(-2, 3, size=kernel).astype(float)


def check_sliding_kernel(x, w, stride, pad, at) -> None:
    fig = convolution.sliding_kernel(x, w, stride, pad, at)
    ax_in, ax_kernel, ax_out = fig.axes
    expected, windows = correlate_by_loops(x, w, stride, pad)
    np.testing.assert_array_equal(panel_values(ax_in), np.pad(x, pad))
    np.testing.assert_array_equal(panel_values(ax_kernel), w)
    np.testing.assert_array_equal(panel_values(ax_out), expected)
    assert outline(ax_in, "window") == (stride * at[0], stride * at[1], *w.shape)
    assert outline(ax_out, "output") == (*at, 1, 1)
    assert fig.get_suptitle().endswith(f"= {np.sum(windows[at] * w):g}")


def check_im2col(x, w, stride, pad, at) -> None:
    fig = convolution.im2col(x, w, stride, pad, at)
    ax_cols, ax_kernel, ax_out = fig.axes
    expected, windows = correlate_by_loops(x, w, stride, pad)
    row = at[0] * expected.shape[1] + at[1]
    np.testing.assert_array_equal(panel_values(ax_cols), windows.reshape(expected.size, w.size))
    np.testing.assert_array_equal(panel_values(ax_kernel), w.reshape(-1, 1))
    np.testing.assert_array_equal(panel_values(ax_out), expected.reshape(-1, 1))
    assert outline(ax_cols, "window") == (row, 0, 1, w.size)
    assert outline(ax_out, "output") == (row, 0, 1, 1)


@pytest.mark.parametrize("stride,pad,at", CASES)
def test_sliding_kernel_draws_the_padded_input_the_window_and_the_correlation(stride, pad, at, rng):
    check_sliding_kernel(*draw(rng), stride, pad, at)


@pytest.mark.parametrize("stride,pad,at", CASES)
def test_im2col_draws_one_window_per_row_times_the_kernel(stride, pad, at, rng):
    check_im2col(*draw(rng), stride, pad, at)


def test_non_square_kernels_and_inputs(rng):
    x, w = draw(rng, shape=(4, 7), kernel=(2, 3))
    check_sliding_kernel(x, w, 2, 1, (1, 2))
    check_im2col(x, w, 2, 1, (1, 2))


@pytest.mark.parametrize("check", [check_sliding_kernel, check_im2col])
def test_a_layer_that_convolves_instead_of_correlating_draws_a_rejected_figure(check, rng, monkeypatch):
    """The kernel flipped (true convolution) is the mistake the chapter warns about."""
    correct = layers.conv2d_forward

    def convolving(x, w, b, stride=1, pad=0):
        return correct(x, w[::-1, ::-1], b, stride, pad)

    monkeypatch.setattr(layers, "conv2d_forward", convolving)
    x, w = draw(rng)
    with pytest.raises(AssertionError):
        check(x, w, 1, 1, (1, 1))


@pytest.mark.parametrize("figure", [convolution.sliding_kernel, convolution.im2col])
def test_figures_render_to_png(figure, rng):
    buffer = io.BytesIO()
    figure(*draw(rng)).savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
