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
    "shared_legend",
    "latent_scatter",
    "image_rows",
    "latent_frame",
    "score_histograms",
    "heatmap",
    "vae_diagram",
    "posterior_ellipses",
    "rate_distortion",
    "manifold",
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


def show_images(
    images: torch.Tensor,
    nrow: int | None = None,
    title: str | None = None,
    scale: float = 0.6,
    labels: list[str] | None = None,
):
    """A figure of an image grid (greyscale, no axes); `labels` names the images of a single row beneath them."""
    grid = image_grid(images, nrow)
    extra = 0.5 if labels else 0.0
    fig, ax = plt.subplots(figsize=(grid.shape[1] / 28 * scale, grid.shape[0] / 28 * scale + extra))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if labels:
        h = images.shape[-1]
        for i, name in enumerate(labels):
            ax.text(2 + i * (h + 2) + h / 2, grid.shape[0] + 3, name, ha="center", va="top", fontsize=8, rotation=30)
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
HELD_OUT_DASHES = (4, 2)  # dash and gap, in line widths


def curves(
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    ax=None,
    *,
    legend: bool = True,
    fontsize: float = 8,
):
    """Line plot of named (x, y) series; a name's `train`/`val`/`test` word picks the line style (held-out data
    dashed) and the rest of the name the colour, so a run's training and test curves share a hue.

    The legend has one entry per colour (a plain line) and, when both kinds are drawn, one per line style, drawn
    long enough to show its dashes. Its entries are also the axes' labelled artists, so a caller's own
    `ax.legend(...)` or `shared_legend(fig, ax)` (one legend for a figure of several panels) shows the same ones;
    `legend=False` draws none in the panel."""
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
    runs = list(dict.fromkeys(frame["run"]))
    splits = list(dict.fromkeys(frame["split"]))
    base = sns.color_palette()
    colours = dict(zip(runs, base if len(runs) <= len(base) else sns.color_palette("husl", len(runs)), strict=False))
    few = frame.groupby(["run", "split"]).size().max() < 30
    styled = len(splits) > 1
    style = (
        {  # several splits (train and test): colour for the run, solid or dashed as the split says
            "style": "split",
            "style_order": splits,
            "dashes": {s: HELD_OUT_DASHES if s in HELD_OUT else "" for s in splits},
            "markers": dict.fromkeys(splits, "o") if few else False,
        }
        if styled
        else {"marker": "o" if few else None, "linestyle": "--" if splits[0] in HELD_OUT else "-"}
    )
    sns.lineplot(
        frame, x="x", y="y", hue="run", hue_order=runs, palette=colours, markersize=4, markeredgewidth=0, ax=ax,
        sort=False, legend=False, **style,
    )  # fmt: skip
    if frame["x"].nunique() == 1:  # a single epoch: one tick, not a range around it
        ax.set_xticks(frame["x"].unique())
    elif np.allclose(frame["x"], np.round(frame["x"])):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # epochs, not 1.5
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    # The legend's entries as empty lines of the axes (they draw nothing and leave the axis limits alone): a plain
    # line per colour, and a grey line per style whose dashes are those of the curves.
    held_out_only = not styled and splits[0] in HELD_OUT
    for run in runs:
        dashes = {"dashes": HELD_OUT_DASHES} if held_out_only else {}
        ax.add_artist(matplotlib.lines.Line2D([], [], color=colours[run], lw=1.8, label=run, **dashes))
    if styled:
        for s in splits:
            dashes = {"dashes": HELD_OUT_DASHES} if s in HELD_OUT else {}
            name = f"{s} (dashed)" if s in HELD_OUT else s or "other"
            ax.add_artist(matplotlib.lines.Line2D([], [], color="0.3", lw=1.5, label=name, **dashes))
    if legend:
        ax.legend(fontsize=fontsize, handlelength=3.2, title=None)
    return fig


def shared_legend(fig: plt.Figure, ax=None, ncol: int | None = None, fontsize: float = 9, below: bool = True):
    """One legend for a figure of panels that share their entries: the labelled artists of `ax` (default: the
    first axes that has any), placed under the panels (or right of them with `below=False`); the panels' own
    legends are removed. Returns the legend."""
    axes = [a for a in fig.axes if a.get_legend_handles_labels()[1]]
    source = ax if ax is not None else (axes[0] if axes else fig.axes[0])
    handles, labels = source.get_legend_handles_labels()
    for a in fig.axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    if below:
        ncol = ncol or min(len(labels), 5)
        kw = {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0)}
    else:
        ncol = ncol or 1
        kw = {"loc": "center left", "bbox_to_anchor": (1.0, 0.5)}
    return fig.legend(handles, labels, ncol=ncol, fontsize=fontsize, handlelength=3.2, frameon=False, **kw)


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


