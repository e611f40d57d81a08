"""Sharper decoders (seed 003): a perceptual loss on a domain classifier's features and a PatchGAN discriminator,
added to the VAE objective. The VAE's own terms (reconstruction and KL, in nats per example) are unchanged and are
what validation reports; the extra terms only shape training.

Sources: perceptual distance on unit-normalized feature maps as in LPIPS (Zhang et al. 2018, eq. 1, without the
learned channel weights, which need ImageNet-trained networks that cannot be downloaded here); PatchGAN
discriminator (Isola et al. 2017, sec. 3.2.2); hinge loss (Lim & Ye 2017); non-saturating loss (Goodfellow et al.
2014); warm-up before the discriminator starts (Esser et al. 2021, "taming transformers", `disc_start`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from vaelib.classifier import ClassifierConfig
from vaelib.config_check import check_types, require
from vaelib.losses import LossTerms, Objective, ObjectiveConfig
from vaelib.models import VAEOutput

__all__ = ["SharpConfig", "PatchDiscriminator", "perceptual_distance", "feature_maps", "SharpObjective"]


@dataclass(frozen=True)
class SharpConfig:
    """The extra training terms of a sharper decoder; weights are per pixel (multiplied by C*H*W, the scale of
    the summed reconstruction term)."""

    perceptual_weight: float = 0.0  # 0 disables the perceptual term
    adversarial_weight: float = 0.0  # final weight of the generator's adversarial term; 0 disables the GAN
    adversarial_loss: Literal["hinge", "nonsaturating"] = "hinge"
    adversarial_start: float = 1.0  # epochs of warm-up (no discriminator) before the adversarial term starts
    adversarial_ramp: float = 0.5  # epochs over which the adversarial weight rises linearly to its final value
    disc_width: int = 32
    disc_lr: float = 2e-4
    # The perceptual feature network: a domain classifier trained with these settings (see `perceptual_classifier`);
    # deliberately NOT the classifier the FID, precision and recall use, so the loss does not optimize the metric.
    feature_widths: tuple[int, int, int] = (16, 32, 64)
    feature_epochs: int = 1
    feature_seed: int = 1
    feature_max_train: int | None = None  # train the feature network on the first N images only (smoke runs)

    def __post_init__(self) -> None:
        check_types(self)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name == "adversarial_loss":
                continue
            if f.type == "float":  # weights, epochs of warm-up and ramp, learning rate (an int is fine: 0)
                require(self, value >= 0, f"{f.name} must be non-negative, got {value}")
            else:  # widths, epochs, seeds and sizes count things
                floor = 0 if f.name == "feature_seed" else 1
                require(
                    self,
                    all(v >= floor for v in (value if isinstance(value, tuple) else (value,))),
                    f"{f.name} must be at least {floor}, got {value}",
                )

    def feature_classifier(self, dataset: str, image_shape: tuple[int, int, int]) -> ClassifierConfig:
        """The `ClassifierConfig` of the perceptual feature network."""
        return ClassifierConfig(
            dataset=dataset,
            image_shape=tuple(image_shape),
            widths=self.feature_widths,
            feature_dim=64,
            num_epochs=self.feature_epochs,
            seed=self.feature_seed,
            max_train=self.feature_max_train,
        )


class PatchDiscriminator(nn.Module):
    """PatchGAN: a small conv net scoring overlapping patches real (> 0) or generated (< 0). [B, 1, H/4, W/4]"""

    def __init__(self, channels: int, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),  # [B, w, 14, 14]
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            nn.GroupNorm(8, 2 * width),
            nn.LeakyReLU(0.2),  # [B, 2w, 7, 7]
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.GroupNorm(8, 2 * width),
            nn.LeakyReLU(0.2),  # [B, 2w, 7, 7]
            nn.Conv2d(2 * width, 1, 3, padding=1),  # [B, 1, 7, 7]: one score per receptive-field patch
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def feature_maps(net: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """The outputs of every conv block of a `DomainClassifier`'s body (before flattening)."""
    maps = []
    for layer in net.body:
        if isinstance(layer, nn.Flatten):
            break
        x = layer(x)
        maps.append(x)
    return maps


