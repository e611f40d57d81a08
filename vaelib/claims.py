"""What the seed write-ups (the report's five sources) quote, in one place, so that pages set them beside ours.

Each value is copied from the seed's text, with the words it stands for; the report's own figures come from its
runs. Seed 000 (Fashion-MNIST, conv VAE, latent 2, per-pixel mean MSE + 0.001 KL, 10 epochs, batch 512).
"""

from __future__ import annotations

import pandas as pd

from vaelib.runs import RunConfig

__all__ = [
    "SEED_000",
    "SEED_000_SETTINGS",
    "SEED_002",
    "SEED_002_SETTINGS",
    "SEED_002_BETA_SETTINGS",
    "SEED_003_SETTINGS",
    "SEED_004",
    "SEED_004_SETTINGS",
    "run_settings",
    "settings_table",
]

SEED_000 = {
    # "Convergence: Stable training, loss decreases from 0.0799 → 0.0356"
    "first_loss": 0.0799,
    "final_loss": 0.0356,
    # "Reconstruction Loss (MSE) ≈ 0.04-0.08 (typical for normalized images)"
    "mse_range": (0.04, 0.08),
    # "Dimension z[0]: min=-3.66, max=2.76, mean=-0.09" / "Dimension z[1]: min=-3.46, max=3.25, mean=-0.09"
    "latent_stats": {0: (-3.66, 2.76, -0.09), 1: (-3.46, 3.25, -0.09)},
    # "KL Loss (unweighted) ≈ 10-50 (typical for VAEs)"
    "kl_range": (10, 50),
    # "Target: KL loss contributes ~10-20% of total loss"
    "kl_share": (0.10, 0.20),
}


SEED_002 = {
    # "Epoch 5: Train ≈ 246.19, Test ≈ 247.77" / "Epoch 25: Train ≈ 240.46, Test ≈ 242.31" (total loss per image)
    "losses": {5: (246.19, 247.77), 25: (240.46, 242.31)},
    # its beta table: "Final recon loss" and "Final KL" for beta 0.1 / 0.5 / 1.0 (classes {0, 1, 7}, latent 2)
    "beta_table": {0.1: (209.47, 8.76), 0.5: (209.79, 6.12), 1.0: (210.55, 5.28)},
    # its qualitative columns of the same table: "Cluster separation" Poor / Moderate / Good
    "separation": {0.1: "Poor", 0.5: "Moderate", 1.0: "Good"},
    # its toy FID: an untrained 3-conv feature net, 1,000 test images against 1,000 samples, printed as 0.00
    "toy_fid": 0.0,
}


SEED_004 = {
    # "PCA Explained Variance (2 components): ~45%" (MNIST, its MLP 784-400-400-20 after 50 epochs)
    "pca_2": 0.45,
}

# The settings seed 000 states ("10 epochs, batch size 512, Adam optimizer (lr=0.001)", latent 2, Fashion-MNIST,
# MSE + 0.001 KL with Keras' per-pixel mean), in the names `run_settings` gives a run's.
SEED_000_SETTINGS = {
    "network": "conv",
    "latent_dim": 2,
    "dataset": "fashion-mnist",
    "classes": "all",
    "validation split": 0.0,
    "likelihood": "mse",
    "reduction": "mean",
    "beta": 0.001,
    "optimizer": "adam",
    "lr": 0.001,
    "batch_size": 512,
    "epochs": 10,
    "framework": "tensorflow 2.10 (keras)",
}


# Seed 002's main run: "Latent dimension 16, β = 1.0, Adam optimizer with lr = 1e-3, trained for 25 epochs",
# BCE with reduction='sum' + KL, batch 128, the 60,000 Fashion-MNIST training images (test set: the 10,000).
SEED_002_SETTINGS = {
    "network": "conv_bn",
    "latent_dim": 16,
    "dataset": "fashion-mnist",
    "classes": "all",
    "validation split": 0.0,
    "likelihood": "bernoulli",
    "reduction": "sum",
    "beta": 1.0,
    "optimizer": "adam",
    "lr": 0.001,
    "batch_size": 128,
    "epochs": 25,
    "framework": "pytorch",
}
# Its beta study: latent 2, classes {0, 1, 7} ("Filtered training set size = 18,000"), 20 epochs; it names no
# learning rate or batch size of its own for it (None: not stated; ours are the main run's).
SEED_002_BETA_SETTINGS = {
    **SEED_002_SETTINGS,
    "latent_dim": 2,
    "classes": "0,1,7",
    "epochs": 20,
    "lr": None,
    "batch_size": None,
}
# Seed 003 states its model (U-Net-style VAE), data set (MNIST) and latent sizes (2, 4, 16), nothing else.
SEED_003_SETTINGS = {
    "network": "unet",
    "dataset": "mnist",
    "classes": "all",
    "likelihood": None,
    "beta": None,
    "optimizer": None,
    "lr": None,
    "batch_size": None,
    "epochs": None,
}
# Seed 004: "784 → 400 → 400 → 20", BCE reduction='sum' + KL, Adam 1e-3, batch 128, 50 epochs, 90/10 split.
SEED_004_SETTINGS = {
    "network": "mlp 400-400",
    "latent_dim": 20,
    "dataset": "mnist",
    "classes": "all",
    "validation split": 0.1,
    "likelihood": "bernoulli",
    "reduction": "sum",
    "beta": 1.0,
    "optimizer": "adam",
    "lr": 0.001,
    "batch_size": 128,
    "epochs": 50,
    "framework": "pytorch",
}


def run_settings(config: RunConfig) -> dict[str, object]:
    """A run's settings in the terms the seeds state theirs (see SEED_000_SETTINGS)."""
    model = config.model
    stop = f"{config.optim.num_epochs} at most (early stopping)" if config.optim.patience else config.optim.num_epochs
    return {
        "network": f"mlp {'-'.join(map(str, model.hidden))}" if model.kind == "mlp" else model.kind,
        "latent_dim": config.model.latent_dim,
        "dataset": config.data.dataset,
        "classes": "all" if config.data.classes is None else ",".join(map(str, config.data.classes)),
        "validation split": config.data.val_fraction,
        "likelihood": config.objective.likelihood,
        "reduction": config.objective.reduction,
        "beta": config.objective.beta,
        "optimizer": config.optim.optimizer,
        "lr": config.optim.lr,
        "batch_size": config.optim.batch_size,
        "epochs": stop,
        "framework": "pytorch",
    }


def settings_table(seed: dict[str, object], config: RunConfig) -> pd.DataFrame:
    """One row per setting: the seed's value, the run's, and whether they are the same ("our choice" where the
    seed states none)."""
    ours = run_settings(config)
    rows = []
    for k, v in seed.items():
        same = "our choice" if v is None else "yes" if ours[k] == v else "no"
        rows.append({"setting": k, "seed": "not stated" if v is None else v, "ours": ours[k], "same": same})
    return pd.DataFrame(rows)
