"""The run cache: run names from configs, load-or-train, resume, and what a run directory keeps (synthetic data)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
import torch
from helpers import run_config

from vaelib.losses import ObjectiveConfig
from vaelib.runs import RunConfig, get_or_train, run_dir_for, train_run
from vaelib.train import Callback, load_checkpoint


def test_run_name_changes_with_any_setting():
    a, b, c = run_config(), run_config(lr=2e-3), run_config()
    assert a.name == c.name and a.name != b.name
    assert a.name.startswith("mnist-mlp-z2-b1-")
    assert RunConfig.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_mean_reduction_names_itself_and_leaves_summed_run_names_alone():
    from dataclasses import replace

    summed = run_config()
    assert "reduction" not in summed.to_dict()["objective"]  # names of runs made before the field are unchanged
    mean = replace(summed, objective=ObjectiveConfig(likelihood="mse", beta=0.001, reduction="mean"))
    assert mean.name.startswith("mnist-mlp-z2-b0.001-mean-") and mean.to_dict()["objective"]["reduction"] == "mean"
    assert RunConfig.from_dict(json.loads(json.dumps(mean.to_dict()))) == mean
    with pytest.raises(ValueError, match="reduction"):
        ObjectiveConfig(reduction="max")


def test_get_or_train_hit_and_miss(tiny_root, tmp_path):
    root, _ = tiny_root
    runs = tmp_path / "runs"
    cfg = run_config()
    run = get_or_train(cfg, runs, root, quiet=True)
    path = run_dir_for(cfg, runs)
    assert {p.name for p in path.iterdir()} >= {"config.json", "history.csv", "checkpoint.pt", "metrics.json"}
    metrics = json.loads((path / "metrics.json").read_text())
    assert {"val_loss", "test_loss", "test_recon", "test_kl"} <= set(metrics)
    with open(path / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and {"epoch", "train_loss", "val_loss", "beta", "lr", "seconds"} <= set(rows[0])
    mtime = (path / "checkpoint.pt").stat().st_mtime_ns
    again = get_or_train(cfg, runs, root, quiet=True)  # hit: nothing retrained
    assert (path / "checkpoint.pt").stat().st_mtime_ns == mtime
    for k, v in run.model.state_dict().items():
        assert torch.equal(v, again.model.state_dict()[k])
    other = get_or_train(run_config(seed=1), runs, root, quiet=True)  # miss: a new directory
    assert other.path != path and len(list(runs.iterdir())) == 2


def test_interrupted_run_resumes_to_the_same_weights(tiny_root, tmp_path):
    root, _ = tiny_root
    cfg = run_config()  # 2 epochs
    full = train_run(cfg, tmp_path / "full", root, quiet=True)

    class Interrupt(Callback):
        def on_epoch_end(self, trainer, row):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_run(cfg, tmp_path / "cut", root, quiet=True, callbacks=[Interrupt()])
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["epoch"] == 1
    resumed = train_run(cfg, tmp_path / "cut", root, quiet=True)
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    assert len(resumed.history) == 2


def test_train_run_refuses_foreign_directory(tiny_root, tmp_path):
    root, _ = tiny_root
    train_run(run_config(), tmp_path / "r", root, quiet=True)
    with pytest.raises(ValueError, match="different config"):
        train_run(run_config(lr=0.1), tmp_path / "r", root, quiet=True)


def test_resuming_from_a_damaged_checkpoint_says_so_and_keeps_it(tiny_root, tmp_path):
    root, _ = tiny_root
    out = tmp_path / "r"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(b"\x80garbage")
    with pytest.raises(ValueError, match="cannot resume: .*checkpoint.pt.*move it away"):
        train_run(run_config(), out, root, quiet=True)
    assert (out / "checkpoint.pt").read_bytes() == b"\x80garbage"  # nothing overwritten
    assert not (out / "config.json").exists()  # and the run that could not start claims nothing


def test_training_a_finished_run_again_keeps_the_evaluation_metrics(tiny_root, tmp_path):
    root, _ = tiny_root
    out = tmp_path / "r"
    first = train_run(run_config(), out, root, quiet=True)
    metrics = json.loads((out / "metrics.json").read_text())
    (out / "metrics.json").write_text(json.dumps({**metrics, "fid_samples": 12.5}))  # as `evaluate` adds
    again = train_run(run_config(), out, root, quiet=True)
    kept = json.loads((out / "metrics.json").read_text())
    assert kept["fid_samples"] == 12.5
    assert kept["test_loss"] == pytest.approx(first.metrics["test_loss"]) and again.history == first.history
    # Started afresh (checkpoint moved away), the run has new weights: the old evaluation no longer describes them.
    (out / "metrics.md").write_text("| fid_samples | 12.5 |")
    (out / "checkpoint.pt").rename(tmp_path / "old.pt")
    train_run(run_config(), out, root, quiet=True)
    assert "fid_samples" not in json.loads((out / "metrics.json").read_text())
    assert not (out / "metrics.md").exists()


def test_early_stopping_settings_join_the_run_name_only_when_used():
    from vaelib.runs import RunConfig

    plain = RunConfig()
    assert "patience" not in plain.to_dict()["optim"] and "min_delta" not in plain.to_dict()["optim"]
    stopped = replace(plain, optim=replace(plain.optim, patience=2))
    assert stopped.to_dict()["optim"]["patience"] == 2 and stopped.name != plain.name
    assert RunConfig.from_dict(stopped.to_dict()) == stopped and RunConfig.from_dict(plain.to_dict()) == plain


def test_run_names_of_the_reports_experiments_are_pinned():
    # Renaming a run orphans its cache entry and every asset made from it: these names must only change on purpose.
    from vaelib import experiments as E

    assert E.vae_vs_ae("mnist").name == "mnist-mlp-z20-b1-64fc5c762c"
    assert E.latent_2d("fashion-mnist", "seed").name == "fashion-mnist-conv-z2-b0.001-mean-14d0cc7574"
    assert E.sampling_mlp("mnist").name == "mnist-mlp-z20-b1-a6e90b1c48"
    assert E.sharp_decoder("mnist", 16, "perceptual+gan").name == "mnist-unet-z16-b1-9c3151aacc"


def test_a_seeds_setting_on_its_other_data_set_is_named_an_addition():
    from vaelib import experiments as E

    fashion, mnist = E.report_models("fashion-mnist"), E.report_models("mnist")
    assert "MLP VAE 400-400-20 (seed 004)" in mnist and "conv-BN VAE z16 (seed 002)" in fashion
    assert "MLP VAE 400-400-20 (seed 004; fashion-mnist: an addition)" in fashion
    assert "conv-BN VAE z16 (seed 002; mnist: an addition)" in mnist
    assert E.model_of("conv-BN VAE z16 (seed 002; mnist: an addition)") == "conv-BN VAE z16 (seed 002)"
    assert E.model_of("MLP VAE 400-400-20 (seed 004)") == "MLP VAE 400-400-20 (seed 004)"
    # seed 000's beta = 1 run is trained on its own data set only
    assert len(fashion) == len(mnist) + 1 and all("seed 000, beta 1" not in name for name in mnist)


def test_early_stopping_needs_a_validation_split_and_keeps_a_changed_min_delta():
    from vaelib.errors import ConfigError

    plain = run_config()
    with pytest.raises(ConfigError, match="needs validation data"):
        replace(plain, data=replace(plain.data, val_fraction=0.0), optim=replace(plain.optim, patience=2))
    odd = replace(plain, optim=replace(plain.optim, min_delta=0.01))  # no patience, but not the default min_delta
    assert odd.name != plain.name and RunConfig.from_dict(odd.to_dict()) == odd
