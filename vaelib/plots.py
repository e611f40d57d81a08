"""Drawing and saving: the one place figures and image grids are written, so every figure looks the same.

Statistical figures (curves with a hue per run, score histograms, class-coloured scatters, heatmaps) are drawn with
seaborn under one theme and palette, set here on import; image grids and GIF frames stay plain matplotlib.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
import torch  # noqa: E402

__all__ = [
    "image_grid",
    "save_image_grid",
    "save_figure",
    "save_gif",
    "show_images",
    "figure_to_array",
    "curves",
    "latent_scatter",
    "image_rows",
    "latent_frame",
    "score_histograms",
    "heatmap",
    "PALETTE",
]

# One look for every figure: seaborn's white grid, a colour-blind-safe palette for runs and data sets, and the ten
# classes in tab10 (the colours of the latent GIFs and the explorer).
PALETTE = "colorblind"
sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.85, rc={"grid.alpha": 0.5})
CLASS_COLOURS = plt.get_cmap("tab10")


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


def figure_to_array(fig: plt.Figure, dpi: int = 80) -> np.ndarray:
    """Render a figure to an RGB array [H, W, 3] (a GIF frame) and close it."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return rgb


def save_gif(frames: list[np.ndarray], path: str | os.PathLike, fps: float = 4) -> Path:
    """Write RGB (or greyscale in [0, 1]) frames as a looping GIF; frames are padded to a common size."""
    import imageio.v2 as imageio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [(np.clip(f, 0, 1) * 255).astype(np.uint8) if f.dtype != np.uint8 else f for f in frames]
    h = max(f.shape[0] for f in frames)
    w = max(f.shape[1] for f in frames)
    padded = []
    for f in frames:
        pad = [(0, h - f.shape[0]), (0, w - f.shape[1])] + [(0, 0)] * (f.ndim - 2)
        padded.append(np.pad(f, pad, constant_values=255))
    imageio.mimsave(path, padded, duration=1000 / fps, loop=0)
    return path


HELD_OUT = ("val", "test")  # a series named with one of these words is held-out data: dashed


def curves(
    series: dict[str, tuple[np.ndarray, np.ndarray]], xlabel: str, ylabel: str, title: str | None = None, ax=None
):
    """Line plot of named (x, y) series; a name's `train`/`val`/`test` word picks the line style (held-out data
    dashed) and the rest of the name the colour, so a run's training and test curves share a hue."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.4))
    else:
        fig = ax.figure
    frames = []
    for label, (x, y) in series.items():
        words = label.split()
        split = next((w for w in words if w in ("train", *HELD_OUT)), "")
        run = " ".join(w for w in words if w != split) or label
        frames.append(pd.DataFrame({"x": np.asarray(x), "y": np.asarray(y), "run": run, "split": split}))
    frame = pd.concat(frames, ignore_index=True)
    splits = list(dict.fromkeys(frame["split"]))
    few = frame.groupby(["run", "split"]).size().max() < 30
    styled = len(splits) > 1
    style = (
        {  # one split (e.g. validation curves of several runs): colour alone, solid or dashed as the split says
            "style": "split",
            "style_order": splits,
            "dashes": {s: (4, 2) if s in HELD_OUT else "" for s in splits},
            "markers": dict.fromkeys(splits, "o") if few else False,
        }
        if styled
        else {"marker": "o" if few else None, "linestyle": "--" if splits[0] in HELD_OUT else "-"}
    )
    sns.lineplot(
        frame, x="x", y="y", hue="run", markersize=4, markeredgewidth=0, ax=ax, sort=False, **style
    )  # fmt: skip
    if np.allclose(frame["x"], np.round(frame["x"])):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # epochs, not 1.5
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    # The legend's small samples hide the dashes: say it in words.
    labels = [f"{lb} (dashed)" if styled and lb in HELD_OUT else lb for lb in labels]
    ax.legend(handles, labels, fontsize=7, title=None)
    return fig


def latent_scatter(
    z: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    class_names: tuple[str, ...] | list[str],
    title: str | None = None,
    ax=None,
    lim: float | None = None,
):
    """Scatter of 2-D latent codes coloured by class; returns the figure."""
    z = np.asarray(z)
    labels = np.asarray(labels)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.4))
    else:
        fig = ax.figure
    classes = [int(c) for c in np.unique(labels)]
    names = [class_names[c] for c in labels.astype(int)]
    palette = {class_names[c]: CLASS_COLOURS(c % 10) for c in classes}
    sns.scatterplot(
        x=z[:, 0], y=z[:, 1], hue=names, hue_order=[class_names[c] for c in classes], palette=palette,
        s=5, alpha=0.6, linewidth=0, ax=ax,
    )  # fmt: skip
    if lim:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    if title:
        ax.set_title(title)
    ax.legend(markerscale=2, fontsize=7, loc="upper right", framealpha=0.7)
    return fig


def score_histograms(samples: dict[str, np.ndarray], title: str | None = None, bins: int = 50, ax=None):
    """Overlaid density histograms of named score samples (e.g. in- and out-of-distribution); returns the figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.4))
    else:
        fig = ax.figure
    frame = pd.concat(
        [pd.DataFrame({"score": np.asarray(v, dtype=np.float64), "set": k}) for k, v in samples.items()],
        ignore_index=True,
    )
    sns.histplot(
        frame, x="score", hue="set", bins=bins, stat="density", common_norm=False, element="step", alpha=0.35, ax=ax
    )
    sns.move_legend(ax, "best", title=None, fontsize=8)
    ax.set_xlabel("score")
    if title:
        ax.set_title(title)
    return fig


