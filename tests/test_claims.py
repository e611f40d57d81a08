"""The claims ledger: every claim of the seeds, quoted exactly, and verdicts computed from the notebooks' tables."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaelib import claims

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_claims_are_unique_and_every_check_tests_a_testable_claim():
    ids = [c.id for c in claims.CLAIMS]
    assert len(ids) == len(set(ids)) == 112
    by_id = {c.id: c for c in claims.CLAIMS}
    assert set(claims.CHECKS) <= set(ids)
    assert not [i for i in claims.CHECKS if by_id[i].not_testable]  # a check on an untestable claim is a bug
    assert {c.seed for c in claims.CLAIMS} == {"000", "001", "002", "003", "004"}
    # a compound claim's parts are excerpts of its words; a repeated finding names a row that exists
    for c in claims.CLAIMS:
        assert all(words in c.words for words, _ in c.parts), c.id
    rows = {c.id for c in claims.CLAIMS} | {f"{c.id}{'abc'[k]}" for c in claims.CLAIMS for k in range(len(c.parts))}
    assert {c.finding for c in claims.CLAIMS if c.finding} <= rows
    assert {f for c in claims.CLAIMS for _, f in c.parts if f} <= rows


def test_every_check_names_a_rubric_and_every_rubric_is_used():
    used = {
        name
        for chk in claims.CHECKS.values()
        for name in ((chk.rubric,) if isinstance(chk.rubric, str) else chk.rubric)
    }
    assert used == set(claims.R.RUBRICS)
    table = claims.rubric_table()
    assert list(table["rubric"]) == list(claims.R.RUBRICS) and (table["claims"] != "").all()


def test_a_compound_claim_with_a_rubric_per_part_has_one_for_each_part():
    for c in claims.CLAIMS:
        chk = claims.CHECKS.get(c.id)
        if chk is not None and not isinstance(chk.rubric, str):
            assert c.parts and len(chk.rubric) == len(c.parts), c.id


def test_each_part_of_a_compound_claim_shows_the_rubric_that_judged_it(tmp_path):
    ledger = claims.ledger(tmp_path).set_index("id")  # no assets: every row not measured, rubrics still named
    assert ledger.loc["000-20a", "rubric"] == "diverse" and ledger.loc["000-20b", "rubric"] == "recognisable"
    assert ledger.loc["000-16b", "rubric"] == "close to N(0, 1)"  # repeats 000-05's finding, so 000-05's rubric
    assert ledger.loc["000-16a", "rubric"] == "sharpness"


def test_the_first_part_of_a_compound_claim_answers_to_the_claims_own_anchor(tmp_path):
    rows = claims.page_table(claims.ledger(tmp_path).query("seed == '002'"))["row"]
    first = next(r for r in rows if 'id="002-21a"' in r)
    assert '<span id="002-21">' in first
    assert not any('<span id="002-21">' in r for r in rows if 'id="002-21b"' in r)


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
    repeats = [{"first epoch": f, "last epoch": v, "MSE (last)": m, "KL, nats (last)": 5.0}
               for f, v, m in ((0.080, 0.0354, 0.030), (0.081, 0.0356, 0.0302), (0.079, 0.0358, 0.0304))]  # fmt: skip
    _write(tmp_path, "03_latent_2d", "fashion_seed_repeats", repeats)
    _write(tmp_path, "06_sampling", "pca_explained_variance",
           [{"data set": "mnist", "component": 2, "explained": 0.2, "cumulative": 0.62}])  # fmt: skip
    ledger = claims.ledger(tmp_path).set_index("id")
    assert list(claims.ledger(tmp_path).columns) == claims.LEDGER_COLUMNS
    assert set(ledger.verdict) <= set(claims.VERDICTS)
    assert ledger.loc["000-01", "verdict"] == "confirmed" and "3 training seeds" in ledger.loc["000-01", "interval"]
    assert ledger.loc["000-07", "verdict"] == "contradicted"  # MSE 0.030 is outside 0.04-0.08 ...
    assert ledger.loc["000-07", "kind"] == "general statement"  # ... and a textbook value, outside the seed's counts
    assert ledger.loc["000-13", "verdict"] == "confirmed"  # 0.005 / 0.0356 = 14%, inside 10-20% on every seed
    assert ledger.loc["004-04", "verdict"] == "contradicted" and ledger.loc["004-04", "our_value"] == "62%"
    assert ledger.loc["000-03", "verdict"] == "not measured"  # its measurements are missing
    assert "claims/measures.csv is missing" in ledger.loc["000-03", "our_value"]
    assert ledger.loc["000-04", "finding"] == "000-04"  # two dimensions, two claims: two findings
    assert ledger.loc["000-26", "verdict"] == "not testable" and ledger.loc["000-09", "verdict"] == "not testable"
    assert (ledger[ledger.verdict == "not testable"].criterion != "").all()
    assert ledger.loc["000-02a", "verdict"] == "not measured"  # a part's measurement comes from the claims notebook
    # a compound claim: one row per part, each with its own verdict
    _write(tmp_path, "claims", "measures", [{"seed": "000", "key": "000.loss_largest_rise", "value": 0.0}])
    ledger = claims.ledger(tmp_path).set_index("id")
    assert ledger.loc["000-02a", "verdict"] == "confirmed" and ledger.loc["000-02a", "claim"] == "Stable training"
    assert ledger.loc["000-02b", "verdict"] == "confirmed" and ledger.loc["000-02b", "claim"].startswith(
        "loss decreases"
    )
    # a repeated finding is counted once
    counts = claims.counts(claims.ledger(tmp_path)).set_index(["counted", "seed"])
    rows, findings = counts.loc[("rows", "all")], counts.loc[("findings", "all")]
    assert rows.sum() > findings.sum() and list(counts.columns) == list(claims.VERDICTS)

    # 40% above the seed's 0.0356, with a spread far smaller than the gap
    repeats = [{**r, "last epoch": v} for r, v in zip(repeats, (0.0498, 0.0500, 0.0502), strict=True)]
    _write(tmp_path, "03_latent_2d", "fashion_seed_repeats", repeats)
    assert claims.ledger(tmp_path).set_index("id").loc["000-01", "verdict"] == "contradicted"
    # the same gap with a run-to-run spread that covers it: inconclusive at most, never contradicted
    repeats = [{**r, "last epoch": v} for r, v in zip(repeats, (0.030, 0.045, 0.060), strict=True)]
    _write(tmp_path, "03_latent_2d", "fashion_seed_repeats", repeats)
    assert claims.ledger(tmp_path).set_index("id").loc["000-01", "verdict"] == "confirmed"


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
    assert verdicts["001-12b"] == "confirmed" and verdicts["001-13"] == "confirmed"
    assert verdicts["001-12a"] == "not measured"  # 'less smooth' is not measured
    verdicts = sweep(rises_high=2, fid=(10.0, 12.0, 11.0))  # FID not rising at each step; no lr oscillates
    assert verdicts["001-12b"] == "contradicted" and verdicts["001-13"] == "contradicted"


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


def test_page_table_shows_each_rows_own_test_outside_any_fold():
    rows = pd.DataFrame(
        [
            {"id": "004-10", "claim": "recognizable", "kind": "seed result", "finding": "004-10", "rubric": "recognisable",
             "criterion": "share over the real images' above 0.5", "verdict": "confirmed", "lean": "",
             "our_value": "0.71", "interval": "", "sensitivity": "", "source": "06_sampling"},
            {"id": "004-16b", "claim": "realistic", "kind": "seed result", "finding": "004-16b", "rubric": "novel",
             "criterion": "a: new: at most 5% nearer; b: realistic: share at least 0.9 of the real images'",
             "verdict": "contradicted", "lean": "", "our_value": "0.71", "interval": "", "sensitivity": "",
             "source": "06_sampling"},
        ]
    )  # fmt: skip
    cells = list(claims.page_table(rows)["claim (the write-up's words)"])
    assert "above 0.5" in cells[0] and "<details>" not in cells[0]
    assert "Test: realistic: share at least 0.9" in cells[1] and "at most 5%" not in cells[1]


def test_a_late_change_inside_the_curves_own_jitter_is_not_a_trend():
    rng = np.random.default_rng(0)
    flat = np.concatenate([[19.0, 17.5], 17.2 + 0.4 * rng.standard_normal(23)])  # seed 002's KL: a jittery plateau
    noisy = claims._late_change(flat)
    assert noisy.lo < 0.1 < noisy.hi  # straddles the 10% cut: inconclusive, whatever the point estimate
    settled = claims._late_change(np.concatenate([np.linspace(300, 210, 15), 210 + 0.01 * rng.standard_normal(10)]))
    assert settled.hi < 0.1  # a curve that fell and then flattened: stabilised beyond doubt
    drifting = claims._late_change(np.linspace(300, 200, 25))
    assert drifting.lo > 0.1  # still falling at an even pace: the last 5 epochs are a fifth of the fall


def _beta_noise_rows(silhouettes, sd):
    return [{"beta": b, "train recon mean": 209.0 + b, "train recon std": 0.05, "train KL mean": 9.0 - 3 * b,
             "train KL std": 0.05, "silhouette mean": s, "silhouette std": sd}
            for b, s in zip((0.1, 0.5, 1.0), silhouettes, strict=True)]  # fmt: skip


def test_a_notebooks_verdict_on_a_row_is_the_ledgers(tmp_path):
    # the silhouette falls slightly with beta, inside a spread of 3 training seeds: the ledger's words, not a page's own
    _write(tmp_path, "04_beta", "beta_noise", _beta_noise_rows((0.523, 0.510, 0.499), 0.012))
    v = claims.verdict_of("002-11", tmp_path)
    row = claims.ledger(tmp_path).set_index("id").loc["002-11"]
    assert (v.outcome, v.lean) == (row.verdict, row.lean) == ("inconclusive", "leans contradicted")
    assert claims.verdict_words(v) == "inconclusive, leaning contradicted"
    # the same fall with a tiny spread: contradicted, in both places
    _write(tmp_path, "04_beta", "beta_noise", _beta_noise_rows((0.523, 0.510, 0.499), 0.001))
    assert claims.verdict_words(claims.verdict_of("002-11", tmp_path)) == "contradicted"
    # a part of a compound claim by its letter (002-13b reads the sharpness the claims notebook measures: until it
    # has, the ledger says 'not measured' for both parts, and so does verdict_of)
    assert claims.verdict_of("002-13a", tmp_path).outcome == "not measured"
    sharp = [{"seed": "002", "key": f"002.beta{b:g}_recon_sharpness{sd}", "value": v}
             for b, s in ((0.1, 0.21), (0.5, 0.20), (1.0, 0.19)) for sd, v in (("", s), ("_sd", 0.001))]  # fmt: skip
    _write(tmp_path, "claims", "measures", sharp)
    ledger = claims.ledger(tmp_path).set_index("id")
    for row in ("002-13a", "002-13b"):
        assert claims.verdict_of(row, tmp_path).outcome == ledger.loc[row, "verdict"] == "confirmed"
    # a row the ledger lacks is an error that names it
    with pytest.raises(claims.MissingMeasurement, match="002-99"):
        claims.verdict_of("002-99", tmp_path)


def test_a_summary_line_that_cites_a_row_names_the_ledgers_verdict():
    table = pd.DataFrame([{"id": "000-01", "verdict": "confirmed", "lean": ""},
                          {"id": "002-02", "verdict": "inconclusive", "lean": "leans contradicted"},
                          {"id": "002-21a", "verdict": "contradicted", "lean": np.nan},
                          {"id": "002-21b", "verdict": "confirmed", "lean": np.nan}])  # fmt: skip
    text = ("* Ours 0.0366 against 0.0356 ([seed 000, row 000-01](claims.md#000-01)).\n"
            "* 242.06 against 242.31 ([row 002-02](../../claims/#002-02)); the FID ([row 002-21](claims.md#002-21)).\n"
            "* Already judged: inconclusive ([row 002-02](claims.md#002-02)).")  # fmt: skip
    lines = claims.name_verdicts(text, table).split("\n")
    assert lines[0] == "* Ours 0.0366 against 0.0356 ([seed 000, row 000-01: confirmed](claims.md#000-01))."
    assert "[row 002-02: inconclusive, leaning contradicted](../../claims/#002-02)" in lines[1]
    assert "[row 002-21: a: contradicted; b: confirmed](claims.md#002-21)" in lines[1]
    assert lines[2] == text.split("\n")[2]  # a line that names a verdict itself is left as it is
    with pytest.raises(claims.MissingMeasurement, match="003-99"):
        claims.name_verdicts("see [row 003-99](claims.md#003-99)", table)
