"""The evaluation estimators, each checked against an independent computation or a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import mannwhitneyu
from torch import nn

from vaelib import metrics as M
from vaelib.losses import bernoulli_nll, gaussian_nll, kl_std_normal
from vaelib.models import MLPConfig, build_model


class LinearGaussian(nn.Module):
    """p(z) = N(0, I), p(x|z) = N(Wz + b, s^2 I): log p(x) = log N(x; b, W W^T + s^2 I) in closed form.
    The encoder is deliberately imperfect (shifted mean, inflated variance) so the IWAE bound has work to do."""

    def __init__(self, dx=5, dz=2, s=0.5, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.W = nn.Parameter(torch.randn(dx, dz, generator=g, dtype=torch.float64))
        self.b = nn.Parameter(torch.randn(dx, generator=g, dtype=torch.float64))
        self.s = s

    def encode(self, x):
        eye = torch.eye(self.W.shape[1], dtype=x.dtype)
        cov = torch.linalg.inv(eye + self.W.T @ self.W / self.s**2)
        mu = (x - self.b) @ self.W @ cov.T / self.s**2
        return mu + 0.3, torch.log(torch.diagonal(cov) * 1.5).expand_as(mu)

    def decode(self, z):
        return z @ self.W.T + self.b

    def exact_log_px(self, x):
        cov = self.W @ self.W.T + self.s**2 * torch.eye(self.W.shape[0], dtype=x.dtype)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)

    def log_lik(self, mean, x):
        return -gaussian_nll(mean, x, math.log(self.s))


def test_iwae_converges_to_exact_log_likelihood():
    model = LinearGaussian()
    x = model.decode(torch.randn(20, 2, dtype=torch.float64)) + 0.5 * torch.randn(20, 5, dtype=torch.float64)
    exact = model.exact_log_px(x).detach()
    g = torch.Generator().manual_seed(0)
    est = {}
    for k in (1, 10, 5000):
        est[k] = M.iwae_log_likelihood(model, x, k=k, chunk=700, generator=g, log_likelihood=model.log_lik).double()
    gap = {k: float((exact - v).mean()) for k, v in est.items()}
    assert gap[1] > gap[10] > gap[5000] >= -0.02  # a lower bound that tightens with k
    assert abs(gap[5000]) < 0.02
    assert (est[5000] - exact).abs().max() < 0.1


def test_iwae_above_elbo_and_chunking_invariant():
    torch.manual_seed(0)
    model = build_model(MLPConfig(latent_dim=3, image_shape=(1, 6, 6), hidden=(16,)))
    x = (torch.rand(40, 1, 6, 6) > 0.5).float()
    with torch.no_grad():
        mu, logvar = model.encode(x)
        elbos = []
        for _ in range(200):
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            elbos.append(-(bernoulli_nll(model.decode(z), x) + kl_std_normal(mu, logvar)))
        elbo = torch.stack(elbos).mean(0)
    ll = {k: M.iwae_log_likelihood(model, x, k=k, generator=torch.Generator().manual_seed(1)) for k in (1, 100)}
    assert abs(float(ll[1].mean() - elbo.mean())) < 0.5  # k = 1 is the ELBO itself
    assert float(ll[100].mean()) > float(elbo.mean())
    a = M.iwae_log_likelihood(model, x, k=64, chunk=64, batch_size=40, generator=torch.Generator().manual_seed(3))
    b = M.iwae_log_likelihood(model, x, k=64, chunk=64, batch_size=7, generator=torch.Generator().manual_seed(3))
    assert a.shape == (40,) and torch.isfinite(a).all()
    assert b.shape == (40,)


def test_fid_self_zero_and_matches_torchmetrics():
    from torchmetrics.image.fid import FrechetInceptionDistance

    g = torch.Generator().manual_seed(0)
    real = torch.randn(600, 8, generator=g)
    fake = torch.randn(600, 8, generator=g) * 1.3 + 0.4
    assert M.fid_from_features(real, real) == pytest.approx(0.0, abs=1e-6)
    ours = M.fid_from_features(real, fake)

    class Identity(nn.Module):
        num_features = 8

        def forward(self, x):
            return x

    fid = FrechetInceptionDistance(feature=Identity(), normalize=True)
    fid.update(real.double(), real=True)
    fid.update(fake.double(), real=False)
    assert ours == pytest.approx(float(fid.compute()), rel=1e-3)
    assert ours > 0.5


def test_auroc_aupr_against_independent_counts():
    rng = np.random.default_rng(0)
    pos, neg = rng.normal(1, 1, 300).round(1), rng.normal(0, 1, 500).round(1)  # rounded: ties
    # AUROC is the Mann-Whitney U statistic over the number of pairs (ties count half)
    u = mannwhitneyu(pos, neg, alternative="two-sided").statistic
    assert M.auroc(pos, neg) == pytest.approx(u / (300 * 500), abs=1e-12)
    assert M.auroc(neg, pos) == pytest.approx(1 - M.auroc(pos, neg))
    assert M.auroc([2.0, 3.0], [0.0, 1.0]) == 1.0 and M.auroc([1.0, 1.0], [1.0, 1.0]) == 0.5
    # average precision by hand for a small case: ranks 1 (+), 2 (-), 3 (+) -> (1/1 + 2/3) / 2
    assert M.aupr([3.0, 1.0], [2.0]) == pytest.approx((1 + 2 / 3) / 2)
    assert M.aupr(pos + 100, neg) == 1.0
    fpr, tpr = M.roc(pos, neg)
    assert (
        fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1 and np.trapezoid(tpr, fpr) == pytest.approx(M.auroc(pos, neg))
    )


def test_precision_recall_extremes():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(200, 4, generator=g)
    same = M.precision_recall(a, a.clone())
    assert same == {"precision": 1.0, "recall": 1.0}
    far = M.precision_recall(a, a + 100)
    assert far == {"precision": 0.0, "recall": 0.0}
    # samples collapsed onto a small part of the data: high precision, low recall
    collapsed = a[a[:, 0] > 1.0][:20]
    pr = M.precision_recall(a, collapsed.repeat(10, 1) + 1e-3 * torch.randn(len(collapsed) * 10, 4, generator=g))
    assert pr["precision"] > 0.9 and pr["recall"] < 0.5


def test_latent_diagnostics():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(5000, 4, generator=g) * torch.tensor([1.0, 0.5, 0.05, 0.001])
    assert M.active_units(mu) == 2
    stats = M.latent_stats(mu)
    assert len(stats) == 4 and stats[0]["std"] == pytest.approx(1.0, abs=0.05)
    ev = M.pca_explained_variance(mu)
    assert ev.sum() == pytest.approx(1.0) and ev[0] == pytest.approx(1 / 1.2525, abs=0.02)
    x = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    assert M.mean_pairwise_l2(x) == pytest.approx((5 + 5 + 0) / 3)
    uniform = M.class_entropy(torch.full((10, 10), 0.1))
    assert uniform["class_entropy"] == pytest.approx(math.log(10))
    one = M.class_entropy(torch.nn.functional.one_hot(torch.zeros(10, dtype=torch.long), 10).float())
    assert one["class_entropy"] == pytest.approx(0.0, abs=1e-9)


def test_image_quality_and_compression():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, 1, 16, 16, generator=g)
    perfect = M.image_quality(x, x)
    assert perfect["mse"] == 0 and perfect["ssim"] == pytest.approx(1.0)
    noisy = M.image_quality(x, (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(0, 1))
    assert noisy["ssim"] < 0.99 and 15 < noisy["psnr"] < 30
    flat = torch.zeros(2, 16, 16, dtype=torch.uint8)
    busy = torch.randint(0, 256, (2, 16, 16), generator=g, dtype=torch.uint8)
    assert (M.compression_bits(flat) < M.compression_bits(busy)).all()


# ---------------------------------------------------------------------------------------------- evaluate CLI


def test_domain_classifiers_per_data_set_leave_the_perceptual_nets_alone():
    from vaelib.classifier import DOMAIN_EPOCHS, ClassifierConfig
    from vaelib.sharp import SharpConfig

    mnist, fashion = ClassifierConfig.domain("mnist"), ClassifierConfig.domain("fashion-mnist")
    assert (mnist.num_epochs, fashion.num_epochs) == (DOMAIN_EPOCHS["mnist"], DOMAIN_EPOCHS["fashion-mnist"])
    assert mnist.name.startswith("classifier-mnist-") and fashion.name.startswith("classifier-fashion-mnist-")
    assert mnist.name != ClassifierConfig(dataset="mnist").name
    # a sharp run's perceptual feature net is built from the dataclass defaults, so its cached net is unchanged
    feature = SharpConfig(perceptual_weight=1.0).feature_classifier("mnist", (1, 28, 28))
    defaults = ClassifierConfig()
    assert (feature.batch_size, feature.lr, feature.max_shift) == (defaults.batch_size, defaults.lr, defaults.max_shift)


def test_posterior_regret_is_a_nonnegative_gap():
    from vaelib.losses import Objective, ObjectiveConfig

    torch.manual_seed(0)
    model = build_model(MLPConfig(latent_dim=2, image_shape=(1, 6, 6), hidden=(16,)))
    x = (torch.rand(30, 1, 6, 6) > 0.5).float()
    obj = Objective(ObjectiveConfig())
    regret = M.posterior_regret(model, x, obj.reconstruction, steps=60, n_eval=32, batch_size=16)
    assert regret.shape == (30,) and regret.mean() > 0  # fitting q to each x can only help, up to noise
    assert all(p.requires_grad for p in model.parameters())  # the model is left as it was


def test_untrained_features_are_a_fixed_random_net_and_give_seed_002s_tiny_fid():
    from vaelib.metrics import fid_from_features, untrained_features

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(300, 1, 28, 28, generator=g), torch.rand(300, 1, 28, 28, generator=g)
    f = untrained_features(x, seed=3)
    assert f.shape == (300, 128) and torch.equal(f, untrained_features(x, seed=3))
    assert not torch.equal(f, untrained_features(x, seed=4))
    same = fid_from_features(f, untrained_features(y, seed=3))
    dark = fid_from_features(f, untrained_features(0.2 * y, seed=3))
    assert 0 <= same < dark < 1  # it still ranks, on a scale where everything rounds to 0.00-ish
