"""Trainer, checkpoints, resume, the non-finite guard and early stopping (synthetic data)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from helpers import SHAPE, tiny_trainer

from vaelib.errors import ConfigError
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import ConvBNConfig, MLPConfig, build_model
from vaelib.runs import DataConfig, RunConfig
from vaelib.sharp import SharpConfig
from vaelib.train import Callback, OptimConfig, Trainer, TrainingDiverged, load_checkpoint, pick_device


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


def test_early_stopping_decides_from_the_validation_history():
    from vaelib.losses import ObjectiveConfig
    from vaelib.models import MLPConfig

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
    with pytest.raises(ConfigError, match="patience must be at least 1"):
        OptimConfig(patience=0)