def heatmap(
    table: pd.DataFrame,
    title: str | None = None,
    fmt: str = ".2g",
    cmap: str = "viridis",
    annot: bool = True,
    figsize: tuple[float, float] | None = None,
    ax=None,
    **kw,
):
    """A labelled heatmap of a table (rows and columns as in the DataFrame), with the values written in the cells
    when `annot`; missing values stay blank. Extra keywords go to seaborn.heatmap."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize or (0.6 * table.shape[1] + 2.5, 0.4 * table.shape[0] + 1.2))
    else:
        fig = ax.figure
    sns.heatmap(table, annot=annot, fmt=fmt, cmap=cmap, linewidths=0.5 if annot else 0, ax=ax, **kw)
    ax.grid(False)  # the theme's grid would cross the cells
    if title:
        ax.set_title(title)
    return fig


def image_rows(rows: dict[str, torch.Tensor], scale: float = 0.55):
    """A figure with one labelled row of images per entry (e.g. originals / VAE / AE); returns the figure."""
    n_rows = len(rows)
    n = max(len(v) for v in rows.values())
    grids = {k: image_grid(v, nrow=n) for k, v in rows.items()}
    width = max(g.shape[1] for g in grids.values())
    fig, axes = plt.subplots(n_rows, 1, figsize=(width / 28 * scale + 1.2, n_rows * 0.75 * scale * 1.6 + 0.2))
    axes = np.atleast_1d(axes)
    for ax, (label, grid) in zip(axes, grids.items(), strict=True):
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.grid(False)  # the theme's grid is for plots, not images
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def latent_frame(
    z: np.ndarray,
    labels: np.ndarray,
    class_names,
    recon: torch.Tensor,
    title: str,
    lim: float | None = None,
):
    """One GIF frame: the latent scatter above a strip of reconstructions; returns the figure."""
    fig = plt.figure(figsize=(5.2, 5.6))
    ax = fig.add_axes((0.12, 0.25, 0.85, 0.68))
    latent_scatter(z, labels, class_names, title=title, ax=ax, lim=lim)
    strip = fig.add_axes((0.02, 0.02, 0.96, 0.14))
    strip.imshow(image_grid(recon, nrow=len(recon)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    strip.set_axis_off()
    return fig
