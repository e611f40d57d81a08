"""Measurements the claims ledger needs beyond the experiment notebooks' tables, taken on the runs that stand for
each seed (loaded from the run cache): what the classifier recognises in reconstructions and prior samples, how
sharp they are, how smoothly the decoder interpolates, how the codes are spread and grouped.

`seed_measures(ctx)` returns one row per measurement (`seed`, `key`, `value`); the claims notebook writes them to
assets/claims/measures.csv, where `vaelib.claims` reads them. Every number is computed here from a model and the
test images, never typed. `measures_or_cached(ctx)` reuses that file when nothing it depends on has changed (the
runs it measures, by name, and the code that measures them), as the run cache reuses a trained run.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import gaussian_kde, spearmanr
from sklearn.neighbors import KNeighborsClassifier

from vaelib import classifier as clf
from vaelib import experiments as E
from vaelib import latent as latent_mod
from vaelib import losses as losses_mod
from vaelib import metrics as M
from vaelib import report
from vaelib.errors import ConfigError
from vaelib.io import atomic_write, digest
from vaelib.runs import Run, RunConfig, model_inputs, run_dir_for

__all__ = ["seed_measures", "measures_or_cached", "measured_configs", "measures_key", "TOPS", "SIMILAR_DIGITS"]

# Fashion-MNIST's tops (T-shirt/top, pullover, dress, coat, shirt), its footwear (sandal, sneaker, ankle boot),
# the classes seed 001 calls distinct silhouettes (trouser, sneaker, bag, ankle boot) and those it does not.
TOPS = (0, 2, 3, 4, 6)
FOOTWEAR = (5, 7, 9)
DISTINCT = (1, 7, 8, 9)
AMBIGUOUS = (2, 4, 6)
# MNIST digit pairs that look alike (seed 004: "smooth transitions between similar digits").
SIMILAR_DIGITS = ((4, 9), (3, 5), (7, 9), (3, 8))


class _Probe:
    """A run with its test images, their labels, codes and reconstructions, and the data set's classifier."""

    def __init__(self, ctx: report.Context, config: RunConfig, n: int):
        self.run: Run = _measured_run(ctx, config)
        split = ctx.splits(self.run)
        n = min(n, len(split.test))
        self.x = ctx.inputs(self.run.config, split.test.images[:n])  # [n, 1, H, W]
        self.y = split.test.labels[:n].long()
        self.train_x = ctx.inputs(self.run.config, split.train.images[:n])
        self.train_y = split.train.labels[:n].long()
        self.mu = report.encode(self.run, self.x)  # [n, D]
        self.recon = report.reconstruct(self.run, self.x)
        self.net, _ = ctx.classifier(self.run.config.data.dataset)

    @functools.cached_property
    def knn_guess(self) -> torch.Tensor:
        """The classes a 10-NN classifier on the codes, fitted on the training codes, gives the test images [n]."""
        knn = KNeighborsClassifier(10).fit(report.encode(self.run, self.train_x).numpy(), self.train_y.numpy())
        return torch.from_numpy(knn.predict(self.mu.numpy()))

    def probs(self, images: torch.Tensor) -> torch.Tensor:
        """Class probabilities of the data set's classifier [N, classes]."""
        return clf.predict(self.net, images)

    def sharpness_of_recon(self) -> float:
        """`sharpness` of this run's test reconstructions."""
        return self.sharpness(self.recon)

    def sharpness(self, images: torch.Tensor) -> float:
        """Mean Laplacian variance of `images` over that of the test images (1: as sharp as the data)."""
        return float(M.laplacian_variance(images).mean() / M.laplacian_variance(self.x).mean())


