"""Sharper decoders: the U-Net VAE, the perceptual distance, the PatchGAN objective and its checkpointing."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from vaelib.classifier import ClassifierConfig, DomainClassifier
from vaelib.losses import ObjectiveConfig
from vaelib.models import UNetConfig, build_model
from vaelib.runs import DataConfig, RunConfig, get_or_train
from vaelib.sharp import SharpConfig, SharpObjective, perceptual_distance
from vaelib.train import OptimConfig, Trainer

SHAPE = (1, 8, 8)
UNET = UNetConfig(latent_dim=3, image_shape=SHAPE, widths=(4, 8, 8), groups=4)


def tiny_x(n=64, seed=0):
    return torch.rand(n, *SHAPE, generator=torch.Generator().manual_seed(seed))


def feature_net():
    torch.manual_seed(0)
    return DomainClassifier(ClassifierConfig(image_shape=SHAPE, widths=(4, 8, 8), feature_dim=8)).eval()


def gan_objective(adversarial_start=0.0, perceptual=0.1):
    cfg = SharpConfig(perceptual_weight=perceptual, adversarial_weight=0.05, adversarial_start=adversarial_start)
    return SharpObjective(ObjectiveConfig(), cfg, SHAPE, feature_net(), seed=0)


def test_unet_shapes_and_decoder_needs_only_z():
    model = build_model(UNetConfig(latent_dim=4))
    x = torch.rand(2, 1, 28, 28)
    out = model(x)
    assert out.logits.shape == x.shape and out.mu.shape == (2, 4) and out.logvar.shape == (2, 4)
    # no encoder-to-decoder skips: a prior sample decodes with nothing but z
    assert model.decode(torch.randn(3, 4)).shape == (3, 1, 28, 28)
    with pytest.raises(ValueError, match="divisible by 4"):
        build_model(UNetConfig(image_shape=(1, 30, 30)))


def test_perceptual_distance_zero_for_same_image_positive_otherwise():
    net = feature_net()
    x = tiny_x(4)
    assert torch.allclose(perceptual_distance(net, x, x), torch.zeros(4), atol=1e-6)
    d = perceptual_distance(net, x.flip(0), x)
    assert d.shape == (4,) and (d > 0).all()


def test_adversarial_weight_warm_up_and_ramp():
    obj = SharpObjective(
        ObjectiveConfig(),
        SharpConfig(adversarial_weight=0.2, adversarial_start=1.0, adversarial_ramp=0.5),
        SHAPE,
    )
    assert [obj.adversarial_weight(p) for p in (0.0, 0.99, 1.0, 1.25, 1.5, 3.0)] == pytest.approx(
        [0.0, 0.0, 0.0, 0.1, 0.2, 0.2]
    )
    with pytest.raises(ValueError, match="feature network"):
        SharpObjective(ObjectiveConfig(), SharpConfig(perceptual_weight=1.0), SHAPE)
    with pytest.raises(ValueError, match="adversarial_loss must be one of"):
        SharpObjective(ObjectiveConfig(), SharpConfig(adversarial_loss="wgan"), SHAPE)


def test_discriminator_trains_only_with_gradients_and_leaks_no_gradient():
    from vaelib.losses import Objective

    torch.manual_seed(0)
    model = build_model(UNET)
    obj = gan_objective()
    x = tiny_x(8)
    out = model(x)
    before = {k: v.clone() for k, v in obj.disc.state_dict().items()}
    with torch.no_grad():
        plain = obj(model(x), x, 1.0)
        torch.manual_seed(3)
        val_out = model(x)
        torch.manual_seed(3)
        assert obj(val_out, x, 1.0).loss.item() == Objective(ObjectiveConfig())(model(x), x, 1.0).loss.item()
    assert all(torch.equal(before[k], v) for k, v in obj.disc.state_dict().items())  # validation: no D step
    terms = obj(out, x, 1.0)
    assert any(not torch.equal(before[k], v) for k, v in obj.disc.state_dict().items())  # one D step
    assert all(p.grad is None for p in model.parameters())  # the D step did not touch the VAE
    base = Objective(ObjectiveConfig())(out, x, 1.0)
    assert torch.equal(terms.recon, base.recon) and torch.equal(terms.kl, base.kl)
    assert terms.loss.item() != base.loss.item()  # the perceptual and adversarial terms are in the loss
    d_grads = [p.grad.clone() for p in obj.disc.parameters()]
    terms.loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    assert all(torch.equal(g, p.grad) for g, p in zip(d_grads, obj.disc.parameters(), strict=True))  # no leak
    assert plain.recon.shape == (8,)


def test_gan_resume_equals_uninterrupted(tmp_path):
    def trainer(path, epochs):
        torch.manual_seed(0)
        cfg = OptimConfig(num_epochs=epochs, batch_size=16, seed=2, channels_last=False)
        obj = gan_objective(adversarial_start=1.0)
        return Trainer(build_model(UNET), obj, tiny_x(), tiny_x(16, 1), cfg, path, quiet=True)

    full = trainer(None, 3)
    full.fit()
    trainer(tmp_path / "ckpt.pt", 2).fit()
    resumed = trainer(tmp_path / "ckpt.pt", 3)
    assert resumed.resume_if_possible() and resumed.epoch == 2
    resumed.fit()
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    for k, v in full.objective.disc.state_dict().items():
        assert torch.equal(v, resumed.objective.disc.state_dict()[k]), k


def test_sharp_config_round_trip_and_plain_names_unchanged(tiny_root):
    root, _ = tiny_root
    plain = RunConfig(data=DataConfig("mnist"), model=UNetConfig(latent_dim=2, widths=(4, 8, 8), groups=4))
    assert "sharp" not in plain.to_dict()
    sharp = replace(
        plain,
        sharp=SharpConfig(perceptual_weight=0.1, adversarial_weight=0.05, adversarial_start=0.5,
                          feature_widths=(4, 8, 8), feature_epochs=1),
        optim=OptimConfig(num_epochs=1, batch_size=8, channels_last=False),
    )  # fmt: skip
    assert RunConfig.from_dict(sharp.to_dict()) == sharp and sharp.digest != plain.digest
    run = get_or_train(sharp, root / "runs", root, quiet=True)
    assert run.metrics["epochs"] == 1
    # the perceptual feature network was trained and cached as its own classifier run
    assert len(list((root / "runs").glob("classifier-mnist-*"))) == 1


def test_laplacian_variance_ranks_blur_below_sharp():
    from vaelib.metrics import laplacian_variance

    sharp = (torch.rand(4, 1, 12, 12, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    blurred = torch.nn.functional.avg_pool2d(sharp, 3, stride=1, padding=1)
    flat = torch.full((1, 1, 12, 12), 0.5)
    v_sharp, v_blur = laplacian_variance(sharp), laplacian_variance(blurred)
    assert v_sharp.shape == (4,) and (v_sharp > v_blur).all()
    assert laplacian_variance(flat).item() == 0.0


def test_smoke_profile_shrinks_the_feature_network_and_starts_the_gan_early():
    from vaelib import experiments, report

    cfg = report.for_profile(experiments.sharp_decoder("mnist", 2, "perceptual+gan"), "smoke")
    assert cfg.optim.num_epochs == 1 and cfg.sharp.adversarial_start < 1.0
    assert cfg.sharp.feature_max_train is not None and cfg.sharp.feature_epochs == 1
    assert report.for_profile(experiments.sharp_decoder("mnist", 2, "pixel"), "smoke").sharp is None
    grid = experiments.sharp_grid("mnist")
    assert set(experiments.SHARP_VARIANTS) <= {v for z, v in grid if z == 16}
    with pytest.raises(ValueError, match="unknown variant"):
        experiments.sharp_decoder("mnist", 2, "vgg")