def score_histograms(
    samples: dict[str, np.ndarray],
    title: str | None = None,
    bins: int = 50,
    ax=None,
    *,
    xlabel: str = "score",
    legend: bool = True,
    fontsize: float = 8,
):
    """Overlaid density histograms of named score samples (e.g. in- and out-of-distribution); returns the figure.
    `legend=False` leaves the legend to the caller (e.g. `shared_legend`: the sets are the axes' labelled
    artists either way)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.4))
    else:
        fig = ax.figure
    frame = pd.concat(
        [pd.DataFrame({"score": np.asarray(v, dtype=np.float64), "set": k}) for k, v in samples.items()],
        ignore_index=True,
    )
    names = list(samples)
    colours = dict(zip(names, sns.color_palette(), strict=False))
    sns.histplot(
        frame, x="score", hue="set", hue_order=names, palette=colours, bins=bins, stat="density", common_norm=False,
        element="step", alpha=0.35, ax=ax, legend=False,
    )  # fmt: skip
    for name in names:  # the legend's entries: an empty patch per set in its colours (draws nothing, limits kept)
        patch = matplotlib.patches.Rectangle((0, 0), 0, 0, facecolor=(*colours[name], 0.35), edgecolor=colours[name])
        ax.add_artist(patch)
        patch.set_label(name)
    if legend:
        ax.legend(fontsize=fontsize, loc="best")
    ax.set_xlabel(xlabel)
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


def image_rows(
    rows: dict[str, torch.Tensor],
    scale: float = 0.55,
    *,
    title: str | None = None,
    column_labels: list[str] | None = None,
):
    """A figure with one labelled row of images per entry (e.g. originals / VAE / AE); returns the figure.

    `title` goes above the rows in a band of its own (never over the first row: use it rather than
    `fig.suptitle`); `column_labels` (one per image of the longest row, e.g. the value of a traversed latent
    dimension) go under the last row."""
    n_rows = len(rows)
    n = max(len(v) for v in rows.values())
    grids = {k: image_grid(v, nrow=n) for k, v in rows.items()}
    width = max(g.shape[1] for g in grids.values())
    body = n_rows * 0.75 * scale * 1.6 + 0.2
    top = 0.32 if title else 0.0  # inches for the title band
    bottom = 0.25 if column_labels else 0.0  # inches for the column labels
    fig, axes = plt.subplots(n_rows, 1, figsize=(width / 28 * scale + 1.2, body + top + bottom))
    axes = np.atleast_1d(axes)
    for ax, (label, grid) in zip(axes, grids.items(), strict=True):
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.grid(False)  # the theme's grid is for plots, not images
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if column_labels:
        w = next(iter(rows.values())).shape[-1]  # image_grid's cells: a 2-pixel pad, then the image
        last = axes[-1]
        last.set_xticks([2 + i * (w + 2) + w / 2 for i in range(len(column_labels))])
        last.set_xticklabels(column_labels, fontsize=8)
        last.tick_params(axis="x", length=0, pad=2)
    height = body + top + bottom
    fig.tight_layout(rect=(0, 0, 1, 1 - top / height))
    if title:
        fig.suptitle(title, y=1 - 0.5 * top / height, va="center", fontsize=10)
    return fig


def latent_frame(
    z: np.ndarray,
    labels: np.ndarray,
    class_names,
    recon: torch.Tensor,
    title: str,
    lim: float | None = None,
    *,
    axis_labels: tuple[str, str] | None = None,
):
    """One GIF frame: the latent scatter above a strip of reconstructions; returns the figure. `axis_labels`
    replaces the scatter's z_1 and z_2 (e.g. principal components of a larger latent)."""
    fig = plt.figure(figsize=(5.2, 5.6))
    ax = fig.add_axes((0.12, 0.25, 0.85, 0.68))
    latent_scatter(z, labels, class_names, title=title, ax=ax, lim=lim)
    if axis_labels:
        ax.set_xlabel(axis_labels[0])
        ax.set_ylabel(axis_labels[1])
    strip = fig.add_axes((0.02, 0.02, 0.96, 0.14))
    strip.imshow(image_grid(recon, nrow=len(recon)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    strip.set_axis_off()
    return fig


# ----------------------------------------------------------------------------------------------------------
# Pictures of the ideas (the report's concept figures), drawn from real models like every other figure
# ----------------------------------------------------------------------------------------------------------


def _thumb(ax, image: np.ndarray, xy: tuple[float, float], zoom: float, frame: str = "0.4"):
    """A grey-level image [H, W] placed on `ax` centred at `xy` (data coordinates)."""
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    box = AnnotationBbox(
        OffsetImage(image, cmap="gray", norm=matplotlib.colors.Normalize(0, 1), zoom=zoom), xy, frameon=True, pad=0.15,
        bboxprops={"edgecolor": frame, "linewidth": 0.8},
    )  # fmt: skip
    ax.add_artist(box)


def vae_diagram(x: torch.Tensor, x_hat: torch.Tensor, mu: np.ndarray, sigma: np.ndarray):
    """The VAE's data flow for one real image: x -> encoder -> (mu, sigma) -> z = mu + sigma * eps -> decoder ->
    x_hat, with the two loss terms; `x`, `x_hat` [1, H, W] and the image's posterior `mu`, `sigma` [D]."""
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(7.4, 3.6))  # drawn at about the column width: the fonts stay legible
    ax.set_xlim(0, 12)
    ax.set_ylim(-0.2, 4.9)
    ax.axis("off")

    def box(cx: float, cy: float, w: float, h: float, text: str, colour: str) -> None:
        ax.add_patch(
            FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0.05", facecolor=colour, edgecolor="0.3")
        )
        ax.text(cx, cy, text, ha="center", va="center", fontsize=11)

    def arrow(a: tuple[float, float], b: tuple[float, float]) -> None:
        ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "-|>", "color": "0.25", "lw": 1.3})

    _thumb(ax, x[0].numpy(), (0.8, 2.6), 1.6)
    ax.text(0.8, 1.45, "input $x$", ha="center", fontsize=11)
    arrow((1.45, 2.6), (2.05, 2.6))
    box(3.0, 2.6, 1.8, 1.0, "encoder\n$q_\\phi(z \\mid x)$", "#dbe9f6")
    arrow((3.95, 2.85), (4.75, 3.25))
    arrow((3.95, 2.35), (4.75, 1.95))
    d = ", ".join(f"{v:.2f}" for v in mu[:2]) + (" …" if len(mu) > 2 else "")
    s = ", ".join(f"{v:.2f}" for v in sigma[:2]) + (" …" if len(sigma) > 2 else "")
    ax.text(5.35, 3.3, f"$\\mu$ = ({d})", ha="center", va="center", fontsize=10.5)
    ax.text(5.35, 1.9, f"$\\sigma$ = ({s})", ha="center", va="center", fontsize=10.5)
    box(7.0, 2.6, 1.9, 0.8, "$z = \\mu + \\sigma \\odot \\varepsilon$", "#fde9c9")
    arrow((6.1, 3.25), (6.45, 2.85))
    arrow((6.1, 1.95), (6.45, 2.35))
    ax.text(7.0, 1.0, "$\\varepsilon \\sim \\mathcal{N}(0, I)$\n(the only random step)", ha="center", fontsize=10)
    arrow((7.0, 1.45), (7.0, 2.15))
    arrow((7.95, 2.6), (8.55, 2.6))
    box(9.5, 2.6, 1.8, 1.0, "decoder\n$p_\\theta(x \\mid z)$", "#dbe9f6")
    arrow((10.4, 2.6), (10.6, 2.6))
    _thumb(ax, x_hat[0].numpy(), (11.25, 2.6), 1.6)
    ax.text(11.25, 1.45, "output $\\hat{x}$", ha="center", fontsize=11)
    ax.text(
        6.0, 4.35, "loss = reconstruction $-\\log p_\\theta(x \\mid z)$ (compares $\\hat{x}$ with $x$)\n"
        "+ $\\beta \\cdot$ KL$(q_\\phi(z \\mid x) \\,\\|\\, \\mathcal{N}(0, I))$ (pulls $\\mu$ and $\\sigma$ to the prior)",
        ha="center", va="center", fontsize=10.5, color="0.15",
    )  # fmt: skip
    ax.text(
        6.0, 0.2, "An autoencoder is the same picture without $\\sigma$, $\\varepsilon$ and the KL term: $z = \\mu$.",
        ha="center", fontsize=10, color="0.35", style="italic",
    )  # fmt: skip
    fig.tight_layout()
    return fig