def _bundle(p: _Probe, key: str, samples_n: int = 1000) -> list[tuple[str, float]]:
    """The measurements every stand-in run gets."""
    out = []
    pred_x, pred_r = p.probs(p.x).argmax(1), p.probs(p.recon).argmax(1)
    out += [("orig_accuracy", float((pred_x == p.y).double().mean())),
            ("recon_accuracy", float((pred_r == p.y).double().mean())),
            ("recon_sharpness", p.sharpness(p.recon))]  # fmt: skip
    per_class = [float((pred_r[p.y == c] == c).double().mean()) for c in p.y.unique().tolist()]
    out.append(("recon_accuracy_worst_class", min(per_class)))
    samples = report.prior_samples(p.run, samples_n, seed=0)
    probs = p.probs(samples)
    conf, cls = probs.max(1)
    share = torch.bincount(cls, minlength=probs.shape[1]).double() / len(cls)
    real_conf = p.probs(p.x).max(1).values
    effective = _effective_classes(cls, probs.shape[1])
    g = torch.Generator().manual_seed(0)
    boot = [
        _effective_classes(cls[torch.randint(len(cls), (len(cls),), generator=g)], probs.shape[1]) for _ in range(200)
    ]
    out += [("sample_effective_classes_lo", float(np.quantile(boot, 0.025))),
            ("sample_effective_classes_hi", float(np.quantile(boot, 0.975)))]  # fmt: skip
    out += [("sample_sharpness", p.sharpness(samples)),
            *_sharpness_interval(p, p.recon, "recon_sharpness"), *_sharpness_interval(p, samples, "sample_sharpness"),
            ("real_confident_90", float((real_conf > 0.9).double().mean())),
            ("real_unsure_50", float((real_conf < 0.5).double().mean())),
            ("n_test", float(len(p.x))), ("n_samples", float(len(samples))),
            ("sample_effective_classes", effective),
            ("sample_confident_90", float((conf > 0.9).double().mean())),
            ("sample_confident_80", float((conf > 0.8).double().mean())),
            ("sample_unsure_50", float((conf < 0.5).double().mean())),
            ("sample_min_class_share", float(share.min())),
            ("sample_classes_of_64", float(len(cls[:64].unique())))]  # fmt: skip
    out += _interpolation(p)
    stats = M.latent_stats(p.mu)
    out += [("mu_std_mean", float(np.mean([s["std"] for s in stats]))), ("silhouette", report.silhouette(p.mu, p.y))]
    # The aggregate posterior q(z) is what should match N(0, I): codes drawn as z = mu + sigma * eps, not the means
    # alone (Var z = Var mu + E sigma^2, so the means' spread sits below 1 by construction).
    z_stats = M.latent_stats(_sampled_codes(p))
    active = [s for s in z_stats if s["std"] > 0.1] or z_stats
    out += [("z_abs_mean_max", max(abs(s["mean"]) for s in active)),
            ("z_std_min", min(s["std"] for s in active)),
            ("z_std_max", max(s["std"] for s in active))]  # fmt: skip
    out.append(("knn_accuracy", float((p.knn_guess == p.y).double().mean())))
    recall = _knn_recall(p)
    out += [("knn_worst_class_recall", min(recall)), ("knn_classes_above_80", float(sum(r > 0.8 for r in recall)))]
    return [(f"{key}.{k}", v) for k, v in out]


def _effective_classes(labels: torch.Tensor, classes: int) -> float:
    """exp(entropy) of the label shares: 1 for one class, `classes` when all are equally common."""
    share = torch.bincount(labels, minlength=classes).double() / len(labels)
    share = share[share > 0]
    return float(torch.exp(-(share * share.log()).sum()))


def _sharpness_interval(p: _Probe, images: torch.Tensor, key: str, draws: int = 200) -> list[tuple[str, float]]:
    """A 95% bootstrap interval of `sharpness(images)` over images (both sets resampled): KEY_lo, KEY_hi."""
    g = torch.Generator().manual_seed(0)
    ours, real = M.laplacian_variance(images).double(), M.laplacian_variance(p.x).double()
    ratios = []
    for _ in range(draws):
        i = torch.randint(len(ours), (len(ours),), generator=g)
        j = torch.randint(len(real), (len(real),), generator=g)
        ratios.append(float(ours[i].mean() / real[j].mean()))
    lo, hi = np.quantile(ratios, [0.025, 0.975])
    return [(f"{key}_lo", float(lo)), (f"{key}_hi", float(hi))]


def _novelty(ctx: report.Context, p: _Probe, key: str, n_samples: int = 1000) -> list[tuple[str, float]]:
    """How new prior samples are: each sample's L2 distance to its nearest training image (all of them), against the
    same distance for real test images, which are new by definition. KEY.sample_near_share: the share of samples
    nearer a training image than the nearest 5% of test images are (about 0.05 when samples are as new as test
    images; near 1 for a model that copies its training images)."""
    train = ctx.inputs(p.run.config, ctx.splits(p.run).train.images).flatten(1)

    def nearest(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.cdist(chunk.flatten(1), train).min(1).values for chunk in x.split(250)])

    test_d = nearest(p.x[:n_samples])
    sample_d = nearest(report.prior_samples(p.run, n_samples, seed=3))
    cut = test_d.quantile(0.05)
    return [(f"{key}.sample_near_share", float((sample_d < cut).double().mean())),
            (f"{key}.sample_nearest_median", float(sample_d.median())),
            (f"{key}.test_nearest_median", float(test_d.median()))]  # fmt: skip


