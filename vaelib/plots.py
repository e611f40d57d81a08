"""Drawing and saving: the one place figures and image grids are written, so every figure looks the same."""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

__all__ = ["image_grid", "save_image_grid", "save_figure", "show_images"]


def image_grid(images: torch.Tensor, nrow: int | None = None, pad: int = 2, pad_value: float = 1.0) -> np.ndarray:
    """Tile images [N, 1, H, W] (or [N, H, W]) in [0, 1] into one 2-D array, `nrow` images per row."""
    x = images.detach().float().cpu()
    if x.ndim == 4:
        x = x[:, 0]
    n, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad), pad_value, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top : top + h, left : left + w] = x[i].clamp(0, 1).numpy()
    return grid


def save_figure(fig: plt.Figure, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Save a matplotlib figure (PNG/SVG/PDF by suffix), creating folders, with fixed metadata; closes it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No timestamps in the file: re-running the same code gives the same bytes, so diffs of assets/ mean something.
    metadata = {"Software": None} if path.suffix == ".png" else {}
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return path


def show_images(images: torch.Tensor, nrow: int | None = None, title: str | None = None, scale: float = 0.6):
    """A figure of an image grid (greyscale, no axes)."""
    grid = image_grid(images, nrow)
    fig, ax = plt.subplots(figsize=(grid.shape[1] / 28 * scale, grid.shape[0] / 28 * scale))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def save_image_grid(images: torch.Tensor, path: str | os.PathLike, nrow: int | None = None) -> Path:
    """Write an image grid as a PNG at native resolution (one pixel per image pixel)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, image_grid(images, nrow), cmap="gray", vmin=0, vmax=1, metadata={"Software": None})
    return path
