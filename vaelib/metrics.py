"""Evaluation estimators: likelihood (ELBO, IWAE), image quality (MSE/SSIM/PSNR), FID and precision/recall on
domain features, latent-space diagnostics and OOD scores. Each is tested against an independent computation."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np
import torch
from scipy import linalg
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from vaelib.losses import bernoulli_nll, kl_per_dim
from vaelib.models import VAEOutput

__all__ = [
    "iwae_log_likelihood",
    "elbo_terms",
    "image_quality",
    "frechet_distance",
    "gaussian_stats",
    "precision_recall",
    "class_entropy",
    "active_units",
    "latent_stats",
    "pca_explained_variance",
    "mean_pairwise_l2",
    "auroc",
    "aupr",
    "roc",
    "compression_bits",
    "posterior_regret",
    "untrained_features",
]

LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------------------------------------- likelihood


def _log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(-1)


@torch.no_grad()
def iwae_log_likelihood(
    model: torch.nn.Module,
    x: torch.Tensor,
    k: int = 1000,
    batch_size: int = 100,
    chunk: int = 250,
    generator: torch.Generator | None = None,
    progress: bool = False,
    log_likelihood: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) per example (Burda et al. 2016, eq. 8) for a Bernoulli decoder.

    log p(x) ~= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x). Computed in log space with a running
    logsumexp over chunks of samples, so memory is O(batch_size * chunk * pixels) whatever k is. Returns [N] nats.
    `log_likelihood(decoder_output, x) -> [B]` defaults to the Bernoulli log-likelihood of logits.
    """
    log_px = log_likelihood or (lambda logits, target: -bernoulli_nll(logits, target))
    from tqdm.auto import tqdm  # noqa: PLC0415

    model.eval()
    device = next(model.parameters()).device
    out = []
    for i in tqdm(range(0, len(x), batch_size), desc=f"IWAE k={k}", disable=not progress, leave=False):
        xb = x[i : i + batch_size].to(device)
        b = len(xb)
        mu, logvar = model.encode(xb)
        acc = torch.full((b,), -math.inf, device=device, dtype=torch.float64)
        done = 0
        while done < k:
            c = min(chunk, k - done)
            eps = torch.randn(c, b, mu.shape[1], generator=generator, device="cpu").to(device)
            z = mu + torch.exp(0.5 * logvar) * eps  # [c, b, D]
            logits = model.decode(z.reshape(c * b, -1))  # [c*b, C, H, W]
            x_rep = xb.unsqueeze(0).expand(c, *xb.shape).reshape(c * b, *xb.shape[1:])
            log_px_z = log_px(logits, x_rep).view(c, b)
            log_pz = _log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
            log_qz = _log_normal(z, mu, logvar)
            log_w = (log_px_z + log_pz - log_qz).double()  # [c, b]
            acc = torch.logaddexp(acc, torch.logsumexp(log_w, 0))
            done += c
        out.append(acc - math.log(k))
    return torch.cat(out).float().cpu()


@torch.no_grad()
def elbo_terms(model: torch.nn.Module, x: torch.Tensor, reconstruction: Callable, batch_size: int = 256) -> dict:
    """Per-example reconstruction term and KL (one posterior sample), plus KL per latent dimension. Nats."""
    model.eval()
    device = next(model.parameters()).device
    recon, kl, kl_dims = [], [], []
    for i in range(0, len(x), batch_size):
        xb = x[i : i + batch_size].to(device)
        out = model(xb)
        recon.append(reconstruction(out, xb).cpu())
        if out.logvar is None:
            kl_dims.append(torch.zeros_like(out.mu).cpu())
        else:
            kl_dims.append(kl_per_dim(out.mu, out.logvar).cpu())
    kl_dims_t = torch.cat(kl_dims)
    kl = kl_dims_t.sum(1)
    return {"recon": torch.cat(recon), "kl": kl, "kl_per_dim": kl_dims_t.mean(0)}


# ---------------------------------------------------------------------------------------------- image quality