@torch.no_grad()
def _sampled_codes(p: _Probe) -> torch.Tensor:
    """One draw z ~ q(z | x) per test image [n, D] (the means for an autoencoder)."""
    mu, logvar = p.run.model.encode(p.x)
    if logvar is None:
        return mu
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=torch.Generator().manual_seed(0))


def _knn_recall(p: _Probe) -> list[float]:
    """Per-class recall of the probe's 10-NN classifier on the test codes."""
    return [float((p.knn_guess[p.y == c] == c).double().mean()) for c in p.y.unique().tolist()]


def _interpolation(p: _Probe, pairs: int = 50, steps: int = 10) -> list[tuple[str, float]]:
    """Straight lines between the codes of test images of different classes: the largest step between decoded
    neighbours over the mean step (1: evenly paced), and the classifier's confidence in the images in between."""
    g = torch.Generator().manual_seed(0)
    ratios, confidence, confident = [], [], []
    for _ in range(pairs):
        i, j = torch.randint(len(p.mu), (2,), generator=g).tolist()
        if p.y[i] == p.y[j]:
            continue
        path = report.decode(p.run, report.interpolate(p.mu[i], p.mu[j], steps))  # [steps, 1, H, W]
        step = (path[1:] - path[:-1]).flatten(1).norm(dim=1)
        ratios.append(float(step.max() / step.mean().clamp_min(1e-8)))
        conf = p.probs(path[1:-1]).max(1).values
        confidence.append(float(conf.median()))
        confident += (conf > 0.9).tolist()
    return [("interp_step_ratio", float(np.median(ratios))), ("interp_confidence", float(np.median(confidence))),
            ("interp_confident_90", float(np.mean(confident))), ("interp_images", float(len(confident)))]  # fmt: skip


def _sample_diversity(run: Run, n: int = 64, draws: int = 20, scale: float = 1.0) -> tuple[float, float]:
    """Mean pairwise L2 of `n` decoded samples of N(0, scale^2 I), mean and standard deviation over `draws` draws."""
    vals = [M.mean_pairwise_l2(report.prior_samples(run, n, seed=s, scale=scale)) for s in range(draws)]
    return float(np.mean(vals)), float(np.std(vals))


def _separation(mu: torch.Tensor, y: torch.Tensor) -> float:
    """Scale-free class separation of codes: mean distance between class centroids over the mean within-class
    standard deviation (a plot with autoscaled axes shows this, whatever the codes' scale)."""
    cent = _centroids(mu, y)
    between = np.mean([float((cent[a] - cent[b]).norm()) for a, b in itertools.combinations(sorted(cent), 2)])
    within = np.mean([float(mu[y == c].std(0).norm()) for c in cent])
    return float(between / within)


def _centroids(mu: torch.Tensor, y: torch.Tensor) -> dict[int, torch.Tensor]:
    return {c: mu[y == c].mean(0) for c in y.unique().tolist()}


