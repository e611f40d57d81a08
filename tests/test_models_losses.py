"""Models (shapes, interface, FLOPs) and losses (against torch.distributions and hand computations)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaelib import losses
from vaelib.models import (
    ConvBNConfig,
    ConvConfig,
    MLPConfig,
    ResNetConfig,
    UNetConfig,
    build_model,
    config_from_dict,
    model_flops,
)
from vaelib.models import config_dict as model_config_dict

ALL_CONFIGS = [
    MLPConfig(latent_dim=20),
    MLPConfig(latent_dim=20, hidden=(400, 400)),
    MLPConfig(latent_dim=3, deterministic=True),
    ConvConfig(latent_dim=2),
    ConvConfig(latent_dim=2, deterministic=True),
    ConvBNConfig(latent_dim=16),
    ResNetConfig(latent_dim=8, width=8, blocks_per_stage=1),
]


@pytest.mark.parametrize(
    "cfg", ALL_CONFIGS, ids=lambda c: f"{c.kind}-z{c.latent_dim}-{'ae' if c.deterministic else 'vae'}"
)
def test_shapes_and_interface(cfg):
    torch.manual_seed(0)
    model = build_model(cfg)
    x = torch.rand(5, *cfg.image_shape)
    out = model(x)
    assert out.logits.shape == x.shape and out.x_hat.shape == x.shape
    assert out.mu.shape == (5, cfg.latent_dim) and out.z.shape == (5, cfg.latent_dim)
    assert 0 <= out.x_hat.min() and out.x_hat.max() <= 1
    if cfg.deterministic:
        assert out.logvar is None and torch.equal(out.z, out.mu)
    else:
        assert out.logvar.shape == (5, cfg.latent_dim) and not torch.equal(out.z, out.mu)
    mu, logvar = model.encode(x)
    assert torch.equal(mu, model.encode(x)[0])
    assert model.decode(mu).shape == x.shape
    model.eval()
    assert model.sample(7).shape == (7, *cfg.image_shape)
    assert torch.equal(model.reconstruct(x), model.reconstruct(x))  # deterministic: decodes the mean


def test_other_image_sizes():
    cfg = ConvBNConfig(latent_dim=4, image_shape=(1, 32, 32))
    assert build_model(cfg)(torch.rand(2, 1, 32, 32)).logits.shape == (2, 1, 32, 32)
    mlp = MLPConfig(latent_dim=4, image_shape=(1, 8, 8), hidden=(16,))
    assert build_model(mlp)(torch.rand(2, 1, 8, 8)).logits.shape == (2, 1, 8, 8)
    with pytest.raises(ValueError, match="divisible by 4"):
        build_model(ConvBNConfig(image_shape=(1, 30, 30)))


def test_config_json_round_trip():
    for cfg in ALL_CONFIGS:
        assert config_from_dict(model_config_dict(cfg)) == cfg


def test_mlp_flops_match_hand_count():
    cfg = MLPConfig(latent_dim=20, hidden=(400,))
    d = math.prod(cfg.image_shape)
    macs = d * 400 + 2 * 400 * 20 + 20 * 400 + 400 * d
    assert model_flops(build_model(cfg), cfg.image_shape) == 2 * macs


def test_attention_flops_counted():
    cfg = UNetConfig(latent_dim=4, widths=(8, 16, 32))
    with_attention = model_flops(build_model(cfg), cfg.image_shape)
    without = model_flops(build_model(replace(cfg, attention=False)), cfg.image_shape)
    c, hw = cfg.widths[2], (cfg.image_shape[1] // 4) * (cfg.image_shape[2] // 4)
    # two attention blocks (encoder and decoder mid): qkv and output 1x1 convs plus the QK^T and AV matmuls
    per_block = 2 * (c * 3 * c * hw + c * c * hw) + 2 * 2 * hw * hw * c
    assert with_attention - without == 2 * per_block


def test_conv_flops_counted():
    cfg = ConvConfig(latent_dim=2)
    model = build_model(cfg)
    flops = model_flops(model, cfg.image_shape)
    # first conv alone: 1 -> 32 channels, 3x3, at full resolution
    h, w = cfg.image_shape[1:]
    assert flops > 2 * 9 * 32 * h * w
    assert flops > 5 * model_flops(build_model(MLPConfig()), cfg.image_shape)


# ---------------------------------------------------------------------------------------------- losses


def test_mean_reduction_is_the_per_pixel_mean_as_keras_mse():
    torch.manual_seed(0)
    model = build_model(MLPConfig(latent_dim=2, hidden=(8,)))
    x = torch.rand(4, 1, 28, 28)
    out = model(x)
    mean = losses.Objective(losses.ObjectiveConfig(likelihood="mse", beta=0.001, reduction="mean"))
    summed = losses.Objective(losses.ObjectiveConfig(likelihood="mse", beta=0.001))
    keras_mse = ((out.x_hat - x) ** 2).mean(dim=(1, 2, 3))  # Keras' mse: a mean over every pixel of an example
    assert torch.allclose(mean.reconstruction(out, x), keras_mse, rtol=1e-5)
    terms = mean(out, x, 0.0)
    assert float(terms.loss) == pytest.approx(float((keras_mse + 0.001 * terms.kl).mean()), rel=1e-5)
    # the same objective in summed units: SSE + (pixels * beta) * KL, up to the factor 1 / pixels
    n = x[0].numel()
    assert torch.allclose(summed.reconstruction(out, x) / n, keras_mse, rtol=1e-5)


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4), torch.randn(6, 4)
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = kl_divergence(q, p).sum(1)
    assert torch.allclose(losses.kl_std_normal(mu, logvar), expected, atol=1e-5)
    assert torch.allclose(losses.kl_per_dim(mu, logvar), kl_divergence(q, p), atol=1e-5)


def test_bernoulli_nll_matches_distribution():
    torch.manual_seed(0)
    logits, x = torch.randn(3, 1, 4, 4), torch.randint(0, 2, (3, 1, 4, 4)).float()
    expected = -Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(losses.bernoulli_nll(logits, x), expected, atol=1e-5)
    # grey-level targets: the same formula as BCE on sigmoid outputs (the canonical example's loss)
    xg = torch.rand(3, 1, 4, 4)
    ref = F.binary_cross_entropy(torch.sigmoid(logits), xg, reduction="none").flatten(1).sum(1)
    assert torch.allclose(losses.bernoulli_nll(logits, xg), ref, atol=1e-4)


def test_gaussian_nll_and_sse_by_hand():
    mean = torch.tensor([[0.0, 1.0]])
    x = torch.tensor([[1.0, 1.0]])
    sigma = 0.5
    by_hand = (0.5 * (1 / sigma) ** 2 + math.log(sigma) + 0.5 * math.log(2 * math.pi)) + (
        math.log(sigma) + 0.5 * math.log(2 * math.pi)
    )
    assert losses.gaussian_nll(mean, x, math.log(sigma)).item() == pytest.approx(by_hand, rel=1e-6)
    expected = -Normal(mean, sigma).log_prob(x).sum(1)
    assert torch.allclose(losses.gaussian_nll(mean, x, math.log(sigma)), expected)
    assert losses.sse(mean, x).item() == pytest.approx(1.0)


def test_beta_schedules():
    assert losses.beta_at(0.3, beta=2.0) == 2.0
    assert losses.beta_at(0.0, 1.0, "linear", warmup=4) == 0.0
    assert losses.beta_at(2.0, 1.0, "linear", warmup=4) == pytest.approx(0.5)
    assert losses.beta_at(9.0, 1.0, "linear", warmup=4) == 1.0
    # cyclical: 2 cycles over 4 epochs, each rises over its first half then holds
    values = [losses.beta_at(p, 1.0, "cyclical", warmup=4, cycles=2) for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5)]
    assert values == pytest.approx([0.0, 0.5, 1.0, 1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError):
        losses.beta_at(1.0, 1.0, "weird", warmup=2)


def test_objective_terms_and_free_bits():
    torch.manual_seed(0)
    model = build_model(MLPConfig(latent_dim=4, image_shape=(1, 4, 4), hidden=(8,)))
    x = torch.rand(10, 1, 4, 4)
    out = model(x)
    obj = losses.Objective(losses.ObjectiveConfig(beta=0.5))
    t = obj(out, x, progress=0.0)
    recon = losses.bernoulli_nll(out.logits, x)
    kl = losses.kl_std_normal(out.mu, out.logvar)
    assert torch.allclose(t.recon, recon) and torch.allclose(t.kl, kl)
    assert t.loss.item() == pytest.approx((recon + 0.5 * kl).mean().item(), rel=1e-6)
    # free bits: a large floor dominates, and its gradient w.r.t. the encoder vanishes
    fb = losses.Objective(losses.ObjectiveConfig(free_bits=100.0))(out, x, 0.0)
    assert fb.loss.item() == pytest.approx((recon.mean() + 100.0 * 4).item(), rel=1e-5)
    # warm-up starts at beta = 0
    warm = losses.Objective(losses.ObjectiveConfig(beta_schedule="linear", warmup_epochs=2))(out, x, 0.0)
    assert warm.beta == 0.0 and warm.loss.item() == pytest.approx(recon.mean().item(), rel=1e-6)


def test_objective_autoencoder_has_no_kl():
    model = build_model(MLPConfig(latent_dim=2, image_shape=(1, 4, 4), hidden=(8,), deterministic=True))
    x = torch.rand(3, 1, 4, 4)
    t = losses.Objective(losses.ObjectiveConfig(beta=1.0))(model(x), x, 0.0)
    assert torch.equal(t.kl, torch.zeros(3)) and t.beta == 0.0


def test_gaussian_likelihoods():
    model = build_model(MLPConfig(latent_dim=2, image_shape=(1, 4, 4), hidden=(8,)))
    x = torch.rand(3, 1, 4, 4)
    out = model(x)
    fixed = losses.Objective(losses.ObjectiveConfig(likelihood="gaussian", gaussian_scale=0.1))
    mean = torch.sigmoid(out.logits)
    assert torch.allclose(fixed.reconstruction(out, x), losses.gaussian_nll(mean, x, math.log(0.1)))
    learned = losses.Objective(losses.ObjectiveConfig(likelihood="gaussian"))
    # the optimal shared sigma never does worse than any fixed sigma
    assert learned.reconstruction(out, x).sum() <= fixed.reconstruction(out, x).sum() + 1e-4
    mse = losses.Objective(losses.ObjectiveConfig(likelihood="mse"))
    assert torch.allclose(mse.reconstruction(out, x), ((mean - x) ** 2).flatten(1).sum(1))
    with pytest.raises(ValueError, match="likelihood must be one of"):
        losses.Objective(losses.ObjectiveConfig(likelihood="poisson"))
