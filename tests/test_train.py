"""Trainer, checkpoints, resume, the non-finite guard, the run cache and the training CLI (synthetic data)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
import torch

from vaelib.cli import main
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import ConvBNConfig, MLPConfig, build_model
from vaelib.runs import DataConfig, RunConfig, get_or_train, load_run, run_dir_for, train_run
from vaelib.sharp import SharpConfig
from vaelib.train import Callback, OptimConfig, Trainer, TrainingDiverged, load_checkpoint, pick_device

SHAPE = (1, 8, 8)


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, *SHAPE, generator=g)


def tiny_trainer(tmp_path=None, epochs=2, cfg=None, model_cfg=None, **kw):
    torch.manual_seed(0)
    model = build_model(model_cfg or MLPConfig(latent_dim=3, image_shape=SHAPE, hidden=(16,)))
    cfg = cfg or OptimConfig(num_epochs=epochs, batch_size=32, seed=3)
    ckpt = tmp_path / "ckpt.pt" if tmp_path else None
    return Trainer(model, Objective(ObjectiveConfig()), tiny_data(), tiny_data(32, 1), cfg, ckpt, quiet=True, **kw)


def test_weights_change_after_step_not_after_eval():
    tr = tiny_trainer()
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    tr.evaluate(tr.val_x)
    assert all(torch.equal(before[k], v) for k, v in tr.model.state_dict().items())
    tr.train_epoch()
    changed = [k for k, v in tr.model.state_dict().items() if not torch.equal(before[k], v)]
    assert set(changed) == set(before)  # every parameter moved


def test_batchnorm_stats_frozen_in_eval():
    tr = tiny_trainer(model_cfg=ConvBNConfig(latent_dim=2, image_shape=SHAPE))
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    tr.evaluate(tr.val_x)
    assert all(torch.equal(before[k], v) for k, v in tr.model.state_dict().items())


def test_training_reduces_loss():
    tr = tiny_trainer(epochs=15)
    history = tr.fit()
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert [h["epoch"] for h in history] == list(range(1, 16))


def test_repeatable_bit_for_bit():
    a, b = tiny_trainer(epochs=3), tiny_trainer(epochs=3)
    a.fit(), b.fit()
    for (k, va), vb in zip(a.model.state_dict().items(), b.model.state_dict().values(), strict=True):
        assert torch.equal(va, vb), k


def test_checkpoint_round_trip(tmp_path):
    tr = tiny_trainer(tmp_path, epochs=2)
    tr.fit()
    state = load_checkpoint(tmp_path / "ckpt.pt")
    fresh = tiny_trainer(None, epochs=2)
    fresh.load_state_dict(state)
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, fresh.model.state_dict()[k]), k
    assert fresh.epoch == 2 and len(fresh.history) == 2
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("binarize", ["none", "dynamic"])
def test_resume_equals_uninterrupted(tmp_path, binarize):
    cfg = OptimConfig(num_epochs=4, batch_size=32, seed=5, binarize=binarize)
    full = tiny_trainer(cfg=cfg)
    full.fit()
    # interrupted after 2 epochs, then a new process resumes from the checkpoint
    part = tiny_trainer(tmp_path, cfg=OptimConfig(num_epochs=2, batch_size=32, seed=5, binarize=binarize))
    part.fit()
    resumed = tiny_trainer(tmp_path, cfg=cfg)
    assert resumed.resume_if_possible() and resumed.epoch == 2
    torch.manual_seed(12345)  # whatever the global RNG did meanwhile, the checkpoint restores it
    resumed.fit()
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    assert [h["train_loss"] for h in full.history] == [h["train_loss"] for h in resumed.history]


def test_non_finite_guard_keeps_last_good_checkpoint(tmp_path):
    tr = tiny_trainer(tmp_path, epochs=3)
    history = []

    class Poison(Callback):
        def on_epoch_end(self, trainer, row):
            history.append(row["epoch"])
            if row["epoch"] == 1:
                with torch.no_grad():
                    for p in trainer.model.parameters():
                        p.fill_(float("nan"))

    tr.callbacks.append(Poison())
    good = None
    with pytest.raises(TrainingDiverged, match="non-finite .* last good checkpoint"):
        try:
            tr.fit()
        finally:
            good = load_checkpoint(tmp_path / "ckpt.pt")
    assert good["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in good["model"].values())


def test_callbacks_called():
    steps, epochs = [], []

    class Rec(Callback):
        def on_step_end(self, trainer, step, loss):
            steps.append(step)

        def on_epoch_end(self, trainer, row):
            epochs.append(row["epoch"])

    tr = tiny_trainer(epochs=2, callbacks=[Rec()])
    tr.fit()
    assert steps == list(range(1, 7)) and epochs == [1, 2]


# ---------------------------------------------------------------------------------------------- runs


def run_config(**optim) -> RunConfig:
    return RunConfig(
        data=DataConfig("mnist", max_train=30),
        model=MLPConfig(latent_dim=2, hidden=(16,)),
        optim=OptimConfig(num_epochs=2, batch_size=16, **optim),
    )


def test_run_name_changes_with_any_setting():
    a, b, c = run_config(), run_config(lr=2e-3), run_config()
    assert a.name == c.name and a.name != b.name
    assert a.name.startswith("mnist-mlp-z2-b1-")
    assert RunConfig.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_mean_reduction_names_itself_and_leaves_summed_run_names_alone():
    from dataclasses import replace

    from vaelib.losses import ObjectiveConfig

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


# ---------------------------------------------------------------------------------------------- CLI


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


def test_config_checks_normalize_lists_and_keep_numbers_as_written():
    assert DataConfig(classes=[7, 1, 1]).classes == (1, 7)  # one order, no repeats: one run name
    assert OptimConfig(lr=1).lr == 1 and isinstance(OptimConfig(lr=1).lr, int)  # names of existing runs unchanged
    with pytest.raises(ValueError, match="must be true or false"):
        OptimConfig(compile=1)
    with pytest.raises(ValueError, match="image_shape must have 3 entries"):
        MLPConfig(image_shape=(28, 28))
    with pytest.raises(ValueError, match="kind must be 'mlp'"):
        MLPConfig(kind="conv")
    with pytest.raises(ValueError, match="activation must be one of"):
        MLPConfig(activation="bogus")
    with pytest.raises(ValueError, match="model must be a _BaseConfig"):
        RunConfig(model="mlp")
    assert SharpConfig(adversarial_weight=0, adversarial_start=0).adversarial_weight == 0  # an int 0 is a weight
    # A stored run with a zero-span schedule (constant in effect) still loads; only the CLI refuses to make one.
    assert ObjectiveConfig(beta_schedule="linear").warmup_epochs == 0
    with pytest.raises(ValueError, match="unsupported device 'meta'"):
        pick_device("meta")


def test_cli_typed_flag_must_be_exact(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--epoch", "3"])  # no abbreviations: a typed flag must be recognizable as typed


def test_cli_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "(default: 128)" in out and "(default: 0.001)" in out


@pytest.mark.slow
def test_compiled_training_matches_eager_closely(monkeypatch):
    import torch._inductor.config as inductor_config

    # Inductor draws its own random numbers unless told to use eager's: then the noise, and so the weights, match.
    monkeypatch.setattr(inductor_config, "fallback_random", True)
    eager = tiny_trainer(epochs=1)
    compiled = tiny_trainer(cfg=OptimConfig(num_epochs=1, batch_size=32, seed=3, compile=True))
    eager.fit(), compiled.fit()
    for k, v in eager.model.state_dict().items():
        assert torch.allclose(v, compiled.model.state_dict()[k], atol=1e-4), k


def test_scripts_that_import_torch_first_restart_with_the_openmp_spin():
    """libgomp reads GOMP_SPINCOUNT once, when torch loads: a benchmark importing torch first re-executes itself."""
    import os
    import subprocess
    import sys

    code = (
        "import torch, vaelib; vaelib.restart_with_openmp_spin(); "
        "print(open('/proc/self/environ', 'rb').read().count(b'GOMP_SPINCOUNT='))"
    )
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"  # the process that printed was started with the spin set


def test_seed_settings_table_flags_every_difference():
    from dataclasses import replace

    from vaelib import claims
    from vaelib import experiments as E

    with pytest.raises(ValueError, match="unknown variant 'mse'"):  # the old name of the seed's variant
        E.latent_2d("fashion-mnist", "mse")
    exact = claims.settings_table(claims.SEED_000_SETTINGS, E.latent_2d("fashion-mnist", "seed"))
    assert list(exact["setting"]) == list(claims.SEED_000_SETTINGS)
    # TensorFlow there, PyTorch here; the seed trains on all 60,000 images, ours keep 10% for validation
    assert list(exact.loc[exact["same"] == "no", "setting"]) == ["validation split", "framework"]
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
        "validation split",
    }


def test_early_stopping_decides_from_the_validation_history():
    from vaelib.losses import Objective, ObjectiveConfig
    from vaelib.models import MLPConfig, build_model

    x = torch.rand(64, 1, 28, 28)
    cfg = OptimConfig(num_epochs=10, batch_size=16, patience=2, min_delta=0.01)
    tr = Trainer(
        build_model(MLPConfig(latent_dim=2, hidden=(8,))), Objective(ObjectiveConfig()), x, x[:16], cfg, quiet=True
    )
    losses = [100.0, 90.0, 89.5, 89.4]  # the last two improve on 90 by less than 1%: stop
    tr.history = [{"val_loss": v} for v in losses]
    assert tr.stopped_early()
    tr.history = [{"val_loss": v} for v in [100.0, 90.0, 89.5, 88.0]]  # 88 beats 90 by more than 1%
    assert not tr.stopped_early()
    tr.history = [{"val_loss": 100.0}, {"val_loss": 101.0}]  # not more epochs than the patience yet
    assert not tr.stopped_early()
    # min_delta = 100%: no epoch can improve enough, so training stops after patience + 1 epochs
    strict = replace(cfg, min_delta=1.0)
    tr = Trainer(
        build_model(MLPConfig(latent_dim=2, hidden=(8,))), Objective(ObjectiveConfig()), x, x[:16], strict, quiet=True
    )
    assert len(tr.fit()) == 3 and tr.epoch == 3
    no_val = Trainer(
        build_model(MLPConfig(latent_dim=2, hidden=(8,))), Objective(ObjectiveConfig()), x, None, cfg, quiet=True
    )
    with pytest.raises(ValueError, match="needs validation data"):
        no_val.fit()
    with pytest.raises(Exception, match="patience must be at least 1"):
        OptimConfig(patience=0)


def test_early_stopping_settings_join_the_run_name_only_when_used():
    from vaelib.runs import RunConfig

    plain = RunConfig()
    assert "patience" not in plain.to_dict()["optim"] and "min_delta" not in plain.to_dict()["optim"]
    stopped = replace(plain, optim=replace(plain.optim, patience=2))
    assert stopped.to_dict()["optim"]["patience"] == 2 and stopped.name != plain.name
    assert RunConfig.from_dict(stopped.to_dict()) == stopped and RunConfig.from_dict(plain.to_dict()) == plain