def _seed000(ctx: report.Context, n: int) -> list[tuple[str, float]]:
    p = _Probe(ctx, E.latent_2d("fashion-mnist", "seed"), n)
    out = _bundle(p, "000")
    grid = report.decode(p.run, report.quantile_grid(15)).flatten(1)  # the 15 x 15 manifold, rows of 15
    cells = grid.view(15, 15, -1)
    steps = torch.cat(
        [(cells[:, 1:] - cells[:, :-1]).norm(dim=-1).flatten(), (cells[1:] - cells[:-1]).norm(dim=-1).flatten()]
    )
    out.append(("000.grid_step_ratio_p95", float(steps.quantile(0.95) / steps.median().clamp_min(1e-8))))
    losses = pd.DataFrame(p.run.history).train_loss.to_numpy()
    out.append(
        ("000.loss_largest_rise", float(max(0.0, (losses[1:] / losses[:-1] - 1).max())) if len(losses) > 1 else 0.0)
    )
    # The latent's geometry, on each of the three training seeds (one run could show a shape by chance).
    probes = [p] + [_Probe(ctx, E.latent_2d("fashion-mnist", "seed", s), n) for s in E.LATENT_2D_SEEDS]
    rho = [_density_confidence(q) for q in probes]
    unsure = [_centroid_paths(q) for q in probes]
    fans = [_fan(q) for q in probes]
    for k, q in enumerate(probes):  # per training seed: the codes' extremes, the grid, the class centroids
        for d in range(q.mu.shape[1]):
            out += [(f"000.s{k}.mu_min_d{d}", float(q.mu[:, d].min())), (f"000.s{k}.mu_max_d{d}", float(q.mu[:, d].max())),
                    (f"000.s{k}.mu_mean_d{d}", float(q.mu[:, d].mean()))]  # fmt: skip
        cells_k = report.decode(q.run, report.quantile_grid(15)).flatten(1).view(15, 15, -1)
        steps_k = torch.cat([(cells_k[:, 1:] - cells_k[:, :-1]).norm(dim=-1).flatten(),
                             (cells_k[1:] - cells_k[:-1]).norm(dim=-1).flatten()])  # fmt: skip
        out.append((f"000.s{k}.grid_step_max_over_mean", float(steps_k.max() / steps_k.mean().clamp_min(1e-8))))
        out += _centroid_measures(q, f"000.s{k}")
    for k, q in enumerate(probes):  # per training seed: the aggregate posterior, class regions and the fan
        z = [st for st in M.latent_stats(_sampled_codes(q)) if st["std"] > 0.1] or M.latent_stats(_sampled_codes(q))
        out += [(f"000.s{k}.z_abs_mean_max", max(abs(st["mean"]) for st in z)),
                (f"000.s{k}.z_std_min", min(st["std"] for st in z)), (f"000.s{k}.z_std_max", max(st["std"] for st in z)),
                (f"000.s{k}.knn_worst_class_recall", min(_knn_recall(q))),
                (f"000.s{k}.fan_ratio", fans[k][0]), (f"000.s{k}.centroid_path_unsure", unsure[k])]  # fmt: skip
    out += _novelty(ctx, p, "000")
    rho = [r for r in rho if not math.isnan(r)] or [math.nan]
    out += [("000.grid_density_confidence_rho", float(np.mean(rho))),
            ("000.grid_density_confidence_rho_sd", float(np.std(rho, ddof=1)) if len(rho) > 1 else math.nan),
            ("000.grid_density_confidence_seeds", float(sum(not math.isnan(r) for r in rho))),
            ("000.centroid_path_unsure", float(np.mean(unsure))),
            ("000.centroid_path_unsure_sd", float(np.std(unsure, ddof=1))),
            ("000.fan_ratio_median", float(np.mean([f[0] for f in fans]))),
            ("000.fan_seeds", float(sum(f[1] > f[2] / 2 for f in fans))),
            ("000.seeds", float(len(probes)))]  # fmt: skip
    return out


def _density_confidence(p: _Probe) -> float:
    """Spearman correlation, over the 15 x 15 grid, between the density of the test codes (Gaussian KDE) at a cell
    and the classifier's confidence in its decoded image: high when dense regions decode to recognisable items."""
    cells = report.quantile_grid(15)  # [225, 2]
    try:
        density = gaussian_kde(p.mu.T.double().numpy())(cells.T.double().numpy())
    except np.linalg.LinAlgError:  # codes on a line or a point (a collapsed latent): no density to compare
        return math.nan
    confidence = p.probs(report.decode(p.run, cells)).max(1).values.numpy()
    return float(spearmanr(density, confidence).statistic)  # NaN when either side is constant


def _centroid_paths(p: _Probe, steps: int = 21) -> float:
    """On straight lines between every two class centroids of the codes, the mean fraction of the decoded points
    the classifier is unsure of (top-1 probability under 0.6): small when one class gives way to the next abruptly."""
    cent = _centroids(p.mu, p.y)
    unsure = []
    for a, b in itertools.combinations(sorted(cent), 2):
        path = report.decode(p.run, report.interpolate(cent[a], cent[b], steps))  # [steps, 1, H, W]
        unsure.append(float((p.probs(path).max(1).values < 0.6).double().mean()))
    return float(np.mean(unsure))