def posterior_ellipses(
    codes: np.ndarray,
    picked_mu: np.ndarray,
    picked_sigma: np.ndarray,
    picked_images: torch.Tensor,
    title: str | None = None,
    ax=None,
    lim: float = 3.5,
):
    """Picked images' posteriors N(mu, diag sigma^2) as 1- and 2-sigma ellipses inside the prior's 1- and 2-sigma
    circles, over the test codes `codes` [N, 2] (grey); each ellipse labelled with its image."""
    from matplotlib.patches import Ellipse

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.2, 5.6))
    else:
        fig = ax.figure
    ax.scatter(codes[:, 0], codes[:, 1], s=2, color="0.75", linewidth=0, label="test codes $\\mu(x)$", zorder=1)
    for r, style in ((1, "-"), (2, "--")):
        ax.add_patch(Ellipse((0, 0), 2 * r, 2 * r, fill=False, ls=style, lw=1.2, ec="black", zorder=2))
    ax.plot([], [], color="black", lw=1.2, label="prior $\\mathcal{N}(0, I)$: 1σ, 2σ (dashed)")
    colours = sns.color_palette(PALETTE, len(picked_mu))
    for i, (m, s) in enumerate(zip(picked_mu, picked_sigma, strict=True)):
        for k, style in ((1, "-"), (2, "--")):
            ax.add_patch(
                Ellipse(tuple(m), 2 * k * s[0], 2 * k * s[1], fill=k == 1, alpha=0.25 if k == 1 else 1,
                        fc=colours[i], ec=colours[i], ls=style, lw=1.4, zorder=3)
            )  # fmt: skip
        ax.plot(*m, "o", color=colours[i], ms=3, zorder=4)
        # the image sits beside its ellipse, pushed outwards so it does not hide it
        norm = np.linalg.norm(m)
        angle = 2 * np.pi * i / len(picked_mu)  # near the origin the direction is arbitrary: spread them evenly
        direction = m / norm if norm > 0.3 else np.array([np.cos(angle), np.sin(angle)])
        _thumb(ax, picked_images[i][0].numpy(), tuple(m + direction * (2 * s.max() + 0.55)), 0.9, frame=colours[i])
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.legend(fontsize=8, loc="lower left", framealpha=0.85)
    if title:
        ax.set_title(title)
    return fig


