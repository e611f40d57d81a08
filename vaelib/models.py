"""VAE and autoencoder models behind one interface.

Every model has `encode(x) -> (mu, logvar)`, `decode(z) -> logits` and `forward(x) -> VAEOutput`. The decoder
returns pre-sigmoid `logits`; the image mean is `sigmoid(logits)` for every likelihood, so outputs stay in [0, 1].
Sizes come from the config (`image_shape`, `latent_dim`, widths), never from literals.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from vaelib.config_check import check_types, require
from vaelib.errors import ConfigError
from vaelib.layers import (
    CPUConv2d,
    CPUConvTranspose2d,
    FlattenLinear,
    MapLinear,
    PhaseConvTranspose2d,
    SameConv2d,
    map_linear,
)

__all__ = [
    "VAEOutput",
    "MLPConfig",
    "ConvConfig",
    "ConvBNConfig",
    "ResNetConfig",
    "UNetConfig",
    "build_model",
    "config_from_dict",
    "model_flops",
]


@dataclass
class VAEOutput:
    """What a forward pass returns: decoder logits, posterior parameters and the latent sample."""

    logits: torch.Tensor  # [B, C, H, W], pre-sigmoid
    mu: torch.Tensor  # [B, latent_dim]
    logvar: torch.Tensor | None  # [B, latent_dim]; None for a deterministic autoencoder
    z: torch.Tensor  # [B, latent_dim]

    @property
    def x_hat(self) -> torch.Tensor:
        """The decoded mean image in [0, 1]."""
        return torch.sigmoid(self.logits)


# ----------------------------------------------------------------------------------------------------------
# Configs (one per architecture; `kind` selects the class, `deterministic=True` gives the AE baseline)
# ----------------------------------------------------------------------------------------------------------


ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh, "softplus": nn.Softplus}


@dataclass(frozen=True)
class _BaseConfig:
    latent_dim: int = 20
    image_shape: tuple[int, int, int] = (1, 28, 28)
    deterministic: bool = False  # True: a plain autoencoder with the same encoder/decoder bodies

    def __post_init__(self) -> None:
        check_types(self)
        kind = next((f.default for f in fields(self) if f.name == "kind"), None)
        require(
            self, getattr(self, "kind", kind) == kind, f"kind must be {kind!r}, got {getattr(self, 'kind', None)!r}"
        )
        if hasattr(self, "activation"):
            require(self, self.activation in ACTIVATIONS, f"activation must be one of {', '.join(ACTIVATIONS)}")
        # Every size of every architecture (latent, image, hidden, channels, strides, widths, groups) counts things.
        for f in fields(self):
            value = getattr(self, f.name)
            sizes = value if isinstance(value, tuple) else (value,)
            if f.name != "hidden":  # an MLP may have no hidden layer: hidden=()
                require(self, len(sizes) > 0, f"{f.name} must not be empty")
            if all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
                require(self, all(v >= 1 for v in sizes), f"{f.name} must be at least 1, got {value}")


@dataclass(frozen=True)
class MLPConfig(_BaseConfig):
    """Fully connected VAE: canonical 784-400-20 is `hidden=(400,)`; seed 004 is `hidden=(400, 400)`."""

    kind: str = "mlp"
    hidden: tuple[int, ...] = (400,)
    activation: str = "relu"


@dataclass(frozen=True)
class ConvConfig(_BaseConfig):
    """Seed 000's conv VAE (Keras-book style): 4 convs 32-64-64-64 (second one strided), dense, mirrored decoder."""

    kind: str = "conv"
    channels: tuple[int, ...] = (32, 64, 64, 64)
    strides: tuple[int, ...] = (1, 2, 1, 1)
    dense: int = 32


@dataclass(frozen=True)
class ConvBNConfig(_BaseConfig):
    """Seed 002's conv VAE with BatchNorm: two stride-2 convs 32-64, linear heads, two transposed convs."""

    kind: str = "conv_bn"
    channels: tuple[int, ...] = (32, 64)