def _centroid_measures(p: _Probe, key: str, steps: int = 21) -> list[tuple[str, float]]:
    """At the class centroids of the codes and between them: whether each centroid decodes to an image recognised
    as its class (top-1 above 0.9), how evenly the lines between centroids decode (largest over mean step, median
    over the pairs), and how much of a plain pixel cross-fade between the two centroids' images the classifier is
    unsure of (top-1 under 0.6): the reference a sharp transition in the latent should beat."""
    cent = _centroids(p.mu, p.y)
    labels = sorted(cent)
    decoded = report.decode(p.run, torch.stack([cent[c] for c in labels]))
    conf, cls = p.probs(decoded).max(1)
    ratios, fade = [], []
    t = torch.linspace(0, 1, steps).view(-1, 1, 1, 1)
    for i, j in itertools.combinations(range(len(labels)), 2):
        path = report.decode(p.run, report.interpolate(cent[labels[i]], cent[labels[j]], steps))
        step = (path[1:] - path[:-1]).flatten(1).norm(dim=1)
        ratios.append(float(step.max() / step.mean().clamp_min(1e-8)))
        blend = (1 - t) * decoded[i] + t * decoded[j]
        fade.append(float((p.probs(blend).max(1).values < 0.6).double().mean()))
    recognised = (cls == torch.tensor(labels)) & (conf > 0.9)
    return [(f"{key}.centroid_recognised", float(recognised.double().mean())), (f"{key}.centroids", float(len(labels))),
            (f"{key}.centroid_path_step_ratio", float(np.median(ratios))),
            (f"{key}.crossfade_unsure", float(np.mean(fade)))]  # fmt: skip


def _fan(p: _Probe) -> tuple[float, int, int]:
    """The "fan" of a 2-D latent: each class's codes spread along the ray from the centre of all codes through the
    class centroid (radial) more than across it (tangential). The centre, not the origin: the codes of seed 000's
    loss sit off the origin. Per class the ratio of the two variances: (median, classes above 1.5, classes)."""
    centre = p.mu.mean(0)
    ratios = []
    for c, m in _centroids(p.mu, p.y).items():
        d = p.mu[p.y == c] - m  # [n_c, 2]
        ray = (m - centre) / (m - centre).norm().clamp_min(1e-8)
        radial = d @ ray
        tangential = d @ torch.stack([-ray[1], ray[0]])
        ratios.append(float(radial.var() / tangential.var().clamp_min(1e-12)))
    return float(np.median(ratios)), sum(r > 1.5 for r in ratios), len(ratios)