def rate_distortion(points: pd.DataFrame, title: str | None = None, ax=None, floors: dict[str, float] | None = None):
    """KL (rate) against reconstruction (distortion), one point per beta, one line per `group`: columns `group`,
    `beta`, `rate`, `distortion` (nats per image); optional `reported` rows drawn as crosses. `floors`: label ->
    a distortion drawn as a dotted grey line (e.g. an autoencoder's, the beta -> 0 end)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    colours = dict(zip(points["group"].unique(), sns.color_palette(PALETTE), strict=False))
    for group, g in points.groupby("group", sort=False):
        g = g.sort_values("beta")
        reported = "reported" in g and g["reported"].any()
        ax.plot(g["rate"], g["distortion"], "x--" if reported else "o-", color=colours[group], label=group, ms=6)
        for _, r in g.iterrows():
            ax.annotate(
                f"β={r['beta']:g}", (r["rate"], r["distortion"]), textcoords="offset points", xytext=(5, 4), fontsize=8
            )
    for label, value in (floors or {}).items():
        ax.axhline(value, ls=":", lw=1.4, color="0.35", label=label)
    ax.set_xlabel("rate: KL(q(z|x) ‖ p(z)), nats per image")
    ax.set_ylabel("distortion: reconstruction, nats per image")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def manifold(images: torch.Tensor, ticks: np.ndarray, title: str | None = None, scale: float = 0.45):
    """A decoded n x n latent grid (rows: z2 from high to low, as `latent.quantile_grid`) with its z values on the
    axes; `ticks` [n] are the grid's coordinates along each axis (low to high)."""
    n = len(ticks)
    grid = image_grid(images, nrow=n)
    size = (grid.shape[0] - 2) / n  # one image and its padding
    fig, ax = plt.subplots(figsize=(grid.shape[1] / 28 * scale + 0.9, grid.shape[0] / 28 * scale + 0.7))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.grid(False)
    centres = 2 + size * np.arange(n) + (size - 2) / 2
    every = max(1, n // 7)
    shown = list(range(0, n, every)) + ([n - 1] if (n - 1) % every else [])
    ax.set_xticks(centres[shown], [f"{ticks[i]:.1f}" for i in shown], fontsize=8)
    ax.set_yticks(centres[shown], [f"{ticks[::-1][i]:.1f}" for i in shown], fontsize=8)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return fig
