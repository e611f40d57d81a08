"""Generated findings: the sharpening goal rule and its sentences."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vaelib.findings import sharpening_findings, sharpening_goal

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "09_sharper_decoders"


def _row(ds, z, variant, fid, ssim):
    return {"data set": ds, "latent": z, "variant": variant, "ELBO (nats)": 100.0, "MSE": 0.01, "SSIM": ssim,
            "PSNR": 20.0, "FID recon": fid, "FID samples": 2 * fid, "precision": 0.5, "recall": 0.5,
            "sharpness recon": 0.1, "sharpness samples": 0.1, "sharpness data": 0.2}  # fmt: skip


def test_the_goal_needs_30_percent_lower_fid_and_at_most_002_less_ssim():
    table = pd.DataFrame([
        _row("mnist", 16, "pixel", 100.0, 0.80), _row("mnist", 16, "perceptual+gan", 69.0, 0.785),  # met
        _row("mnist", 2, "pixel", 100.0, 0.80), _row("mnist", 2, "perceptual+gan", 71.0, 0.80),  # FID -29%: not met
        _row("fashion-mnist", 16, "pixel", 100.0, 0.80), _row("fashion-mnist", 16, "perceptual+gan", 50.0, 0.77),
    ])  # fmt: skip
    goal = sharpening_goal(table)
    assert list(zip(goal["data set"], goal["latent"], goal["goal met"], strict=True)) == [
        ("mnist", 2, "no"), ("mnist", 16, "yes"), ("fashion-mnist", 16, "no")  # SSIM -0.03: not met
    ]  # fmt: skip
    text = sharpening_findings(table, goal)
    assert "MNIST, latent 16: perceptual + GAN changes the reconstruction FID by -31%" in text and "**not met**" in text
    assert "Fashion-MNIST, latent 16, pixel + perceptual + GAN loss against the pixel loss alone: " in text


@pytest.mark.skipif(not (ASSETS / "metrics.csv").exists(), reason="no committed notebook 09 assets")
def test_the_rule_reproduces_the_committed_goal_table():
    goal = sharpening_goal(pd.read_csv(ASSETS / "metrics.csv"))
    committed = pd.read_csv(ASSETS / "goal.csv")
    pd.testing.assert_frame_equal(goal.reset_index(drop=True), committed, check_dtype=False)