def _seed001(ctx: report.Context, n: int) -> list[tuple[str, float]]:
    p = _Probe(ctx, E.vae_vs_ae("fashion-mnist"), n)
    out = _bundle(p, "001")
    h = pd.DataFrame(p.run.history)
    last = h.val_loss.to_numpy()
    out.append(("001.val_loss_last5_change", float(abs(last[-1] / last[max(0, len(last) - 6)] - 1))))
    out.append(("001.val_loss_fell", float(last[-1] < last[0])))
    fall = last[0] - last.min()
    out.append(("001.val_loss_last5_over_fall", float(abs(last[-1] - last[max(0, len(last) - 6)]) / max(fall, 1e-12))))
    ssim = {c: M.image_quality(p.x[p.y == c], p.recon[p.y == c])["ssim"] for c in p.y.unique().tolist()}
    out.append(("001.ssim_distinct_minus_ambiguous", float(np.mean([ssim[c] for c in DISTINCT if c in ssim])
                                                           - np.mean([ssim[c] for c in AMBIGUOUS if c in ssim]))))  # fmt: skip
    # The 10-NN classifier in the latent (the bundle's): where do the misassigned test images go?
    guess = p.knn_guess
    wrong = guess != p.y
    tops = torch.tensor(TOPS)
    inside = torch.isin(p.y[wrong], tops) & torch.isin(guess[wrong], tops)
    out.append(("001.knn_errors_within_tops", float(inside.double().mean()) if wrong.any() else float("nan")))
    cent = _centroids(p.mu, p.y)
    groups = [TOPS, FOOTWEAR]
    within = [
        float((cent[a] - cent[b]).norm())
        for g in groups
        for a, b in itertools.combinations(g, 2)
        if a in cent and b in cent
    ]
    across = [float((cent[a] - cent[b]).norm()) for a in TOPS for b in FOOTWEAR if a in cent and b in cent]
    out.append(("001.centroid_within_over_across", float(np.mean(within) / np.mean(across))))
    ae = _Probe(ctx, E.vae_vs_ae("fashion-mnist", deterministic=True), n)
    ae_conf = ae.probs(report.prior_samples(ae.run, 1000, seed=0)).max(1).values
    out += [("001.ae_recon_sharpness", ae.sharpness(ae.recon)), *_sharpness_interval(ae, ae.recon, "001.ae_recon_sharpness"),
            ("001.ae_sample_unsure_50", float((ae_conf < 0.5).double().mean()))]  # fmt: skip
    # Seed 003's claims on the AE (MNIST, its data set; seed 001's MLPs): the test - train gap of the per-image
    # MSE of the final AE and VAE on 10,000 images of each split, with its standard error
    for name, det in (("vae", False), ("ae", True)):
        q = _Probe(ctx, E.vae_vs_ae("mnist", deterministic=det), 10000)
        err_test = (q.x - q.recon).pow(2).flatten(1).mean(1)
        err_train = (q.train_x - report.reconstruct(q.run, q.train_x)).pow(2).flatten(1).mean(1)
        se = math.sqrt(err_test.var() / len(err_test) + err_train.var() / len(err_train))
        out += [(f"003.{name}_mse_gap", float(err_test.mean() - err_train.mean())), (f"003.{name}_mse_gap_se", se)]
        if det:  # an AE decoder fed draws of a Gaussian fitted to its own training codes
            codes = report.encode(q.run, q.train_x).double()
            fitted = torch.distributions.MultivariateNormal(
                codes.mean(0), torch.cov(codes.T) + 1e-6 * torch.eye(codes.shape[1])
            )
            torch.manual_seed(0)
            conf = q.probs(report.decode(q.run, fitted.sample((1000,)).float())).max(1).values
            out.append(("003.ae_fitted_confident_90", float((conf > 0.9).double().mean())))
            # the floor of "cannot generate": images of uniform noise, through the same classifier
            noise = torch.rand(1000, *q.x.shape[1:], generator=torch.Generator().manual_seed(0))
            out.append(("003.noise_confident_90", float((q.probs(noise).max(1).values > 0.9).double().mean())))
            vae = _Probe(ctx, E.vae_vs_ae("mnist"), 2000)
            vconf = vae.probs(report.prior_samples(vae.run, 1000, seed=0)).max(1).values
            out.append(("003.vae_sample_confident_90", float((vconf > 0.9).double().mean())))
            out.append(("003.real_confident_90", float((q.probs(q.x).max(1).values > 0.9).double().mean())))
    return out


def _seed002(ctx: report.Context, n: int) -> list[tuple[str, float]]:
    p = _Probe(ctx, E.conv_bn_16("fashion-mnist"), n)
    out = _bundle(p, "002")
    for sigma in (0.1, 0.5, 1.0):
        mean, sd = _sample_diversity(p.run, scale=sigma)
        conf = p.probs(report.prior_samples(p.run, 500, seed=1, scale=sigma)).max(1).values
        out += [(f"002.sigma{sigma:g}_diversity", mean), (f"002.sigma{sigma:g}_diversity_sd", sd),
                (f"002.sigma{sigma:g}_confident_80", float((conf > 0.8).double().mean())),
                (f"002.sigma{sigma:g}_confident_90", float((conf > 0.9).double().mean()))]  # fmt: skip
    # a fresh N(0, I) draw, other seeds than the sigma = 1 draws: the seed's "standard case"
    base = [M.mean_pairwise_l2(report.prior_samples(p.run, 64, seed=100 + s)) for s in range(20)]
    out.append(("002.baseline_diversity", float(np.mean(base))))
    for beta in E.SEED_002_BETAS:
        b = _Probe(ctx, E.beta_sweep("fashion-mnist", beta), n)
        mean, sd = _sample_diversity(b.run)
        sharp = [b.sharpness(b.recon)] + [
            _Probe(ctx, E.beta_sweep("fashion-mnist", beta, seed=s), n).sharpness_of_recon() for s in E.BETA_SEEDS
        ]
        out += [(f"002.beta{beta:g}_recon_sharpness", float(np.mean(sharp))),
                (f"002.beta{beta:g}_recon_sharpness_sd", float(np.std(sharp, ddof=1)) if len(sharp) > 1 else 0.0),
                (f"002.beta{beta:g}_diversity", mean), (f"002.beta{beta:g}_diversity_sd", sd),
                (f"002.beta{beta:g}_separation", _separation(b.mu, b.y))]  # fmt: skip
        frames = ctx.latent_frames(b.run)
        first, last = frames[min(frames)], frames[max(frames)]
        target = ctx.inputs(b.run.config, ctx.splits(b.run).test.images[: len(first["recon"])])
        out += [(f"002.beta{beta:g}_frame_mse_first", float((first["recon"] - target).pow(2).mean())),
                (f"002.beta{beta:g}_frame_mse_last", float((last["recon"] - target).pow(2).mean()))]  # fmt: skip
    return out


