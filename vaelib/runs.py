"""Named runs: a run's directory name derives from its full config; `get_or_train` loads it or trains it.

A run directory holds `config.json`, `history.csv`, `checkpoint.pt` (weights, optimizer, RNG, config, history)
and, once finished, `metrics.json` with the final validation and test losses.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from vaelib import data as data_mod
from vaelib.classifier import get_classifier
from vaelib.config_check import check_types, require
from vaelib.device import pick_device
from vaelib.errors import CheckpointError, ConfigError, RunConflictError, TrainingDiverged
from vaelib.io import LOCK_FILES, digest, exclusive, first_line, load_checkpoint, write_json
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import MLPConfig, _BaseConfig, build_model, config_from_dict, count_parameters
from vaelib.sharp import SharpConfig, SharpObjective
from vaelib.timing import timed
from vaelib.train import TRAIN_THREADS, Callback, OptimConfig, Trainer, torch_threads

__all__ = [
    "DataConfig",
    "RunConfig",
    "Run",
    "model_inputs",
    "train_run",
    "get_or_train",
    "load_run",
    "run_dir_for",
]


@dataclass(frozen=True)
class DataConfig:
    """Which data a run trains on (the data folder itself is not part of the identity: checksums are)."""

    dataset: str = "mnist"
    classes: tuple[int, ...] | None = None
    val_fraction: float = 0.1
    split_seed: int = 0
    max_train: int | None = None  # keep only the first N training examples (smoke runs)

    def __post_init__(self) -> None:
        check_types(self)
        if self.classes is not None:
            # One order and no repeats: the same selection always names the same run.
            object.__setattr__(self, "classes", tuple(sorted(set(self.classes))))
            require(self, len(self.classes) > 0, "classes must list at least one class (or be left out for all)")
            require(self, min(self.classes) >= 0, f"classes must be non-negative labels, got {self.classes}")
        require(self, 0 <= self.val_fraction < 1, f"val_fraction must be in [0, 1), got {self.val_fraction}")
        require(
            self, self.max_train is None or self.max_train >= 1, f"max_train must be at least 1, got {self.max_train}"
        )


def _tuples(cls, d: dict[str, Any]):
    names = {f.name for f in fields(cls)}
    unknown = set(d) - names
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} settings: {', '.join(sorted(unknown))}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trained model."""

    data: DataConfig = field(default_factory=DataConfig)
    model: Any = field(default_factory=MLPConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    sharp: SharpConfig | None = None  # perceptual / adversarial terms (sharper decoders); None: a plain VAE

    def __post_init__(self) -> None:
        for name, cls in (("data", DataConfig), ("model", _BaseConfig), ("objective", ObjectiveConfig),
                          ("optim", OptimConfig), ("sharp", SharpConfig)):  # fmt: skip
            value = getattr(self, name)
            require(self, isinstance(value, cls) or (name == "sharp" and value is None),
                    f"{name} must be a {cls.__name__}, got {type(value).__name__}")  # fmt: skip
        # checked here, before a run directory is claimed: early stopping watches the validation loss
        require(self, self.optim.patience is None or self.data.val_fraction > 0,
                "early stopping (optim.patience) needs validation data: set data.val_fraction above 0")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`sharp` only when set, so plain runs keep their names)."""
        d = {k: asdict(getattr(self, k)) for k in ("data", "model", "objective", "optim")}
        if d["objective"]["reduction"] == "sum":  # the default joins the hash only when changed: old names stay
            del d["objective"]["reduction"]
        # likewise early stopping: runs without it keep their names
        if d["optim"]["patience"] is None and d["optim"]["min_delta"] == OptimConfig.min_delta:
            del d["optim"]["patience"], d["optim"]["min_delta"]
        if self.sharp is not None:
            d["sharp"] = asdict(self.sharp)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Inverse of `to_dict` (missing sections take their defaults; unknown ones are an error)."""
        known = [f.name for f in fields(cls)]
        unknown = set(d) - set(known)
        if unknown:
            raise ConfigError(f"unknown sections {', '.join(sorted(unknown))} (known: {', '.join(known)})")
        return cls(
            data=_tuples(DataConfig, d.get("data", {})),
            model=config_from_dict(d.get("model", {"kind": "mlp"})),
            objective=_tuples(ObjectiveConfig, d.get("objective", {})),
            optim=_tuples(OptimConfig, d.get("optim", {})),
            sharp=_tuples(SharpConfig, d["sharp"]) if d.get("sharp") is not None else None,
        )

    @property
    def digest(self) -> str:
        """A stable hash of every setting: any change gives a new run, never a stale cache hit."""
        return digest(self.to_dict())

    @property
    def name(self) -> str:
        """Readable, unique run name, e.g. `mnist-mlp-z20-b1-3f2a9c1d0e` (`-mean` after beta for a reconstruction
        term averaged over pixels, whose beta weighs the KL C*H*W times more)."""
        beta = f"{self.objective.beta:g}" if not self.model.deterministic else "ae"
        mean = "-mean" if self.objective.reduction == "mean" else ""
        dataset = Path(self.data.dataset).stem if self.data.dataset.endswith(".csv") else self.data.dataset
        return f"{dataset}-{self.model.kind}-z{self.model.latent_dim}-b{beta}{mean}-{self.digest}"


