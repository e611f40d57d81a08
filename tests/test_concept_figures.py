"""The report's concept figures draw what their captions promise: ellipses per posterior, one point per beta, z ticks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.patches import Ellipse

from vaelib import plots
from vaelib.latent import quantile_grid


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_posterior_ellipses_draws_two_per_image_and_the_prior():
    mu = np.array([[1.0, 1.0], [-1.5, 0.2], [0.0, 0.0]])
    sigma = np.array([[0.2, 0.3], [0.1, 0.1], [0.4, 0.2]])
    fig = plots.posterior_ellipses(np.random.default_rng(0).normal(size=(50, 2)), mu, sigma, torch.rand(3, 1, 8, 8))
    ellipses = [p for p in fig.axes[0].patches if isinstance(p, Ellipse)]
    assert len(ellipses) == 2 + 2 * len(mu)  # prior 1 and 2 sigma, then 1 and 2 sigma per image
    first = ellipses[2]  # the first image's 1-sigma ellipse: centred on mu, axes 2 sigma long
    assert first.center == pytest.approx((1.0, 1.0)) and (first.width, first.height) == pytest.approx((0.4, 0.6))
    assert fig.axes[0].get_xlim() == pytest.approx((-3.5, 3.5))


def test_rate_distortion_has_a_point_per_beta_and_the_floor():
    points = pd.DataFrame({"group": ["ours"] * 3, "beta": [1.0, 0.1, 0.5], "rate": [5.0, 9.0, 6.0],
                           "distortion": [211.0, 209.0, 210.0]})  # fmt: skip
    fig = plots.rate_distortion(points, floors={"autoencoder": 205.0})
    line, floor = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [9.0, 6.0, 5.0]  # sorted by beta, rate falls as beta grows
    assert list(floor.get_ydata()) == [205.0, 205.0]
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["β=0.1", "β=0.5", "β=1"]


def test_manifold_ticks_are_the_grid_values():
    grid = quantile_grid(15)
    ticks = grid[:15, 0].numpy()
    fig = plots.manifold(torch.rand(225, 1, 8, 8), ticks)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == f"{ticks[0]:.1f}" and labels[-1] == f"{ticks[-1]:.1f}"
    ylabels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ylabels[0] == f"{ticks[-1]:.1f}"  # the top row is the highest z2


def test_vae_diagram_shows_the_posterior_numbers():
    x = torch.rand(1, 8, 8)
    fig = plots.vae_diagram(x, x, np.array([0.25, -1.5, 3.0]), np.array([0.5, 0.125, 1.0]))
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "0.25, -1.50 …" in text and "0.50, 0.12 …" in text