def _seed003(ctx: report.Context, n: int) -> list[tuple[str, float]]:
    out = []
    for z in E.UNET_LATENTS:
        out += _bundle(_Probe(ctx, E.unet_latent(z), n), f"003.z{z}", samples_n=500)
    gan = _Probe(ctx, E.sharp_decoder("mnist", 16, "perceptual+gan"), n)
    out += [("003.gan16.recon_accuracy", float((gan.probs(gan.recon).argmax(1) == gan.y).double().mean())),
            ("003.gan16.recon_sharpness", gan.sharpness(gan.recon))]  # fmt: skip
    snaps = ctx.snapshots(_measured_run(ctx, E.unet_latent(2), snapshots=True, probe_n=E.UNET_PROBE_N))
    labels = ctx.splits(_measured_run(ctx, E.unet_latent(2))).test.labels[: len(snaps[0]["mu"])]
    sil = [report.silhouette(s["mu"], labels) for s in snaps]
    out += [("003.z2_silhouette_first_epoch", sil[0]), ("003.z2_silhouette_last_epoch", sil[-1])]
    return out


def _seed004(ctx: report.Context, n: int) -> list[tuple[str, float]]:
    p = _Probe(ctx, E.sampling_mlp("mnist"), n)
    out = _bundle(p, "004")
    cent = _centroids(p.mu, p.y)
    pairs = sorted(itertools.combinations(sorted(cent), 2), key=lambda ab: float((cent[ab[0]] - cent[ab[1]]).norm()))
    ranks = [pairs.index(pair) + 1 for pair in SIMILAR_DIGITS if pair in pairs]
    out += [("004.similar_pairs_median_rank", float(np.median(ranks)) if ranks else math.nan),
            ("004.pairs", float(len(pairs))),
            ("004.pca2_silhouette", report.silhouette(report.pca(p.mu, 2)[0], p.y))]  # fmt: skip
    train_mu = report.encode(p.run, p.train_x)
    pca2, train2 = report.pca(p.mu, 2, fit=train_mu)[0], report.pca(train_mu, 2, fit=train_mu)[0]  # one projection
    knn = KNeighborsClassifier(10).fit(train2.numpy(), p.train_y.numpy())
    out.append(("004.pca2_knn_accuracy", float((torch.from_numpy(knn.predict(pca2.numpy())) == p.y).double().mean())))
    out += _novelty(ctx, p, "004")
    return out


def seed_measures(ctx: report.Context, n: int = 2000) -> pd.DataFrame:
    """Every measurement of the ledger's model-based checks, on `n` test images per run (runs from the cache)."""
    rows = []
    for seed, fn in (("000", _seed000), ("001", _seed001), ("002", _seed002), ("003", _seed003), ("004", _seed004)):
        rows += [{"seed": seed, "key": k, "value": v} for k, v in fn(ctx, n)]
    return pd.DataFrame(rows)


_CACHE_SECTION = "# -- the cache of the measurements --"
# -- the cache of the measurements ---------------------------------------------------------------------------


def measured_configs() -> list[RunConfig]:
    """Every run `seed_measures` loads, as the full profile names them (`_measured_run` refuses any other)."""
    fashion = "fashion-mnist"
    return [
        E.latent_2d(fashion, "seed"),
        *(E.latent_2d(fashion, "seed", s) for s in E.LATENT_2D_SEEDS),
        E.vae_vs_ae(fashion),
        E.vae_vs_ae(fashion, deterministic=True),
        E.vae_vs_ae("mnist"),
        E.vae_vs_ae("mnist", deterministic=True),
        E.conv_bn_16(fashion),
        *(E.beta_sweep(fashion, b) for b in E.SEED_002_BETAS),
        *(E.beta_sweep(fashion, b, seed=s) for b in E.SEED_002_BETAS for s in E.BETA_SEEDS),
        *(E.unet_latent(z) for z in E.UNET_LATENTS),
        E.sharp_decoder("mnist", 16, "perceptual+gan"),
        E.sampling_mlp("mnist"),
    ]


