"""The claims ledger: every claim of the seeds, quoted exactly, and verdicts computed from the notebooks' tables."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from vaelib import claims

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_claims_are_unique_and_every_check_tests_a_testable_claim():
    ids = [c.id for c in claims.CLAIMS]
    assert len(ids) == len(set(ids)) == 106
    by_id = {c.id: c for c in claims.CLAIMS}
    assert set(claims.CHECKS) <= set(ids)
    assert not [i for i in claims.CHECKS if by_id[i].not_testable]  # a check on an untestable claim is a bug
    assert {c.seed for c in claims.CLAIMS} == {"000", "001", "002", "003", "004"}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed texts (../shared/seeds) are not beside this checkout")
def test_every_claim_quotes_its_seed_exactly():
    texts = {p.name[:3]: re.sub(r"\s+", " ", p.read_text()) for p in SEEDS.glob("*.txt")}
    misquoted = [c.id for c in claims.CLAIMS if re.sub(r"\s+", " ", c.words) not in texts[c.seed]]
    assert misquoted == []


def _write(root: Path, notebook: str, name: str, rows: list[dict]) -> None:
    (root / notebook).mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(root / notebook / f"{name}.csv", index=False)


def test_ledger_verdicts_follow_the_tables(tmp_path):
    seed_loss = {"data set": "fashion-mnist", "loss": "mean MSE + 0.001 KL (seed 000's loss)", "first epoch": 0.08,
                 "last epoch": 0.0360, "MSE (last)": 0.030, "KL, nats (last)": 6.0}  # fmt: skip
    _write(tmp_path, "03_latent_2d", "seed_loss", [seed_loss])
    _write(tmp_path, "03_latent_2d", "fashion_seed_repeats", [{"last epoch": v} for v in (0.0358, 0.0360, 0.0362)])
    _write(tmp_path, "06_sampling", "pca_explained_variance",
           [{"data set": "mnist", "component": 2, "explained": 0.2, "cumulative": 0.62}])  # fmt: skip
    ledger = claims.ledger(tmp_path).set_index("id")
    assert len(ledger) == 106 and set(ledger.verdict) <= set(claims.VERDICTS)
    assert ledger.loc["000-01", "verdict"] == "confirmed"
    assert ledger.loc["000-01", "our_value"] == "0.0360 ± 0.0002 (3 seeds)"
    assert ledger.loc["000-07", "verdict"] == "contradicted"  # MSE 0.030 is outside 0.04-0.08
    assert ledger.loc["000-13", "verdict"] == "confirmed"  # 0.006 / 0.036 = 17%
    assert ledger.loc["004-04", "verdict"] == "contradicted" and ledger.loc["004-04", "our_value"] == "62%"
    assert ledger.loc["000-03", "verdict"] == "not measured"  # its table is missing
    assert "03_latent_2d/latent_stats.csv is missing" in ledger.loc["000-03", "our_value"]
    assert ledger.loc["000-26", "verdict"] == "not testable"
    assert (ledger[ledger.verdict == "not testable"].criterion != "").all()

    # 40% above the seed's 0.0356, with a spread far smaller than the gap
    _write(tmp_path, "03_latent_2d", "fashion_seed_repeats", [{"last epoch": v} for v in (0.0498, 0.0500, 0.0502)])
    assert claims.ledger(tmp_path).set_index("id").loc["000-01", "verdict"] == "contradicted"


def test_seed_001_sweeps_follow_their_table(tmp_path):
    def sweep(rises_high: int, fid: tuple[float, float, float]):
        rows = [
            {"varied": "beta", "beta": b, "lr": 1e-3, "val recon": r, "FID samples": f}
            for b, r, f in zip((1.0, 0.1, 0.01), (230.0, 214.0, 213.0), fid, strict=True)
        ]
        rows += [{"varied": "lr", "beta": 1.0, "lr": lr, "rises in last 10": n, "val loss": 250.0, "best val loss": 249.9}
                 for lr, n in ((1e-3, 0), (1e-2, rises_high), (3e-2, 1))]  # fmt: skip
        _write(tmp_path, "02_vae_vs_ae", "seed_sweeps", rows)
        return claims.ledger(tmp_path).set_index("id").verdict

    verdicts = sweep(rises_high=3, fid=(10.0, 12.0, 15.0))
    assert verdicts["001-12"] == "confirmed" and verdicts["001-13"] == "confirmed"
    verdicts = sweep(rises_high=2, fid=(10.0, 12.0, 11.0))  # FID not rising at each step; no lr oscillates
    assert verdicts["001-12"] == "contradicted" and verdicts["001-13"] == "contradicted"


def test_settings_table_marks_what_the_seed_leaves_open():
    from vaelib import experiments as E

    table = claims.settings_table(claims.SEED_003_SETTINGS, E.unet_latent(16)).set_index("setting")
    assert table.loc["network", "same"] == "yes" and table.loc["lr", "same"] == "our choice"
    assert table.loc["lr", "seed"] == "not stated" and "early stopping" in str(table.loc["epochs", "ours"])
    # its PatchGAN, VGG16 loss, skips and cross-attention are not in the latent sweep's U-Net; its self-attention is
    differs = set(table.index[table["same"] == "no"])
    assert differs == {"cross-attention", "skip connections", "perceptual loss", "adversarial loss"}
    gan = claims.settings_table(claims.SEED_003_SETTINGS, E.sharp_decoder("mnist", 16, "perceptual+gan"))
    assert gan.set_index("setting").loc["adversarial loss", "same"] == "yes"
    exact = claims.settings_table(claims.SEED_002_SETTINGS, E.conv_bn_16("fashion-mnist"))
    assert (exact["same"] == "yes").all()
    assert (claims.settings_table(claims.SEED_004_SETTINGS, E.sampling_mlp("mnist"))["same"] == "yes").all()


def test_seed_settings_table_flags_every_difference():
    from vaelib import claims
    from vaelib import experiments as E

    with pytest.raises(ValueError, match="unknown variant 'mse'"):  # the old name of the seed's variant
        E.latent_2d("fashion-mnist", "mse")
    exact = claims.settings_table(claims.SEED_000_SETTINGS, E.latent_2d("fashion-mnist", "seed"))
    assert list(exact["setting"]) == list(claims.SEED_000_SETTINGS)
    # TensorFlow there, PyTorch here: the one difference (both train on all 60,000 images)
    assert list(exact.loc[exact["same"] == "no", "setting"]) == ["framework"]
    cfg = E.latent_2d("mnist", "bernoulli")
    cfg = replace(cfg, optim=replace(cfg.optim, num_epochs=4))
    table = claims.settings_table(claims.SEED_000_SETTINGS, cfg).set_index("setting")
    assert set(table.index[table["same"] == "no"]) == {
        "dataset",
        "likelihood",
        "reduction",
        "beta",
        "epochs",
        "framework",
    }