@torch.no_grad()
def image_quality(x: torch.Tensor, x_hat: torch.Tensor) -> dict[str, float]:
    """Mean per-pixel MSE, SSIM and PSNR (data range 1) of reconstructions, with torchmetrics."""
    from torchmetrics.functional.image import (  # noqa: PLC0415
        peak_signal_noise_ratio,
        structural_similarity_index_measure,
    )

    x, x_hat = x.float().cpu(), x_hat.float().cpu().clamp(0, 1)
    ssim = structural_similarity_index_measure(x_hat, x, data_range=1.0)
    # PSNR per image, then averaged (the per-image convention of seed 003), not of the pooled MSE.
    psnr = peak_signal_noise_ratio(x_hat, x, data_range=1.0, reduction="none", dim=(1, 2, 3))
    return {"mse": float((x - x_hat).pow(2).mean()), "ssim": float(ssim), "psnr": float(psnr.mean())}


@torch.no_grad()
def laplacian_variance(images: torch.Tensor) -> torch.Tensor:
    """Sharpness of each image [N, C, H, W] in [0, 1]: the variance of its 3x3 Laplacian over the valid
    positions (Pech-Pacheco et al. 2000), averaged over channels; blur lowers it. [N]"""
    x = images.float().cpu()
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    lap = torch.nn.functional.conv2d(x.flatten(0, 1).unsqueeze(1), kernel)  # [N*C, 1, H-2, W-2]
    return lap.flatten(1).var(1).view(x.shape[0], x.shape[1]).mean(1)


# ---------------------------------------------------------------------------------------------- FID, P&R


