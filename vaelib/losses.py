"""Loss terms as pure functions, in nats per example (summed over pixels / latent dimensions, one value per example).

Callers average over the batch. Sources are cited on each function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from vaelib.config_check import check_types, require
from vaelib.errors import ConfigError
from vaelib.models import VAEOutput

__all__ = [
    "bernoulli_nll",
    "gaussian_nll",
    "sse",
    "kl_std_normal",
    "kl_per_dim",
    "free_bits_kl",
    "beta_at",
    "ObjectiveConfig",
    "LossTerms",
    "Objective",
]

LOG_2PI = math.log(2 * math.pi)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) for a factorized Bernoulli decoder, from logits (Kingma & Welling 2014, App. C.1). [B]"""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_nll(mean: torch.Tensor, x: torch.Tensor, log_scale: torch.Tensor | float) -> torch.Tensor:
    """-log N(x; mean, sigma^2 I) with sigma = exp(log_scale) (Kingma & Welling 2014, App. C.2). [B]"""
    log_scale = torch.as_tensor(log_scale, dtype=mean.dtype, device=mean.device)
    z = (x - mean) * torch.exp(-log_scale)
    return (0.5 * z.pow(2) + log_scale + 0.5 * LOG_2PI).flatten(1).sum(1)


def sse(mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Summed squared error: the Gaussian NLL with sigma^2 = 1/2 up to a constant (seed 000's MSE loss x C*H*W). [B]"""
    return (x - mean).pow(2).flatten(1).sum(1)


def optimal_log_scale(mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The shared sigma maximizing the Gaussian likelihood: sigma^2 = MSE (Rybkin et al. 2021, 'sigma-VAE')."""
    return 0.5 * torch.log((x - mean).pow(2).mean().detach().clamp_min(1e-6))


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per latent dimension (Kingma & Welling 2014, App. B). [B, D]"""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def kl_std_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Analytic KL to the standard normal prior, summed over latent dimensions. [B]"""
    return kl_per_dim(mu, logvar).sum(1)


def free_bits_kl(mu: torch.Tensor, logvar: torch.Tensor, free_bits: float) -> torch.Tensor:
    """KL with 'free bits' (Kingma et al. 2016, eq. 15): each dimension's batch-mean KL is floored at `free_bits`
    nats, so the optimizer gains nothing by pushing a dimension below it. Returns a batch-constant [B] tensor."""
    per_dim = kl_per_dim(mu, logvar).mean(0)  # [D]
    return torch.clamp(per_dim, min=free_bits).sum().expand(mu.shape[0])


def beta_at(
    progress: float, beta: float = 1.0, schedule: str = "constant", warmup: float = 0.0, cycles: int = 4
) -> float:
    """The KL weight at `progress` (in epochs, fractional).

    constant: beta. linear: beta * min(1, progress / warmup) (KL warm-up, Bowman et al. 2016; Sonderby et al. 2016).
    cyclical: `cycles` cycles over `warmup` epochs in total, each rising linearly over its first half then holding
    at beta (Fu et al. 2019); after `warmup` epochs, beta.
    """
    if schedule == "constant" or warmup <= 0:
        return beta
    if schedule == "linear":
        return beta * min(1.0, progress / warmup)
    if schedule == "cyclical":
        if progress >= warmup:
            return beta
        period = warmup / cycles
        phase = (progress % period) / period
        return beta * min(1.0, 2.0 * phase)
    raise ConfigError(f"unknown beta schedule {schedule!r}; choose constant, linear or cyclical")


@dataclass(frozen=True)
class ObjectiveConfig:
    """The training objective: likelihood, KL weight and its schedule."""

    likelihood: Literal["bernoulli", "gaussian", "mse"] = "bernoulli"
    # The reconstruction term per example: summed over pixels (nats per example, the ELBO's own scale) or averaged
    # over them (Keras' `mse`, PyTorch's default `reduction="mean"`), which makes beta weigh the KL C*H*W times more.
    reduction: Literal["sum", "mean"] = "sum"
    beta: float = 1.0
    beta_schedule: Literal["constant", "linear", "cyclical"] = "constant"
    warmup_epochs: float = 0.0
    cycles: int = 4
    free_bits: float = 0.0  # nats per latent dimension; 0 disables
    gaussian_scale: float | None = None  # fixed sigma for `gaussian`; None learns the optimal shared sigma

    def __post_init__(self) -> None:
        check_types(self)
        require(self, self.beta >= 0, f"beta must be non-negative, got {self.beta}")
        require(self, self.warmup_epochs >= 0, f"warmup_epochs must be non-negative, got {self.warmup_epochs}")
        require(self, self.cycles >= 1, f"cycles must be at least 1, got {self.cycles}")
        require(self, self.free_bits >= 0, f"free_bits must be non-negative, got {self.free_bits}")
        require(
            self,
            self.gaussian_scale is None or self.gaussian_scale > 0,
            f"gaussian_scale must be positive, got {self.gaussian_scale}",
        )


@dataclass
class LossTerms:
    """Per-example terms of one batch and the scalar that is minimized."""

    loss: torch.Tensor  # scalar: mean over the batch of recon + beta * kl_used
    recon: torch.Tensor  # [B] nats (or summed squared error for `mse`); per pixel for reduction `mean`
    kl: torch.Tensor  # [B] analytic KL (zero for an autoencoder)
    beta: float


class Objective:
    """Computes `LossTerms` for a model output; the trainer calls it without knowing which model it trains."""

    def __init__(self, config: ObjectiveConfig):
        self.config = config  # its likelihood is one of the three: ObjectiveConfig checks that

    def beta(self, progress: float) -> float:
        """The KL weight at `progress` epochs."""
        c = self.config
        return beta_at(progress, c.beta, c.beta_schedule, c.warmup_epochs, c.cycles)

    def reconstruction(self, out: VAEOutput, x: torch.Tensor) -> torch.Tensor:
        """Per-example reconstruction term under the configured likelihood and reduction. [B]"""
        recon = self._summed_reconstruction(out, x)
        return recon / x[0].numel() if self.config.reduction == "mean" else recon

    def _summed_reconstruction(self, out: VAEOutput, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        if c.likelihood == "bernoulli":
            return bernoulli_nll(out.logits, x)
        mean = torch.sigmoid(out.logits)
        if c.likelihood == "mse":
            return sse(mean, x)
        log_scale = math.log(c.gaussian_scale) if c.gaussian_scale else optimal_log_scale(mean, x)
        return gaussian_nll(mean, x, log_scale)

    def __call__(self, out: VAEOutput, x: torch.Tensor, progress: float) -> LossTerms:
        recon = self.reconstruction(out, x)
        if out.logvar is None:  # deterministic autoencoder: no KL term
            kl = torch.zeros_like(recon)
            return LossTerms(loss=recon.mean(), recon=recon, kl=kl, beta=0.0)
        kl = kl_std_normal(out.mu, out.logvar)
        beta = self.beta(progress)
        kl_used = free_bits_kl(out.mu, out.logvar, self.config.free_bits) if self.config.free_bits > 0 else kl
        return LossTerms(loss=(recon + beta * kl_used).mean(), recon=recon, kl=kl, beta=beta)
