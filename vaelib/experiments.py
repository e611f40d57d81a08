"""Named experiments: the configs behind the report's numbers, trained through the run cache.

`python -m vaelib experiment NAME [--evaluate]` trains (or loads) and optionally evaluates them.
"""

from __future__ import annotations

from vaelib.evaluate import EvalConfig
from vaelib.losses import ObjectiveConfig
from vaelib.models import ConvBNConfig, ConvConfig, MLPConfig, ResNetConfig
from vaelib.runs import DataConfig, RunConfig
from vaelib.train import OptimConfig

__all__ = ["EXPERIMENTS", "burda_config", "model_zoo"]


def burda_config() -> RunConfig:
    """The literature comparison (Burda et al. 2016, Table 1 setting): dynamically binarized MNIST, latent 50,
    Bernoulli decoder, two deterministic layers per side (wider than Burda's 200 units), short KL warm-up,
    cosine learning-rate decay; sized to train in under 15 minutes on a 2-core CPU."""
    return RunConfig(
        data=DataConfig("mnist", val_fraction=1 / 60),  # 59,000 train / 1,000 validation
        model=MLPConfig(latent_dim=50, hidden=(512, 512)),
        objective=ObjectiveConfig(beta_schedule="linear", warmup_epochs=10),
        optim=OptimConfig(num_epochs=140, batch_size=128, lr=1e-3, lr_schedule="cosine", binarize="dynamic"),
    )


BURDA_EVAL = EvalConfig(iwae_k=5000, iwae_n=None, fid_n=10000, ood=False)


def model_zoo(dataset: str) -> dict[str, RunConfig]:
    """One run of every model kind on `dataset` (short budgets: they exist to exercise the evaluation)."""

    def run(model, epochs: int, **objective) -> RunConfig:
        return RunConfig(
            data=DataConfig(dataset),
            model=model,
            objective=ObjectiveConfig(**objective),
            optim=OptimConfig(num_epochs=epochs, batch_size=128),
        )

    return {
        f"{dataset}/mlp": run(MLPConfig(latent_dim=20), 10),
        f"{dataset}/ae": run(MLPConfig(latent_dim=20, deterministic=True), 10),
        f"{dataset}/conv": run(ConvConfig(latent_dim=2), 2),
        f"{dataset}/conv_bn": run(ConvBNConfig(latent_dim=16), 4),
        f"{dataset}/resnet": run(ResNetConfig(latent_dim=16), 2),
    }


ZOO_EVAL = EvalConfig(iwae_k=1000, iwae_n=200)

EXPERIMENTS: dict[str, tuple[RunConfig, EvalConfig]] = {"burda": (burda_config(), BURDA_EVAL)}
for _ds in ("mnist", "fashion-mnist"):
    EXPERIMENTS.update({name: (cfg, ZOO_EVAL) for name, cfg in model_zoo(_ds).items()})
