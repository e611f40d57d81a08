"""Latent-space helpers: encode, decode and reconstruct in batches, prior samples, grids, interpolation,
traversals, and the scores of a latent space (silhouette, PCA). Used by `evaluate`, `report` and the notebooks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from sklearn.metrics import silhouette_score

from vaelib.errors import ConfigError
from vaelib.runs import Run

__all__ = [
    "encode_mean",
    "decode_mean",
    "encode",
    "decode",
    "posterior",
    "reconstruct",
    "prior_samples",
    "quantile_grid",
    "interpolate",
    "traversals",
    "history_frame",
    "silhouette",
    "pca",
]


@torch.no_grad()
def encode_mean(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Posterior means [N, latent_dim] of images x [N, C, H, W], in batches."""
    return torch.cat([model.encode(x[i : i + batch_size])[0] for i in range(0, len(x), batch_size)])


@torch.no_grad()
def decode_mean(model: torch.nn.Module, z: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Decoded mean images [N, C, H, W] in [0, 1] of codes z [N, latent_dim], in batches."""
    return torch.cat([torch.sigmoid(model.decode(z[i : i + batch_size])) for i in range(0, len(z), batch_size)])


def encode(run: Run, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Posterior means [N, latent_dim] of images [N, 1, H, W] (the AE's codes for an autoencoder)."""
    return encode_mean(run.model.eval(), x, batch_size)


@torch.no_grad()
def posterior(run: Run, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The posterior q(z|x) of images x [N, 1, H, W]: means and standard deviations, each [N, latent_dim]."""
    mu, logvar = run.model.eval().encode(x)
    if logvar is None:
        raise ConfigError(f"{Path(run.path).name} is a deterministic autoencoder: it has no posterior spread")
    return mu, torch.exp(0.5 * logvar)


def decode(run: Run, z: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Decoded mean images [N, 1, H, W] in [0, 1] of latent codes [N, latent_dim]."""
    return decode_mean(run.model.eval(), z, batch_size)


def reconstruct(run: Run, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Deterministic reconstructions [N, C, H, W]: the decoded posterior means of images x."""
    return decode(run, encode(run, x, batch_size), batch_size)


def prior_samples(
    run: Run, n: int, seed: int = 0, scale: float = 1.0, mean: torch.Tensor | None = None
) -> torch.Tensor:
    """Decoded means of z ~ N(mean, scale^2 I) (mean 0 by default): prior samples for scale 1."""
    g = torch.Generator().manual_seed(seed)
    z = scale * torch.randn(n, run.model.latent_dim, generator=g)
    return decode(run, z if mean is None else z + mean)


def quantile_grid(n: int = 15, q: float = 0.05) -> torch.Tensor:
    """An n x n grid [n*n, 2] of latent points through Gaussian quantiles q..1-q (rows: z2 from high to low)."""
    ticks = torch.tensor(norm.ppf(np.linspace(q, 1 - q, n)), dtype=torch.float32)
    z1, z2 = torch.meshgrid(ticks, ticks.flip(0), indexing="xy")
    return torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int, mode: str = "linear") -> torch.Tensor:
    """Points [steps, D] from z0 to z1: straight line (`linear`) or great circle (`spherical`, slerp)."""
    t = torch.linspace(0, 1, steps)[:, None]
    if mode == "linear":
        return (1 - t) * z0 + t * z1
    if mode != "spherical":
        raise ConfigError(f"unknown interpolation {mode!r}; choose linear or spherical")
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1 + 1e-7, 1 - 1e-7))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def traversals(run: Run, z: torch.Tensor, dims: Sequence[int], values: torch.Tensor) -> torch.Tensor:
    """Decode z with one dimension at a time set to each of `values`: images [len(dims) * len(values), 1, H, W]."""
    rows = []
    for d in dims:
        zz = z.repeat(len(values), 1)
        zz[:, d] = values
        rows.append(zz)
    return decode(run, torch.cat(rows))


def history_frame(run: Run) -> pd.DataFrame:
    """A run's per-epoch history as a DataFrame."""
    return pd.DataFrame(run.history)


def silhouette(z: torch.Tensor, labels: torch.Tensor, n: int = 2000) -> float:
    """Silhouette score of latent means by class (cluster separation, -1..1), on the first n points."""
    return float(silhouette_score(z[:n].numpy(), labels[:n].numpy()))


def pca(z: torch.Tensor, k: int = 2, fit: torch.Tensor | None = None) -> tuple[torch.Tensor, np.ndarray]:
    """Project codes [N, D] onto the first k principal components of `fit` (default: of `z` itself); also the
    explained-variance ratios of all of `fit`'s components. A fixed `fit` keeps a GIF's frames on one projection."""
    fit = z if fit is None else fit
    center = fit.mean(0)
    _, s, vt = torch.linalg.svd(fit - center, full_matrices=False)
    ratios = (s**2 / (s**2).sum()).numpy()
    return (z - center) @ vt[:k].T, ratios
