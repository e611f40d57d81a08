"""Small builders the test modules share: tiny tensors, a tiny trainer, tiny run configs."""

from __future__ import annotations

import torch

from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import MLPConfig, build_model
from vaelib.runs import DataConfig, RunConfig
from vaelib.train import OptimConfig, Trainer

SHAPE = (1, 8, 8)  # images small enough for a trainer test to run in milliseconds


def tiny_data(n: int = 96, seed: int = 0) -> torch.Tensor:
    """Uniform noise images [n, *SHAPE]."""
    return torch.rand(n, *SHAPE, generator=torch.Generator().manual_seed(seed))


def tiny_trainer(tmp_path=None, epochs=2, cfg=None, model_cfg=None, **kw) -> Trainer:
    """A trainer of a tiny MLP VAE on noise, checkpointing into tmp_path when given."""
    torch.manual_seed(0)
    model = build_model(model_cfg or MLPConfig(latent_dim=3, image_shape=SHAPE, hidden=(16,)))
    cfg = cfg or OptimConfig(num_epochs=epochs, batch_size=32, seed=3)
    ckpt = tmp_path / "ckpt.pt" if tmp_path else None
    return Trainer(model, Objective(ObjectiveConfig()), tiny_data(), tiny_data(32, 1), cfg, ckpt, quiet=True, **kw)


def run_config(**optim) -> RunConfig:
    """A 2-epoch run of a tiny MLP on the first 30 images of the test fixture's 'mnist'."""
    return RunConfig(
        data=DataConfig("mnist", max_train=30),
        model=MLPConfig(latent_dim=2, hidden=(16,)),
        optim=OptimConfig(num_epochs=2, batch_size=16, **optim),
    )


def tiny_config(epochs: int = 2) -> RunConfig:
    """A run with a validation split and a KL warm-up, on the test fixture's 'mnist'."""
    return RunConfig(
        data=DataConfig("mnist", val_fraction=0.25),
        model=MLPConfig(latent_dim=2, hidden=(16,)),
        objective=ObjectiveConfig(beta_schedule="linear", warmup_epochs=3),
        optim=OptimConfig(num_epochs=epochs, batch_size=8),
    )