def gaussian_stats(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (unbiased) of features [N, F], in float64."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017), as in the reference implementation."""
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def fid_from_features(real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID between two feature sets [N, F]."""
    return frechet_distance(*gaussian_stats(real), *gaussian_stats(fake))


@torch.no_grad()
def untrained_features(images: torch.Tensor, seed: int = 0, batch_size: int = 500) -> torch.Tensor:
    """128-d features [N, 128] of images [N, C, H, W] from a randomly initialised, never trained CNN: three
    conv + ReLU + max-pool blocks (32, 64, 128 channels) and a global average: seed 002's "toy FID" feature net
    (it states 3 conv layers, pooling and 128 features; the widths and the global pooling are our choice)."""
    gen = torch.Generator().manual_seed(seed)
    layers, c_in = [], images.shape[1]
    with torch.random.fork_rng():  # the layers' default initialisation would draw from the caller's RNG
        for c_out in (32, 64, 128):
            conv = torch.nn.Conv2d(c_in, c_out, 3, padding=1)
            # PyTorch's default initialisation, drawn from our generator so the net is a function of `seed`
            bound = 1 / math.sqrt(c_in * 9)
            conv.weight.copy_(torch.empty_like(conv.weight).uniform_(-bound, bound, generator=gen))
            conv.bias.copy_(torch.empty_like(conv.bias).uniform_(-bound, bound, generator=gen))
            layers += [conv, torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
            c_in = c_out
    net = torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).eval()
    return torch.cat([net(images[i : i + batch_size].float()) for i in range(0, len(images), batch_size)])


def _kth_nn_radius(feats: torch.Tensor, k: int) -> torch.Tensor:
    d = torch.cdist(feats, feats)
    return d.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> dict[str, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019): the share of fake samples inside the real
    k-NN manifold, and of real samples inside the fake one."""
    real, fake = real.double(), fake.double()
    r_real, r_fake = _kth_nn_radius(real, k), _kth_nn_radius(fake, k)
    precision = (torch.cdist(fake, real) <= r_real.unsqueeze(0)).any(1).double().mean()
    recall = (torch.cdist(real, fake) <= r_fake.unsqueeze(0)).any(1).double().mean()
    return {"precision": float(precision), "recall": float(recall)}


def class_entropy(probs: torch.Tensor) -> dict[str, float]:
    """Class coverage of samples: entropy (nats) of the mean predicted class distribution, its maximum log(C),
    and the mean per-sample entropy (confidence)."""
    p = probs.double()
    marginal = p.mean(0)
    h_marg = float(-(marginal * marginal.clamp_min(1e-12).log()).sum())
    h_cond = float(-(p * p.clamp_min(1e-12).log()).sum(1).mean())
    return {"class_entropy": h_marg, "class_entropy_max": math.log(p.shape[1]), "mean_sample_entropy": h_cond}


# ---------------------------------------------------------------------------------------------- latent space


def active_units(mu: torch.Tensor, threshold: float = 0.01) -> int:
    """Units whose posterior mean varies over the data: Var_x[E_q(z|x)[z_d]] > threshold (Burda et al. 2016)."""
    return int((mu.double().var(0) > threshold).sum())


def latent_stats(z: torch.Tensor) -> list[dict[str, float]]:
    """Per-dimension min, max, mean and std of latent codes [N, D] (seed 000's table)."""
    z = z.double()
    return [
        {"dim": d, "min": float(z[:, d].min()), "max": float(z[:, d].max()),
         "mean": float(z[:, d].mean()), "std": float(z[:, d].std())}
        for d in range(z.shape[1])
    ]  # fmt: skip


def pca_explained_variance(z: torch.Tensor) -> np.ndarray:
    """Explained-variance ratio of each principal component of z [N, D], descending."""
    zc = z.double() - z.double().mean(0)
    s = torch.linalg.svdvals(zc)
    var = s.pow(2)
    return (var / var.sum()).numpy()


def mean_pairwise_l2(x: torch.Tensor) -> float:
    """Mean L2 distance over all distinct pairs of rows of x (flattened): seed 002's diversity metric."""
    f = x.flatten(1).double()
    d = torch.cdist(f, f)
    n = len(f)
    return float(d.sum() / (n * (n - 1)))


# ---------------------------------------------------------------------------------------------- OOD


def _labelled(scores_pos: np.ndarray, scores_neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1 for the positives) and scores of two score samples, as scikit-learn's metrics take them."""
    pos, neg = np.asarray(scores_pos, np.float64), np.asarray(scores_neg, np.float64)
    return np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]


def auroc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    """Area under the ROC curve for 'positive scores higher' (ties count half), by scikit-learn."""
    return float(roc_auc_score(*_labelled(scores_pos, scores_neg)))


def aupr(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    """Average precision with the positives as the class of interest, by scikit-learn."""
    return float(average_precision_score(*_labelled(scores_pos, scores_neg)))


def roc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates of the ROC curve for 'positive scores higher', by scikit-learn."""
    fpr, tpr, _ = roc_curve(*_labelled(scores_pos, scores_neg))
    return fpr, tpr


def posterior_regret(
    model: torch.nn.Module,
    x: torch.Tensor,
    reconstruction: Callable[[object, torch.Tensor], torch.Tensor],
    steps: int = 100,
    lr: float = 0.05,
    n_eval: int = 16,
    batch_size: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """Per-example 'likelihood regret' (Xiao et al. 2020), in the cheap variant that re-fits the posterior
    parameters (mu, logvar) of each example instead of the encoder's weights: how much the negative ELBO drops
    when q(z|x) is optimized for x alone. The encoder was amortized over in-distribution data, so the drop is
    small there and large out of distribution. Nats, [N]; each ELBO is averaged over `n_eval` samples."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(seed)

    def neg_elbo(xb, mu, logvar, n):
        total = 0.0
        for _ in range(n):
            eps = torch.randn(mu.shape, generator=g)
            z = mu + torch.exp(0.5 * logvar) * eps
            out = VAEOutput(logits=model.decode(z), mu=mu, logvar=logvar, z=z)
            total = total + reconstruction(out, xb) + kl_per_dim(mu, logvar).sum(1)
        return total / n

    regrets = []
    try:
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size]
            with torch.no_grad():
                mu0, logvar0 = model.encode(xb)
                before = neg_elbo(xb, mu0, logvar0, n_eval)
            mu, logvar = mu0.clone().requires_grad_(True), logvar0.clone().requires_grad_(True)
            opt = torch.optim.Adam([mu, logvar], lr=lr)
            for _ in range(steps):
                loss = neg_elbo(xb, mu, logvar, 1).sum()  # examples are independent: the sum optimizes each
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                after = neg_elbo(xb, mu, logvar, n_eval)
            regrets.append((before - after).numpy())
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    return np.concatenate(regrets).astype(np.float64)


def compression_bits(images: torch.Tensor, level: int = 9) -> np.ndarray:
    """Code length in bits of each uint8 image under zlib at `level`: the input-complexity estimate L(x) of
    Serra et al. 2020 (they use PNG, whose core is the same DEFLATE coder)."""
    arr = images.detach().cpu()
    if arr.dtype != torch.uint8:
        arr = (arr.clamp(0, 1) * 255).round().to(torch.uint8)
    arr = arr.reshape(len(arr), -1).numpy()
    return np.array([8 * len(zlib.compress(row.tobytes(), level)) for row in arr], dtype=np.float64)