@dataclass(frozen=True)
class ResNetConfig(_BaseConfig):
    """A residual conv VAE (pre-activation blocks, two downsamplings) aimed at the best likelihood."""

    kind: str = "resnet"
    width: int = 16  # 16 and one block per stage: about the FLOPs of seed 000's conv VAE, affordable on a CPU
    blocks_per_stage: int = 1


@dataclass(frozen=True)
class UNetConfig(_BaseConfig):
    """Seed 003's U-Net-style VAE: down blocks, a mid block with self-attention, up blocks, and NO skip
    connections from encoder to decoder (they would carry the image around the latent, so prior samples, which
    have no encoder activations to skip, could not be decoded)."""

    kind: str = "unet"
    widths: tuple[int, int, int] = (16, 32, 64)  # channels at full, 1/2 and 1/4 resolution
    attention: bool = True  # self-attention in the mid blocks (encoder and decoder)
    groups: int = 8  # GroupNorm groups (batch-independent, so a GAN's small batches are fine)


CONFIGS: dict[str, type[_BaseConfig]] = {
    c.kind: c for c in (MLPConfig, ConvConfig, ConvBNConfig, ResNetConfig, UNetConfig)
}


def config_from_dict(d: dict[str, Any]) -> _BaseConfig:
    """Rebuild a model config from its JSON form (lists back to tuples)."""
    if d.get("kind") not in CONFIGS:
        raise ConfigError(f"unknown model kind {d.get('kind')!r}; choose one of {', '.join(CONFIGS)}")
    cls = CONFIGS[d["kind"]]
    names = {f.name for f in fields(cls)}
    unknown = set(d) - names
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} settings: {', '.join(sorted(unknown))}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# ----------------------------------------------------------------------------------------------------------
# The shared VAE machinery
# ----------------------------------------------------------------------------------------------------------


