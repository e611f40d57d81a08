"""evaluate_run: every metric of the report for one run, from the CLI and the library (synthetic data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def test_evaluate_run_end_to_end(tiny_root, tmp_path, capsys):
    import json

    from vaelib.classifier import ClassifierConfig, DomainClassifier
    from vaelib.cli import main
    from vaelib.evaluate import ood_scores
    from vaelib.runs import model_inputs

    root, _ = tiny_root
    out = tmp_path / "run"
    argv = ["train", "--dataset", "mnist", "--latent-dim", "3", "--hidden", "16", "--epochs", "1", "--quiet"]
    argv += ["--binarize", "dynamic"]  # IWAE is reported for Bernoulli models of binary data
    assert main([*argv, "--max-train", "30", "--batch-size", "16", "--data-root", str(root), "--out", str(out)]) == 0
    ev = ["evaluate", str(out), "--iwae-k", "20", "--iwae-n", "5", "--fid-n", "20", "--pr-n", "10"]
    assert main([*ev, "--data-root", str(root), "--runs-root", str(tmp_path / "runs"), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "IWAE" in table and "FID floor" in table
    m = json.loads((out / "metrics.json").read_text())
    for key in (
        "test_elbo",
        "test_recon",
        "test_kl",
        "test_nll_iwae",
        "iwae_k",
        "active_units",
        "test_ssim",
        "test_psnr",
        "fid_samples",
        "fid_floor",
        "precision",
        "recall",
        "class_entropy",
        "val_loss",
    ):
        assert key in m, key
    assert m["iwae_k"] == 20 and m["test_elbo"] == pytest.approx(m["test_recon"] + m["test_kl"])
    assert m["test_nll_iwae"] <= m["test_elbo_iwae_subset"] + 1.0  # the bound is tighter (up to sampling noise)
    # the classifier was cached in the runs root like any run
    assert (tmp_path / "runs" / ClassifierConfig.domain("mnist").name / "checkpoint.pt").exists()
    assert DomainClassifier(ClassifierConfig()).num_features == 128
    assert DomainClassifier(ClassifierConfig.domain("mnist")).num_features == 256
    from vaelib.runs import load_run

    run = load_run(out)
    from vaelib.evaluate import kl_per_dimension
    from vaelib.losses import kl_std_normal

    images = torch.randint(0, 256, (6, 28, 28), dtype=torch.uint8)
    kl = kl_per_dimension(run, images)
    with torch.no_grad():
        mu, logvar = run.model.encode(model_inputs(run.config, images))
    assert kl.shape == (3,) and (kl >= 0).all()
    assert kl.sum() == pytest.approx(float(kl_std_normal(mu, logvar).mean()), rel=1e-5)
    x = torch.rand(4, 1, 28, 28)
    scores = ood_scores(run, x, (x[:, 0] * 255).to(torch.uint8))
    assert scores["nll"].shape == (4,) and np.isfinite(scores["complexity"]).all()
