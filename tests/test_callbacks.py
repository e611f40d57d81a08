"""Training callbacks: what they record, and that recording changes nothing about the training."""

from __future__ import annotations

import pandas as pd
import torch
from helpers import tiny_config

from vaelib.callbacks import ReconFrames, Snapshots, load_snapshots
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import MLPConfig, UNetConfig, build_model
from vaelib.runs import train_run
from vaelib.train import OptimConfig, Trainer

SHAPE = (1, 8, 8)
UNET = UNetConfig(latent_dim=3, image_shape=SHAPE, widths=(4, 8, 8), groups=4)


def test_snapshots_do_not_change_training(tiny_root, tmp_path):
    root, _ = tiny_root
    cfg = tiny_config()
    plain = train_run(cfg, tmp_path / "plain", root, quiet=True)
    x = torch.rand(6, 1, 28, 28)
    snap = Snapshots(tmp_path / "snaps", x, x[:2], {"test": x})
    with_cb = train_run(cfg, tmp_path / "with", root, quiet=True, callbacks=[snap])
    for a, b in zip(plain.model.state_dict().values(), with_cb.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    snaps = load_snapshots(tmp_path / "snaps")
    assert [s["epoch"] for s in snaps] == [1, 2]
    assert snaps[0]["mu"].shape == (6, 2) and snaps[0]["recon"].shape == (2, 1, 28, 28)
    assert 0 <= snaps[-1]["test_ssim"] <= 1 and snaps[-1]["test_mse"] > 0


def test_recon_frames_every_n_steps_and_at_the_end(tmp_path):
    torch.manual_seed(0)
    x = torch.rand(64, *SHAPE, generator=torch.Generator().manual_seed(0))
    cfg = OptimConfig(num_epochs=2, batch_size=16, seed=0, channels_last=False)  # 4 steps per epoch
    frames = ReconFrames(tmp_path / "frames.pt", x[:3], every=3)
    tr = Trainer(build_model(UNET), Objective(ObjectiveConfig()), x, None, cfg, quiet=True, callbacks=[frames])
    tr.fit()
    saved = torch.load(tmp_path / "frames.pt", weights_only=True)
    assert sorted(saved) == [3, 6, 8] and saved[8].shape == (3, *SHAPE)
    assert not torch.equal(saved[3], saved[8])  # training moved the reconstructions


def test_a_loss_curve_changes_nothing_about_the_training(tmp_path):
    from vaelib.callbacks import LossCurve

    def train(callbacks):
        torch.manual_seed(0)
        x = torch.rand(64, *SHAPE, generator=torch.Generator().manual_seed(1))
        cfg = OptimConfig(num_epochs=2, batch_size=16, seed=0, channels_last=False)
        model = build_model(MLPConfig(latent_dim=2, image_shape=SHAPE, hidden=(8,)))
        tr = Trainer(model, Objective(ObjectiveConfig()), x, x[:16], cfg, quiet=True, callbacks=callbacks)
        tr.fit()
        return model.state_dict()

    plain = train([])
    curve = LossCurve(tmp_path / "curve.csv", torch.rand(10, *SHAPE))
    with_curve = train([curve])
    for a, b in zip(plain.values(), with_curve.values(), strict=True):
        assert torch.equal(a, b)  # its posterior samples come from a generator of its own
    assert list(pd.read_csv(tmp_path / "curve.csv").epoch) == [1, 2]
