"""Figures of the convolution chapter: a kernel sliding over a padded input, and the im2col
matrix that turns the convolution into one matrix product.

Every number drawn is computed by ``dlcourse.layers.conv2d_forward`` (the output, and the
im2col matrix it keeps in its cache), so a wrong layer draws a wrong figure. Each cell's
number is a text with gid ``"cell"`` at (column + 0.5, row + 0.5), and the outlines have
gids ``"window"`` and ``"output"``, so tests can read the figure back.
"""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from dlcourse import layers

PADDING = "0.85"
WINDOW = "tab:orange"
OUTPUT = "tab:blue"


def single_channel_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """conv2d_forward on one (H, W) image with one (KH, KW) kernel and no bias: the output
    (OH, OW) and the im2col matrix (OH * OW, KH * KW)."""
    out, cache = layers.conv2d_forward(x[None, :, :, None], w[:, :, None, None], np.zeros(1), stride, pad)
    _, cols, *_ = cache
    return out[0, :, :, 0], cols


def sliding_kernel(
    x: np.ndarray, w: np.ndarray, stride: int = 2, pad: int = 1, at: tuple[int, int] = (0, 1)
) -> Figure:
    """Three panels: the input with its zero padding (grey) and the window that output cell
    ``at`` reads (orange), the kernel, and the output with that cell (blue)."""
    out, _ = single_channel_conv(x, w, stride, pad)
    i, j = at
    padded = np.pad(x, pad)
    is_padding = np.pad(np.zeros(x.shape, dtype=bool), pad, constant_values=True)
    rows = max(padded.shape[0], w.shape[0], out.shape[0])
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    widths = [padded.shape[1], w.shape[1], out.shape[1]]
    ax_in, ax_kernel, ax_out = fig.subplots(1, 3, width_ratios=widths)
    _grid(ax_in, padded, rows, np.where(is_padding, PADDING, "white"))
    _outline(ax_in, (stride * i, stride * j), w.shape, WINDOW, "window")
    _grid(ax_kernel, w, rows, np.full(w.shape, WINDOW))
    _grid(ax_out, out, rows, np.full(out.shape, "white"))
    _outline(ax_out, at, (1, 1), OUTPUT, "output")
    ax_in.set_title(f"input {x.shape[0]}×{x.shape[1]}, padding {pad} (grey)")
    ax_kernel.set_title(f"kernel {w.shape[0]}×{w.shape[1]}")
    ax_out.set_title(f"output {out.shape[0]}×{out.shape[1]}, stride {stride}")
    fig.suptitle(f"output[{i}, {j}] = sum of (orange window × kernel) = {out[i, j]:g}")
    return fig


def im2col(
    x: np.ndarray, w: np.ndarray, stride: int = 2, pad: int = 1, at: tuple[int, int] = (0, 1)
) -> Figure:
    """The convolution as one matrix product: the im2col matrix (one row per output cell, one
    column per kernel entry) times the flattened kernel is the flattened output. The row of
    output cell ``at`` is the window of ``sliding_kernel``, read row by row."""
    out, cols = single_channel_conv(x, w, stride, pad)
    row = at[0] * out.shape[1] + at[1]
    kernel = w.reshape(-1, 1)
    flat_out = out.reshape(-1, 1)
    rows = max(cols.shape[0], kernel.shape[0])
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_cols, ax_kernel, ax_out = fig.subplots(1, 3, width_ratios=[cols.shape[1], 1.5, 1.5])
    _grid(ax_cols, cols, rows, np.full(cols.shape, "white"))
    _outline(ax_cols, (row, 0), (1, cols.shape[1]), WINDOW, "window")
    _grid(ax_kernel, kernel, rows, np.full(kernel.shape, WINDOW))
    _grid(ax_out, flat_out, rows, np.full(flat_out.shape, "white"))
    _outline(ax_out, (row, 0), (1, 1), OUTPUT, "output")
    for r in range(out.size):
        ax_cols.text(-0.2, r + 0.5, f"({r // out.shape[1]}, {r % out.shape[1]})", ha="right", va="center")
    ax_cols.set_title(f"im2col matrix: {cols.shape[0]} output cells × {cols.shape[1]} kernel entries")
    ax_kernel.set_title("kernel,\nflattened")
    ax_out.set_title("output,\nflattened")
    middle = cols.shape[0] / 2
    ax_cols.text(cols.shape[1] + 0.6, middle, "×", fontsize=18, ha="center", va="center")
    ax_kernel.text(1.6, middle, "=", fontsize=18, ha="center", va="center")
    return fig


def _grid(ax: Axes, values: np.ndarray, rows: int, colours: np.ndarray) -> None:
    """A table of numbers, row 0 at the top; every panel shows ``rows`` rows of space so that
    the cells of all panels are the same size."""
    for (r, c), value in np.ndenumerate(values):
        ax.add_patch(Rectangle((c, r), 1, 1, facecolor=colours[r, c], edgecolor="0.4", alpha=0.6,
                               clip_on=False))
        ax.text(c + 0.5, r + 0.5, f"{value:g}", ha="center", va="center", gid="cell")
    ax.set_xlim(0, values.shape[1])
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _outline(ax: Axes, corner: tuple[int, int], shape: tuple[int, int], colour: str, gid: str) -> None:
    """A thick frame around the ``shape`` cells whose top-left cell is ``corner`` (row, column)."""
    (r, c), (h, w) = corner, shape
    ax.add_patch(Rectangle((c, r), w, h, fill=False, edgecolor=colour, linewidth=3, gid=gid,
                           clip_on=False))