class VAE(nn.Module):
    """Encoder body -> (mu, logvar) heads -> reparameterized z -> decoder body -> logits."""

    def __init__(self, config: _BaseConfig, encoder: nn.Module, enc_features: int, decoder: nn.Module):
        super().__init__()
        self.config = config
        self.encoder = encoder  # x [B, C, H, W] -> features [B, enc_features] or a map [B, C', H', W']
        self.fc_mu = nn.Linear(enc_features, config.latent_dim)
        # A deterministic autoencoder has no variance head: same bodies, no noise, no KL.
        self.fc_logvar = None if config.deterministic else nn.Linear(enc_features, config.latent_dim)
        self.decoder = decoder  # z [B, latent_dim] -> logits [B, C, H, W]

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Posterior parameters (mu, logvar) of q(z|x); logvar is None for the autoencoder."""
        h = self.encoder(x)
        # A conv encoder hands over its feature map unflattened: `map_linear` flattens it without a layout copy.
        if self.fc_logvar is None:
            return map_linear(h, self.fc_mu.weight, self.fc_mu.bias), None
        # Both heads in one matmul: the features are read once, forward and backward.
        weight = torch.cat([self.fc_mu.weight, self.fc_logvar.weight])
        bias = torch.cat([self.fc_mu.bias, self.fc_logvar.bias])
        mu, logvar = map_linear(h, weight, bias).split(self.latent_dim, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder logits [B, C, H, W] for latent codes z [B, latent_dim]."""
        return self.decoder(z)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor | None) -> torch.Tensor:
        """z = mu + sigma * eps (Kingma & Welling 2014, sec. 2.4); the mean itself for the autoencoder.

        It samples in eval mode too, as the ELBO is an expectation over q(z|x); `reconstruct` decodes the mean."""
        if logvar is None:
            return mu
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return VAEOutput(logits=self.decode(z), mu=mu, logvar=logvar, z=z)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic reconstructions: the decoded posterior mean, in [0, 1]."""
        return torch.sigmoid(self.decode(self.encode(x)[0]))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images decoded from the prior N(0, I), as means in [0, 1]."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device)
        return torch.sigmoid(self.decode(z))


class Reshape(nn.Module):
    """View a flat batch as [B, *shape]."""

    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape[0], *self.shape)


def _activation(name: str) -> type[nn.Module]:
    return ACTIVATIONS[name]


# ----------------------------------------------------------------------------------------------------------
# Architectures
# ----------------------------------------------------------------------------------------------------------


def _build_mlp(cfg: MLPConfig) -> VAE:
    c, h, w = cfg.image_shape
    n_pixels = c * h * w
    act = _activation(cfg.activation)
    enc: list[nn.Module] = [nn.Flatten()]  # [B, C*H*W]
    width = n_pixels
    for size in cfg.hidden:
        enc += [nn.Linear(width, size), act()]  # [B, size]
        width = size
    dec: list[nn.Module] = []
    width = cfg.latent_dim
    for size in reversed(cfg.hidden):
        dec += [nn.Linear(width, size), act()]
        width = size
    dec += [nn.Linear(width, n_pixels), Reshape(c, h, w)]  # [B, C, H, W]
    return VAE(cfg, nn.Sequential(*enc), cfg.hidden[-1] if cfg.hidden else n_pixels, nn.Sequential(*dec))


def _build_conv(cfg: ConvConfig) -> VAE:
    c, h, w = cfg.image_shape
    enc: list[nn.Module] = []
    in_ch, down = c, 1
    for ch, stride in zip(cfg.channels, cfg.strides, strict=True):
        enc += [CPUConv2d(in_ch, ch, 3, stride=stride, padding=1), nn.ReLU(inplace=True)]  # stride 2 halves H, W
        in_ch, down = ch, down * stride
    fh, fw = h // down, w // down  # 28 -> [B, 64, 14, 14] with the default strides
    flat = in_ch * fh * fw
    # FlattenLinear flattens; the placeholder keeps the layer indices of saved checkpoints.
    enc += [nn.Identity(), FlattenLinear(flat, cfg.dense), nn.ReLU(inplace=True)]  # [B, dense]
    # Decoder mirrors the Keras example: dense -> reshape -> transposed conv (upsample) -> conv to C channels.
    dec = [
        MapLinear(cfg.latent_dim, (in_ch, fh, fw)),  # [B, 64, 14, 14]
        nn.ReLU(inplace=True),
        nn.Identity(),  # MapLinear reshapes; this placeholder keeps the layer indices of saved checkpoints
        CPUConvTranspose2d(in_ch, cfg.channels[0], 3, stride=down, padding=1, output_padding=down - 1),
        nn.ReLU(inplace=True),  # [B, 32, 28, 28]
        SameConv2d(cfg.channels[0], c, 3, padding=1),  # [B, C, 28, 28]
    ]
    return VAE(cfg, nn.Sequential(*enc), cfg.dense, nn.Sequential(*dec))


def _build_conv_bn(cfg: ConvBNConfig) -> VAE:
    c, h, w = cfg.image_shape
    c1, c2 = cfg.channels
    fh, fw = h // 4, w // 4
    enc = nn.Sequential(
        CPUConv2d(c, c1, 3, stride=2, padding=1),
        nn.BatchNorm2d(c1),
        nn.ReLU(inplace=True),  # [B, 32, 14, 14]
        CPUConv2d(c1, c2, 3, stride=2, padding=1),
        nn.BatchNorm2d(c2),
        nn.ReLU(inplace=True),  # [B, 64, 7, 7]; the VAE's heads flatten it
    )
    dec = nn.Sequential(
        MapLinear(cfg.latent_dim, (c2, fh, fw)),  # [B, 64, 7, 7]
        nn.Identity(),  # MapLinear reshapes; this placeholder keeps the layer indices of saved checkpoints
        CPUConvTranspose2d(c2, c1, 4, stride=2, padding=1),
        nn.BatchNorm2d(c1),
        nn.ReLU(inplace=True),  # [B, 32, 14, 14]
        PhaseConvTranspose2d(c1, c, 4, stride=2, padding=1),  # [B, C, 28, 28]
    )
    return VAE(cfg, enc, c2 * fh * fw, dec)


class ResBlock(nn.Module):
    """Pre-activation residual block: x + conv(act(bn(conv(act(bn(x))))))."""

    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(ch),
            nn.SiLU(),
            nn.Conv2d(ch, ch, 3, padding=1),
            nn.BatchNorm2d(ch),
            nn.SiLU(),
            nn.Conv2d(ch, ch, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _build_resnet(cfg: ResNetConfig) -> VAE:
    c, h, w = cfg.image_shape
    k, n = cfg.width, cfg.blocks_per_stage
    fh, fw = h // 4, w // 4
    enc = nn.Sequential(
        nn.Conv2d(c, k, 3, padding=1),  # [B, k, 28, 28]
        *[ResBlock(k) for _ in range(n)],
        nn.Conv2d(k, 2 * k, 4, stride=2, padding=1),  # [B, 2k, 14, 14]
        *[ResBlock(2 * k) for _ in range(n)],
        nn.Conv2d(2 * k, 2 * k, 4, stride=2, padding=1),  # [B, 2k, 7, 7]
        *[ResBlock(2 * k) for _ in range(n)],
        nn.BatchNorm2d(2 * k),
        nn.SiLU(),  # [B, 2k, 7, 7]; the VAE's heads flatten it
    )
    dec = nn.Sequential(
        MapLinear(cfg.latent_dim, (2 * k, fh, fw)),  # [B, 2k, 7, 7]
        nn.Identity(),  # MapLinear reshapes; this placeholder keeps the layer indices of saved checkpoints
        *[ResBlock(2 * k) for _ in range(n)],
        nn.ConvTranspose2d(2 * k, 2 * k, 4, stride=2, padding=1),  # [B, 2k, 14, 14]
        *[ResBlock(2 * k) for _ in range(n)],
        nn.ConvTranspose2d(2 * k, k, 4, stride=2, padding=1),  # [B, k, 28, 28]
        *[ResBlock(k) for _ in range(n)],
        nn.BatchNorm2d(k),
        nn.SiLU(),
        SameConv2d(k, c, 3, padding=1),  # [B, C, 28, 28]
    )
    return VAE(cfg, enc, 2 * k * fh * fw, dec)


class UNetBlock(nn.Module):
    """Residual block GroupNorm-SiLU-conv twice, with a 1x1 projection when the width changes (DDPM style)."""

    def __init__(self, c_in: int, c_out: int, groups: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(min(groups, c_in), c_in),
            nn.SiLU(),
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.GroupNorm(min(groups, c_out), c_out),
            nn.SiLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
        )
        self.skip = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


class SelfAttention(nn.Module):
    """Single-head self-attention over the H*W positions of a feature map, added residually."""

    def __init__(self, ch: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(min(groups, ch), ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).transpose(-1, -2).unbind(1)  # [B, HW, C] each
        a = nn.functional.scaled_dot_product_attention(q, k, v)  # [B, HW, C]
        return x + self.proj(a.transpose(-1, -2).reshape(b, c, h, w))


def _mid_block(ch: int, cfg: UNetConfig) -> list[nn.Module]:
    return [UNetBlock(ch, ch, cfg.groups), *([SelfAttention(ch, cfg.groups)] if cfg.attention else [])]


def _build_unet(cfg: UNetConfig) -> VAE:
    c, h, w = cfg.image_shape
    w0, w1, w2 = cfg.widths
    fh, fw = h // 4, w // 4
    g = cfg.groups
    enc = nn.Sequential(
        nn.Conv2d(c, w0, 3, padding=1),  # [B, w0, 28, 28]
        UNetBlock(w0, w0, g),
        nn.Conv2d(w0, w1, 3, stride=2, padding=1),  # down: [B, w1, 14, 14]
        UNetBlock(w1, w1, g),
        nn.Conv2d(w1, w2, 3, stride=2, padding=1),  # down: [B, w2, 7, 7]
        *_mid_block(w2, cfg),  # mid: [B, w2, 7, 7]
        nn.GroupNorm(min(g, w2), w2),
        nn.SiLU(),  # [B, w2, 7, 7]; the VAE's heads flatten it
    )
    dec = nn.Sequential(
        MapLinear(cfg.latent_dim, (w2, fh, fw)),  # [B, w2, 7, 7]
        nn.Identity(),  # MapLinear reshapes; this placeholder keeps the layer indices of saved checkpoints
        *_mid_block(w2, cfg),  # mid: [B, w2, 7, 7]
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(w2, w1, 3, padding=1),  # up: [B, w1, 14, 14]
        UNetBlock(w1, w1, g),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(w1, w0, 3, padding=1),  # up: [B, w0, 28, 28]
        UNetBlock(w0, w0, g),
        nn.GroupNorm(min(g, w0), w0),
        nn.SiLU(),
        SameConv2d(w0, c, 3, padding=1),  # [B, C, 28, 28]
    )
    return VAE(cfg, enc, w2 * fh * fw, dec)


_BUILDERS = {
    "mlp": _build_mlp,
    "conv": _build_conv,
    "conv_bn": _build_conv_bn,
    "resnet": _build_resnet,
    "unet": _build_unet,
}


def build_model(config: _BaseConfig) -> VAE:
    """Instantiate the model a config describes."""
    c, h, w = config.image_shape
    if config.kind in ("conv_bn", "resnet", "unet") and (h % 4 or w % 4):
        raise ConfigError(f"{config.kind} needs H and W divisible by 4, got {config.image_shape}")
    return _BUILDERS[config.kind](config)


def config_dict(config: _BaseConfig) -> dict[str, Any]:
    """A JSON-ready dict of a model config."""
    return asdict(config)


# ----------------------------------------------------------------------------------------------------------
# FLOPs (for the benchmark's compute bound)
# ----------------------------------------------------------------------------------------------------------


def model_flops(model: nn.Module, image_shape: tuple[int, int, int]) -> int:
    """Multiply-add FLOPs (2 per MAC) of one forward pass of one example through Linear, conv and attention layers."""
    total = 0
    hooks = []

    def count(mod: nn.Module, inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(mod, nn.Linear):
            total += 2 * mod.in_features * mod.out_features
        elif isinstance(mod, nn.Conv2d):
            k = math.prod(mod.kernel_size) * mod.in_channels // mod.groups
            total += 2 * k * out[0].numel()
        elif isinstance(mod, nn.ConvTranspose2d):
            k = math.prod(mod.kernel_size) * mod.out_channels // mod.groups
            total += 2 * k * inp[0][0].numel()
        elif isinstance(mod, SelfAttention):  # its projections are convs; here the two matmuls QK^T and AV
            _, c, h, w = inp[0].shape
            total += 2 * 2 * (h * w) ** 2 * c

    # VAE.encode runs both heads as one matmul on their weights (the modules are never called): count them here.
    heads = [h for h in (getattr(model, "fc_mu", None), getattr(model, "fc_logvar", None)) if h is not None]
    total += sum(2 * h.in_features * h.out_features for h in heads)
    for m in model.modules():
        if isinstance(m, nn.Linear | nn.Conv2d | nn.ConvTranspose2d | SelfAttention) and not any(m is h for h in heads):
            hooks.append(m.register_forward_hook(count))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *image_shape, device=next(model.parameters()).device))
    model.train(was_training)
    for hk in hooks:
        hk.remove()
    return total


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
