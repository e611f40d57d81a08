"""The command line: train, sample, reconstruct, config files and flags, one-line errors (synthetic data)."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import run_config

from vaelib.cli import main
from vaelib.runs import load_run


def test_cli_train_sample_reconstruct(tiny_root, tmp_path, capsys):
    root, _ = tiny_root
    out = tmp_path / "run"
    args = ["train", "--dataset", "mnist", "--model", "mlp", "--latent-dim", "2", "--hidden", "16", "--epochs", "1"]
    args += ["--max-train", "30", "--batch-size", "16", "--data-root", str(root), "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert "test loss" in capsys.readouterr().out
    run = load_run(out)
    assert run.config.model.hidden == (16,) and run.config.optim.num_epochs == 1
    assert main(["sample", str(out), "--n", "9", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["reconstruct", str(out), "--n", "4", "--data-root", str(root), "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 0 and (tmp_path / "r.png").stat().st_size > 0


def test_cli_config_file_and_overrides(tiny_root, tmp_path):
    root, _ = tiny_root
    cfg = run_config().to_dict()
    cfg["objective"]["beta"] = 0.5
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    out = tmp_path / "run"
    argv = ["train", "--config", str(tmp_path / "c.json"), "--epochs", "1", "--data-root", str(root)]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    run = load_run(out)
    assert run.config.objective.beta == 0.5  # from the file
    assert run.config.optim.num_epochs == 1  # the typed flag wins
    assert run.config.model.hidden == (16,)  # from the file, not the flag default


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1
    assert main(["train", "--model", "conv", "--hidden", "4", "--data-root", str(tmp_path)]) == 1
    assert "--hidden applies to --model mlp only" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{")
    assert main(["train", "--config", str(tmp_path / "bad.json")]) == 1
    assert "cannot read config" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--batch-size", "0"], "batch_size must be at least 1"),
        (["--epochs", "-3"], "num_epochs must be at least 1"),
        (["--latent-dim", "0"], "latent_dim must be at least 1"),
        (["--lr", "0"], "lr must be positive"),
        (["--beta-schedule", "linear"], "needs warmup_epochs > 0"),
        (["--classes", ""], "classes must list at least one class"),
        (["--device", "gpu"], "unknown device 'gpu'"),
    ],
)
def test_cli_rejects_impossible_settings_before_touching_the_run(tiny_root, tmp_path, capsys, flags, message):
    root, _ = tiny_root
    out = tmp_path / "run"
    assert main(["train", "--max-train", "30", "--data-root", str(root), "--out", str(out), "--quiet", *flags]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (out / "config.json").exists()  # a run that never started does not claim its directory


@pytest.mark.parametrize(
    "section, value, message",
    [
        ("optim", {"num_epochs": "3"}, "OptimConfig.num_epochs must be an integer, got '3'"),
        ("optim", {"lr": "1e-3"}, "OptimConfig.lr must be a finite number"),
        ("data", {"classes": 3}, "DataConfig.classes must be a list"),
        ("model", {"kind": "mlp", "hidden": [16, "x"]}, "MLPConfig.hidden must be an integer"),
    ],
)
def test_cli_config_file_values_are_type_checked(tmp_path, capsys, section, value, message):
    (tmp_path / "c.json").write_text(json.dumps({section: value}))
    assert main(["train", "--config", str(tmp_path / "c.json"), "--data-root", str(tmp_path)]) == 1
    assert message in capsys.readouterr().err


def test_cli_config_file_keeps_the_sharp_section_and_rejects_unknown_ones(tmp_path, capsys):
    from vaelib.cli import build_parser
    from vaelib.cli_train import config_from_args

    path = tmp_path / "c.json"
    path.write_text(json.dumps({"model": {"kind": "mlp"}, "sharp": {"adversarial_weight": 0.1}}))
    args = build_parser().parse_args(["train", "--config", str(path)])
    config = config_from_args(args, set())
    assert config.sharp is not None and config.sharp.adversarial_weight == 0.1
    path.write_text(json.dumps({"model": {"kind": "mlp"}, "optimizer": {"lr": 0.1}}))
    assert main(["train", "--config", str(path), "--data-root", str(tmp_path)]) == 1
    assert "unknown sections optimizer" in capsys.readouterr().err


def test_cli_reports_unloadable_runs_in_one_line(tiny_root, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "checkpoint.pt").write_bytes(b"not a checkpoint")
    assert main(["sample", str(bad), "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert "not a readable checkpoint" in err and err.count("\n") == 1
    torch.save({"model": {}, "config": {"kind": "classifier"}}, bad / "checkpoint.pt")  # another kind of run
    assert main(["sample", str(bad), "--out", str(tmp_path / "x.png")]) == 1
    assert "not a VAE run's checkpoint" in capsys.readouterr().err


def test_cli_typed_flag_must_be_exact(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--epoch", "3"])  # no abbreviations: a typed flag must be recognizable as typed


def test_cli_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "(default: 128)" in out and "(default: 0.001)" in out