def perceptual_distance(net: nn.Module, x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """LPIPS-style distance without learned weights: per layer, features normalized to unit length over channels,
    squared differences summed over channels and averaged over positions; summed over layers. [B]"""
    with torch.no_grad():
        target = feature_maps(net, x)
    dist = x_hat.new_zeros(x_hat.shape[0])
    for f_hat, f in zip(feature_maps(net, x_hat), target, strict=True):
        diff = F.normalize(f_hat, dim=1) - F.normalize(f, dim=1)
        dist = dist + diff.pow(2).sum(1).flatten(1).mean(1)
    return dist


def _disc_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    return F.softplus(-real).mean() + F.softplus(fake).mean()  # non-saturating: -log D(x) - log(1 - D(x_hat))


def _gen_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """Per-example generator loss, averaged over patches. [B]"""
    per_patch = -fake if kind == "hinge" else F.softplus(-fake)  # non-saturating: -log D(x_hat)
    return per_patch.flatten(1).mean(1)


class SharpObjective:
    """The VAE objective plus perceptual and adversarial terms; owns the discriminator and its optimizer.

    Called by the trainer like `Objective`. With gradients enabled (training) and the discriminator active, each
    call first takes one discriminator step on (x, x_hat.detach()), then returns the generator's loss with the
    discriminator frozen. Without gradients (validation), it returns the plain VAE terms. So a sharp run's
    `train_loss` in history.csv is the minimized objective (VAE loss + perceptual + adversarial terms), while its
    `train_recon`, `train_kl` and every validation column are the plain VAE quantities.
    """

    def __init__(
        self,
        objective: ObjectiveConfig,
        config: SharpConfig,
        image_shape: tuple[int, int, int],
        feature_net: nn.Module | None = None,
        seed: int = 0,
    ):
        if config.perceptual_weight > 0 and feature_net is None:
            raise ValueError("a perceptual weight needs a feature network")
        self.base = Objective(objective)
        self.config = config
        self.n_pixels = image_shape[0] * image_shape[1] * image_shape[2]
        self.feature_net = feature_net.eval().requires_grad_(False) if feature_net is not None else None
        self.disc = None
        self.disc_opt = None
        if config.adversarial_weight > 0:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed + 2)  # the discriminator's initial weights depend only on the run's seed
                self.disc = PatchDiscriminator(image_shape[0], config.disc_width)
            self.disc_opt = torch.optim.Adam(self.disc.parameters(), lr=config.disc_lr, betas=(0.5, 0.9))

    def place(
        self, device: torch.device, memory_format: torch.memory_format = torch.contiguous_format
    ) -> SharpObjective:
        """Move the feature network and discriminator to `device` (the trainer calls this once, before resuming).
        Module.to keeps the same Parameter objects, so the discriminator's optimizer stays valid."""
        if self.feature_net is not None:
            # channels-last whatever the model uses: oneDNN runs these small BatchNorm convs faster that way
            self.feature_net.to(device, memory_format=torch.channels_last)
        if self.disc is not None:
            self.disc.to(device, memory_format=memory_format)
        return self

    def state_dict(self) -> dict[str, Any]:
        """Discriminator weights and optimizer state (the feature network is frozen and cached elsewhere)."""
        if self.disc is None:
            return {}
        return {"disc": self.disc.state_dict(), "disc_opt": self.disc_opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Inverse of `state_dict`."""
        if self.disc is not None and state:
            self.disc.load_state_dict(state["disc"])
            self.disc_opt.load_state_dict(state["disc_opt"])

    def adversarial_weight(self, progress: float) -> float:
        """0 during the warm-up, then a linear ramp to the configured weight."""
        c = self.config
        if self.disc is None or progress < c.adversarial_start:
            return 0.0
        ramp = 1.0 if c.adversarial_ramp <= 0 else min(1.0, (progress - c.adversarial_start) / c.adversarial_ramp)
        return c.adversarial_weight * ramp

    def beta(self, progress: float) -> float:
        """The KL weight at `progress` epochs."""
        return self.base.beta(progress)

    def reconstruction(self, out: VAEOutput, x: torch.Tensor) -> torch.Tensor:
        """The VAE's reconstruction term (what evaluation reports). [B]"""
        return self.base.reconstruction(out, x)

    def __call__(self, out: VAEOutput, x: torch.Tensor, progress: float) -> LossTerms:
        terms = self.base(out, x, progress)
        if not torch.is_grad_enabled():
            return terms
        c = self.config
        x_hat = torch.sigmoid(out.logits)
        extra = torch.zeros_like(terms.recon)
        if self.feature_net is not None and c.perceptual_weight > 0:
            perceptual = perceptual_distance(self.feature_net, x_hat, x)
            extra = extra + c.perceptual_weight * self.n_pixels * perceptual
        weight = self.adversarial_weight(progress)
        if weight > 0:
            self.disc.requires_grad_(True)
            d_loss = _disc_loss(c.adversarial_loss, self.disc(x), self.disc(x_hat.detach()))
            self.disc_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            self.disc_opt.step()
            self.disc.requires_grad_(False)  # the generator's backward must not touch the discriminator
            g_loss = _gen_loss(c.adversarial_loss, self.disc(x_hat))
            extra = extra + weight * self.n_pixels * g_loss
        return LossTerms(loss=terms.loss + extra.mean(), recon=terms.recon, kl=terms.kl, beta=terms.beta)