def _measured_run(ctx: report.Context, config: RunConfig, **record) -> Run:
    """`ctx.run(config, **record)` for a run `measured_configs` lists: the cache key cannot miss a run it measures."""
    if config.name not in {c.name for c in measured_configs()}:
        raise ConfigError(f"the ledger's measurements load {config.name}: add it to vaelib.measures.measured_configs")
    return ctx.run(config, **record)


def measures_key(ctx: report.Context, n: int = 2000) -> dict:
    """What the measurements depend on: the runs (their cache names: every setting, hashed), the classifiers, the
    number of test images and the code that measures (this module, the metrics, the classifier, the losses, the
    latent helpers and the preparation of inputs). The same key, the same numbers."""
    runs = sorted(run_dir_for(ctx.config(c), ctx.runs_root).name for c in measured_configs())
    classifiers = sorted(
        (replace(ctx.classifier_config, dataset=d) if ctx.classifier_config else clf.ClassifierConfig.domain(d)).name
        for d in E.DATASETS
    )
    own = Path(__file__).read_text().split(_CACHE_SECTION)[0]  # the measurements, not this cache's machinery
    sources = [M, clf, losses_mod, model_inputs, *(getattr(latent_mod, f) for f in _LATENT_USED)]
    code = digest(
        [own] + [Path(s.__file__).read_text() if hasattr(s, "__file__") else inspect.getsource(s) for s in sources]
    )
    return {"runs": runs, "classifiers": classifiers, "n_test": n, "code": code}


# The latent helpers the measurements call through `report` (their code is part of the key).
_LATENT_USED = ("encode", "encode_mean", "decode", "decode_mean", "reconstruct", "prior_samples", "quantile_grid",
                "interpolate", "silhouette", "pca")  # fmt: skip


def measures_or_cached(ctx: report.Context, n: int = 2000) -> tuple[pd.DataFrame, str]:
    """The measurements (written as the table ASSETS/measures), and a sentence saying where they came from: the
    table already there when its key (ASSETS/measures.json) matches `measures_key`, otherwise `seed_measures` on
    the runs (trained first if the cache lacks them), after which the key is written beside the new table."""
    key = measures_key(ctx, n)
    csv, key_file = ctx.assets / "measures.csv", ctx.assets / "measures.json"
    kept = json.loads(key_file.read_text()) if key_file.exists() else {}
    if csv.exists() and kept.get("key") == key:
        how = (f"Reused {csv.name} (measured {kept.get('measured', 'earlier')}): the same {len(key['runs'])} runs, "
               "named by their settings, and the same measuring code.")  # fmt: skip
        df = pd.read_csv(csv, dtype={"seed": str})
        ctx.table(df, "measures")
        return df, how
    key_file.unlink(missing_ok=True)  # an interrupted measurement leaves no key to trust
    df = seed_measures(ctx, n)
    ctx.table(df, "measures")
    measured = f"{date.today().isoformat()} on the run cache {ctx.runs_root.name}/"
    atomic_write(key_file, (json.dumps({"key": key, "measured": measured}, indent=1) + "\n").encode())
    return df, f"Measured {len(df)} values on {len(key['runs'])} runs."


# -- the classifiers' floor: recomputed on every run (a second per data set), so outside the cached measurements --


def noise_floor(ctx: report.Context, n: int = 1000) -> pd.DataFrame:
    """How sure each data set's classifier is of uniform noise: the share of `n` noise images (seeded as in
    `_seed001`'s MNIST floor) at top-1 above 0.9 and above 0.5. A test of recognisability by confidence means
    something only where noise scores well below real images."""
    rows = []
    for dataset in E.DATASETS:
        net, _ = ctx.classifier(dataset)
        shape = clf.ClassifierConfig.domain(dataset).image_shape
        noise = torch.rand(n, *shape, generator=torch.Generator().manual_seed(0))
        top = clf.predict(net, noise).max(1).values
        rows.append({"data set": dataset, "images": "uniform noise", "n": n,
                     "top-1 above 0.9": float((top > 0.9).double().mean()),
                     "top-1 above 0.5": float((top > 0.5).double().mean())})  # fmt: skip
    return pd.DataFrame(rows)