@dataclass
class Run:
    """A finished (or loaded) run: its config, model in eval mode, history and metrics."""

    config: RunConfig
    model: torch.nn.Module
    history: list[dict[str, float]]
    metrics: dict[str, Any]
    path: Path


def run_dir_for(config: RunConfig, runs_root: str | os.PathLike = "runs") -> Path:
    """Where `config`'s run lives."""
    return Path(runs_root) / config.name


def load_data(config: RunConfig, root: str | os.PathLike = "data") -> data_mod.DataSplits:
    """The train/val/test splits a run uses."""
    dc = config.data
    splits = data_mod.load_splits(dc.dataset, root, dc.val_fraction, dc.split_seed, dc.classes)
    if not len(splits.train):
        raise data_mod.DataError(f"{dc.dataset}: no training examples of classes {dc.classes}")
    if dc.max_train:
        splits = data_mod.DataSplits(
            splits.train.take(torch.arange(min(dc.max_train, len(splits.train)))),
            splits.val.take(torch.arange(min(max(dc.max_train // 9, 1), len(splits.val)))),
            splits.test.take(torch.arange(min(max(dc.max_train // 6, 1), len(splits.test)))),
        )
    return splits


def model_inputs(config: RunConfig, images: torch.Tensor) -> torch.Tensor:
    """Images as a model trained with `config` sees them when it is evaluated: float [N, 1, H, W] in [0, 1] (from
    uint8 [N, H, W] or float [N, 1, H, W]), with one fixed binarization of binarized runs (the one place this is
    decided: the run's test metrics, `evaluate` and the notebooks all call it)."""
    x = images.unsqueeze(1).float() / 255 if images.dtype == torch.uint8 else images
    if config.optim.binarize != "none":
        x = data_mod.static_binarize(x, data_mod.TEST_BINARIZATION_SEED)
    return x


def make_objective(
    config: RunConfig, runs_root: str | os.PathLike, data_root: str | os.PathLike, device, quiet: bool = True
) -> Objective | SharpObjective:
    """The training objective of a run; a perceptual term's feature network comes from the classifier cache."""
    if config.sharp is None:
        return Objective(config.objective)
    feature_net = None
    if config.sharp.perceptual_weight > 0:
        cfg = config.sharp.feature_classifier(config.data.dataset, config.model.image_shape)
        feature_net, _ = get_classifier(config.data.dataset, runs_root, data_root, cfg, device=str(device), quiet=quiet)
    return SharpObjective(config.objective, config.sharp, config.model.image_shape, feature_net, config.optim.seed)


def train_run(
    config: RunConfig,
    run_dir: str | os.PathLike,
    data_root: str | os.PathLike = "data",
    device: str = "auto",
    quiet: bool = False,
    callbacks: Sequence[Callback] = (),
    splits: data_mod.DataSplits | None = None,
) -> Run:
    """Train `config` into `run_dir`, resuming from its checkpoint if one is there; write metrics.json at the end.

    Holds the run directory's lock while it writes there: a second process training the same directory waits for
    this one, then resumes from its final checkpoint (no epoch trained twice)."""
    with exclusive(run_dir, "trained"):
        try:
            return _train_run(config, Path(run_dir), data_root, device, quiet, callbacks, splits)
        except TrainingDiverged as e:
            raise TrainingDiverged(f"{e}; {run_dir} holds {_contents(Path(run_dir))}") from e


def _contents(run_dir: Path) -> str:
    """What a run directory holds, for an error message (only files that exist)."""
    names = sorted(p.name for p in run_dir.iterdir() if p.name not in LOCK_FILES and not p.name.startswith("."))
    return ", ".join(names) if names else "nothing yet"


def _train_run(
    config: RunConfig,
    run_dir: Path,
    data_root: str | os.PathLike,
    device: str,
    quiet: bool,
    callbacks: Sequence[Callback],
    splits: data_mod.DataSplits | None,
) -> Run:
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg_path = run_dir / "config.json"
    if cfg_path.exists() and RunConfig.from_dict(json.loads(cfg_path.read_text())) != config:
        raise RunConflictError(f"{run_dir} holds a run with a different config; choose another --out")
    splits = splits or load_data(config, data_root)
    dev = pick_device(device)
    model_cfg = config.model
    if tuple(model_cfg.image_shape) != splits.train.image_shape:
        raise ConfigError(f"model expects images {model_cfg.image_shape}, data has {splits.train.image_shape}")
    objective = make_objective(config, run_dir.parent, data_root, dev, quiet)
    torch.manual_seed(config.optim.seed)  # identical initial weights for a given seed
    model = build_model(model_cfg)
    trainer = Trainer(
        model,
        objective,
        splits.train.float(),
        splits.val.float() if len(splits.val) else None,
        config.optim,
        checkpoint_path=run_dir / "checkpoint.pt",
        history_path=run_dir / "history.csv",
        extra_state={"config": config.to_dict()},
        callbacks=callbacks,
        device=dev,
        quiet=quiet,
        name=run_dir.name,
    )
    resumed = trainer.resume_if_possible()
    if resumed and not quiet:
        print(f"resuming {run_dir.name} from epoch {trainer.epoch}")
    # Only a run that can start claims its directory: bad data, device, objective or checkpoint leave no config.json.
    write_json(cfg_path, config.to_dict())
    start_epoch = trainer.epoch
    t0 = time.perf_counter()
    with torch_threads(TRAIN_THREADS):  # the same bits whatever the core count (see TRAIN_THREADS)
        history = trainer.fit()
    test_x = trainer.prepare(model_inputs(config, splits.test.images))
    val = trainer.evaluate(trainer.val_x) if trainer.val_x is not None else {}
    test = trainer.evaluate(test_x)
    metrics = {
        **{f"val_{k}": v for k, v in val.items()},
        **{f"test_{k}": v for k, v in test.items()},
        "epochs": trainer.epoch,
        "train_seconds": sum(r["seconds"] for r in history),
        "wall_seconds_this_session": time.perf_counter() - t0,
        "device": str(dev),
        "num_params": count_parameters(model),
        "n_train": len(splits.train),
        "units": "nats per example" if config.objective.likelihood != "mse" else "summed squared error per example",
    }
    # `evaluate` adds its metrics (IWAE, FID, ...) to the same file: training the finished run again keeps them.
    # Weights trained in this call (a run started afresh) make them stale: they and `metrics.md` go.
    metrics_path = run_dir / "metrics.json"
    if trainer.epoch == start_epoch and metrics_path.exists():
        metrics = {**json.loads(metrics_path.read_text()), **metrics}
    else:
        (run_dir / "metrics.md").unlink(missing_ok=True)
    write_json(metrics_path, metrics)
    model.eval()
    return Run(config, model.cpu(), history, metrics, run_dir)


def load_run(run_dir: str | os.PathLike, device: str = "cpu") -> Run:
    """Load a run's config, final weights, history and metrics from its directory."""
    run_dir = Path(run_dir)
    ckpt_path = run_dir / "checkpoint.pt"
    if not ckpt_path.exists():
        raise FileNotFoundError(f"{run_dir}: no checkpoint.pt (not a run directory, or never trained)")
    state = load_checkpoint(ckpt_path, device)
    try:
        config = RunConfig.from_dict(state["config"])
        model = build_model(config.model)
        model.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:  # e.g. a classifier's run, or another version's
        raise CheckpointError(f"{ckpt_path}: not a VAE run's checkpoint ({type(e).__name__}: {first_line(e)})") from e
    model.to(device).eval()
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    return Run(config, model, list(state["history"]), metrics, run_dir)


def get_or_train(
    config: RunConfig,
    runs_root: str | os.PathLike = "runs",
    data_root: str | os.PathLike = "data",
    device: str = "auto",
    quiet: bool = False,
    callbacks: Sequence[Callback] = (),
) -> Run:
    """Load the finished run for `config` from `runs_root`, or train it (resuming a partial one).

    Training holds the run directory's lock: a second process asking for the same run meanwhile waits (one line
    says for whom) and then loads the finished run from the cache instead of training it again."""
    run_dir = run_dir_for(config, runs_root)
    run = _cached(config, run_dir, quiet)
    if run is not None:
        return run
    with exclusive(run_dir, "trained"):
        run = _cached(config, run_dir, quiet)  # finished by another process while this one waited
        if run is not None:
            return run
        with timed("train", run_dir.name):
            return train_run(config, run_dir, data_root, device, quiet, callbacks)


def _cached(config: RunConfig, run_dir: Path, quiet: bool) -> Run | None:
    """The finished run in `run_dir` when it is `config`'s, else None."""
    if (run_dir / "metrics.json").exists() and (run_dir / "checkpoint.pt").exists():
        run = load_run(run_dir)
        if run.config == config:
            if not quiet:
                print(f"{run_dir.name}: from the run cache ({run.metrics.get('epochs', '?')} epochs)", flush=True)
            return run
    return None
