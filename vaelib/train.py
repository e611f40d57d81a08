"""A fast, resumable trainer that knows nothing about the model it trains.

The whole data set lives as one tensor on the device; each epoch draws a fresh permutation and slices batches
(no per-sample DataLoader). The model is any `nn.Module` whose forward output the `objective` understands.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn
from tqdm.auto import tqdm  # a widget in Jupyter (ipywidgets), text in a terminal

from vaelib.config_check import check_types, require
from vaelib.data import static_binarize
from vaelib.device import pick_device
from vaelib.errors import CheckpointError, ConfigError, TrainingDiverged
from vaelib.io import atomic_write, first_line, load_checkpoint, save_checkpoint

__all__ = [
    "OptimConfig",
    "Trainer",
    "Callback",
    "TrainingDiverged",
    "pick_device",
    "save_checkpoint",
    "load_checkpoint",
]

# Every run trains with this many torch threads, whatever the machine's cores or the pool's jobs (`train-all`): oneDNN
# picks other conv algorithms for a single thread (seed 000's network differs by 6e-5 after one short epoch), while
# 2 and 8 threads train to the same bits, so a fixed count keeps a run's weights independent of where it trained.
TRAIN_THREADS = 2


@contextmanager
def torch_threads(n: int):
    """Run a block with `n` torch intra-op threads, then restore the caller's count."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


HISTORY_FIELDS = [
    "epoch", "train_loss", "train_recon", "train_kl", "val_loss", "val_recon", "val_kl", "val_elbo",
    "beta", "lr", "seconds",
]  # fmt: skip


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer and loop settings."""

    num_epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: Literal["adam", "adamw"] = "adam"
    weight_decay: float = 0.0
    lr_schedule: Literal["constant", "cosine"] = "constant"
    grad_clip: float | None = None
    binarize: Literal["none", "dynamic", "static"] = (
        "none"  # none | dynamic (fresh Bernoulli draw per epoch) | static (one draw, fixed seed)
    )
    seed: int = 0
    compile: bool = False
    channels_last: bool = True  # NHWC: oneDNN's preferred conv layout, about 1.4x faster conv VAEs on CPU
    eval_batch_size: int = 1000
    # Early stopping (None: train all num_epochs): stop once the validation loss has not improved on its best by
    # more than `min_delta` (a fraction of it) for `patience` epochs; num_epochs is then the most it may train.
    patience: int | None = None
    min_delta: float = 1e-3

    def __post_init__(self) -> None:
        check_types(self)
        require(self, self.patience is None or self.patience >= 1, f"patience must be at least 1, got {self.patience}")
        require(self, self.min_delta >= 0, f"min_delta must be non-negative, got {self.min_delta}")
        require(self, self.num_epochs >= 1, f"num_epochs must be at least 1, got {self.num_epochs}")
        require(self, self.batch_size >= 1, f"batch_size must be at least 1, got {self.batch_size}")
        require(self, self.eval_batch_size >= 1, f"eval_batch_size must be at least 1, got {self.eval_batch_size}")
        require(self, self.lr > 0, f"lr must be positive, got {self.lr}")
        require(self, self.weight_decay >= 0, f"weight_decay must be non-negative, got {self.weight_decay}")
        require(self, self.grad_clip is None or self.grad_clip > 0, f"grad_clip must be positive, got {self.grad_clip}")


class Callback:
    """Hooks the trainer calls; override what you need (the notebooks record latent-evolution GIFs this way)."""

    def on_step_end(self, trainer: Trainer, step: int, loss: float) -> None:
        """After every optimizer step."""

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float]) -> None:
        """After every epoch, with that epoch's history row."""


def _fused_ok(device: torch.device) -> bool:
    # Fused Adam/AdamW exists for CUDA and (since torch 2.4) CPU; MPS support varies by release.
    return device.type in ("cuda", "cpu")


def make_optimizer(params, cfg: OptimConfig, device: torch.device) -> torch.optim.Optimizer:
    """Adam or AdamW, fused where the device supports it."""
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[cfg.optimizer]
    kwargs: dict[str, Any] = {"lr": cfg.lr, "weight_decay": cfg.weight_decay}
    if _fused_ok(device):
        kwargs["fused"] = True
    return cls(params, **kwargs)


class Trainer:
    """Trains `model` on `train_x` with `objective(model(x), x, progress) -> LossTerms`; validates on `val_x`."""

    def __init__(
        self,
        model: nn.Module,
        objective: Callable,
        train_x: torch.Tensor,
        val_x: torch.Tensor | None,
        cfg: OptimConfig,
        checkpoint_path: str | os.PathLike | None = None,
        history_path: str | os.PathLike | None = None,
        extra_state: dict[str, Any] | None = None,
        callbacks: Sequence[Callback] = (),
        device: str | torch.device = "auto",
        quiet: bool = False,
        name: str = "",
    ):
        self.device = pick_device(device) if isinstance(device, str) else device
        self.name = name  # shown on the progress bar and the epoch lines (a run's directory name)
        self.cfg = cfg
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.model = model.to(self.device, memory_format=self.memory_format)
        self.objective = objective
        if hasattr(objective, "place"):  # an objective with its own networks (e.g. a discriminator) follows the model
            objective.place(self.device, self.memory_format)
        self.train_x = self.prepare(train_x)
        self.val_x = None if val_x is None else self.prepare(val_x)
        if cfg.binarize == "static":
            self.train_x = static_binarize(self.train_x, cfg.seed)
        if self.val_x is not None and cfg.binarize != "none":
            # A fixed binarization keeps validation numbers comparable from epoch to epoch.
            self.val_x = static_binarize(self.val_x, cfg.seed + 1)
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.history_path = Path(history_path) if history_path else None
        self.extra_state = extra_state or {}
        self.callbacks = list(callbacks)
        self.quiet = quiet
        self.optimizer = make_optimizer(self.model.parameters(), cfg, self.device)
        self.steps_per_epoch = math.ceil(len(self.train_x) / cfg.batch_size)
        self.scheduler = None
        if cfg.lr_schedule == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                self.optimizer, T_max=cfg.num_epochs * self.steps_per_epoch
            )
        self.forward = torch.compile(self.model) if cfg.compile else self.model
        # One generator for data order and binarization, and a private copy of the global RNG state for the
        # model's reparameterization noise (swapped in only while training/evaluating): the run is repeatable
        # whatever else uses the global RNG, and checkpoints carry both so a resumed run continues the same streams.
        self.generator = torch.Generator(device="cpu").manual_seed(cfg.seed)
        with torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(cfg.seed + 1)
            self._rng_cpu = torch.get_rng_state()
            self._rng_cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
        self.epoch = 0
        self.step = 0
        self.history: list[dict[str, float]] = []

    def _rng_devices(self) -> list[torch.device]:
        return [self.device] if self.device.type == "cuda" else []

    @contextmanager
    def _noise_rng(self):
        """Run a block with the trainer's own noise stream as the global RNG, then restore the caller's."""
        with torch.random.fork_rng(devices=self._rng_devices()):
            torch.set_rng_state(self._rng_cpu)
            if self._rng_cuda is not None:
                torch.cuda.set_rng_state(self._rng_cuda, self.device)
            yield
            self._rng_cpu = torch.get_rng_state()
            if self._rng_cuda is not None:
                self._rng_cuda = torch.cuda.get_rng_state(self.device)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Move a data tensor to the device in the training memory format."""
        x = x.to(self.device)
        return x.contiguous(memory_format=self.memory_format) if x.ndim == 4 else x

    # -------------------------------------------------------------------------------------------- state

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "epoch": self.epoch,
            "step": self.step,
            "history": self.history,
            "rng_cpu": self._rng_cpu,
            "rng_data": self.generator.get_state(),
            "optim_config": asdict(self.cfg),
            **self.extra_state,
        }
        if hasattr(self.objective, "state_dict"):
            state["objective"] = self.objective.state_dict()
        if self._rng_cuda is not None:
            state["rng_cuda"] = self._rng_cuda
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict()` (weights, optimizer, schedules, RNG streams, history)."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        if hasattr(self.objective, "load_state_dict") and "objective" in state:
            self.objective.load_state_dict(state["objective"])
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.history = list(state["history"])
        # RNG states must be CPU byte tensors whatever map_location the checkpoint was loaded with.
        self._rng_cpu = state["rng_cpu"].cpu()
        self.generator.set_state(state["rng_data"].cpu())
        if "rng_cuda" in state and self.device.type == "cuda":
            self._rng_cuda = state["rng_cuda"].cpu()

    def resume_if_possible(self) -> bool:
        """Load the checkpoint if one exists; True when training continues from it."""
        if self.checkpoint_path and self.checkpoint_path.exists():
            advice = "it is left as it is: move it away to start this run afresh"
            try:
                self.load_state_dict(load_checkpoint(self.checkpoint_path, self.device))
            except CheckpointError as e:
                raise CheckpointError(f"cannot resume: {e}; {advice}") from e
            except (KeyError, TypeError, ValueError, RuntimeError) as e:  # another model's, or another version's
                raise CheckpointError(f"cannot resume from {self.checkpoint_path} ({first_line(e)}); {advice}") from e
            return True
        return False

    # -------------------------------------------------------------------------------------------- loop

    def _epoch_data(self) -> torch.Tensor:
        if self.cfg.binarize == "dynamic":
            probs = self.train_x
            noise = self.prepare(torch.rand(probs.shape, generator=self.generator))
            return (noise < probs).to(probs.dtype)
        return self.train_x

    def train_epoch(self) -> dict[str, float]:
        """One pass over the training set; returns the epoch's history row (after validation)."""
        with self._noise_rng():
            return self._train_epoch()

    def _train_epoch(self) -> dict[str, float]:
        cfg = self.cfg
        t0 = time.perf_counter()
        self.model.train()
        x_all = self._epoch_data()
        n = len(x_all)
        perm = torch.randperm(n, generator=self.generator).to(self.device)
        sums = torch.zeros(3, device=self.device, dtype=torch.float64)  # loss, recon, kl (summed over examples)
        bar = tqdm(
            range(self.steps_per_epoch),
            desc=f"{self.name + ' ' if self.name else ''}epoch {self.epoch + 1}/{cfg.num_epochs}",
            disable=self.quiet,
            leave=False,
            mininterval=0.5,
        )
        beta = 0.0
        for i in bar:
            idx = perm[i * cfg.batch_size : (i + 1) * cfg.batch_size]
            x = x_all[idx]
            progress = self.epoch + i / self.steps_per_epoch
            terms = self.objective(self.forward(x), x, progress)
            if not torch.isfinite(terms.loss.detach()):  # stop here, before the step: the weights stay finite
                raise TrainingDiverged(
                    f"non-finite training loss ({terms.loss.item()}) at step {i + 1} of {self.steps_per_epoch} "
                    f"in epoch {self.epoch + 1}; {self._kept()}"
                )
            self.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            if cfg.grad_clip:
                nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
            self.optimizer.step()
            if self.scheduler:
                self.scheduler.step()
            self.step += 1
            beta = terms.beta
            with torch.no_grad():
                b = len(idx)
                sums += torch.stack([terms.loss.detach() * b, terms.recon.detach().sum(), terms.kl.detach().sum()])
            if not self.quiet and i % 50 == 0:
                bar.set_postfix(loss=f"{sums[0].item() / min(n, (i + 1) * cfg.batch_size):.2f}")
            if self.callbacks:
                for cb in self.callbacks:
                    cb.on_step_end(self, self.step, terms.loss.item())
        bar.close()
        train = (sums / n).tolist()
        if not all(math.isfinite(v) for v in train):  # finite steps whose sum overflows
            raise TrainingDiverged(
                f"non-finite training loss in epoch {self.epoch + 1} (loss={train[0]}, recon={train[1]}, kl={train[2]})"
                f"; {self._kept()}"
            )
        # Validation uses the weight in force at the end of this epoch, so train and val report the same quantity.
        progress_end = self.epoch + 1
        val = self._evaluate(self.val_x, progress_end) if self.val_x is not None else None
        self.epoch += 1
        row = {
            "epoch": self.epoch,
            "train_loss": train[0],
            "train_recon": train[1],
            "train_kl": train[2],
            "val_loss": val["loss"] if val else float("nan"),
            "val_recon": val["recon"] if val else float("nan"),
            "val_kl": val["kl"] if val else float("nan"),
            "val_elbo": val["elbo"] if val else float("nan"),
            "beta": beta,
            "lr": self.optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - t0,
        }
        return row

    def evaluate_aside(self, x_all: torch.Tensor, seed: int = 0) -> dict[str, float]:
        """`evaluate`, with its posterior samples drawn from a separate generator seeded with `seed`: the trainer's
        noise stream and the caller's RNG are left as they were, so a callback can evaluate without changing what
        is trained (or what a resumed run reproduces)."""
        with torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(seed)
            return self._evaluate(x_all, None)

    def evaluate(self, x_all: torch.Tensor, progress: float | None = None) -> dict[str, float]:
        """Mean loss, recon, KL and negative ELBO (beta = 1) per example, in eval mode, at the weight for `progress`."""
        with self._noise_rng():
            return self._evaluate(x_all, progress)

    @torch.no_grad()
    def _evaluate(self, x_all: torch.Tensor, progress: float | None) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        progress = self.epoch if progress is None else progress
        sums = torch.zeros(4, dtype=torch.float64, device=self.device)
        for i in range(0, len(x_all), self.cfg.eval_batch_size):
            x = x_all[i : i + self.cfg.eval_batch_size]
            terms = self.objective(self.model(x), x, progress)
            sums += torch.stack(
                [terms.loss * len(x), terms.recon.sum(), terms.kl.sum(), (terms.recon + terms.kl).sum()]
            )
        self.model.train(was_training)
        loss, recon, kl, elbo = (sums / len(x_all)).tolist()
        return {"loss": loss, "recon": recon, "kl": kl, "elbo": elbo}

    def stopped_early(self) -> bool:
        """Whether early stopping ends training now: `patience` epochs without a validation loss below the best
        before them by more than `min_delta` of it (decided from the history, so a resumed run decides the same)."""
        patience = self.cfg.patience
        if patience is None or len(self.history) <= patience:
            return False
        losses = [r["val_loss"] for r in self.history]
        best_before = min(losses[:-patience])
        return min(losses[-patience:]) > best_before - self.cfg.min_delta * abs(best_before)

    def _kept(self) -> str:
        """What a diverged run leaves behind: the last good checkpoint if one was written, and only then."""
        if self.checkpoint_path is None:
            return "nothing was saved (no checkpoint path)"
        if self.checkpoint_path.exists():
            return f"the last good checkpoint (epoch {self.epoch}) is kept at {self.checkpoint_path}"
        return f"no checkpoint was written ({self.checkpoint_path} does not exist: it diverged before an epoch ended)"

    def fit(self) -> list[dict[str, float]]:
        """Train until `num_epochs` (continuing from `self.epoch`) or early stopping, checkpointing after each epoch."""
        if self.cfg.patience is not None and self.val_x is None:
            raise ConfigError("early stopping (patience) needs validation data: set a val_fraction above 0")
        while self.epoch < self.cfg.num_epochs and not self.stopped_early():
            row = self.train_epoch()
            if self.val_x is not None and not math.isfinite(row["val_loss"]):
                self.epoch -= 1  # the epoch is not kept: the checkpoint on disk is the one before it
                raise TrainingDiverged(f"non-finite validation loss after epoch {self.epoch + 1}; {self._kept()}")
            self.history.append(row)
            if not self.quiet:
                tqdm.write(
                    f"{self.name + '  ' if self.name else ''}epoch {row['epoch']:>3}/{self.cfg.num_epochs}  train {row['train_loss']:.3f}  "
                    f"val {row['val_loss']:.3f} (recon {row['val_recon']:.3f}, kl {row['val_kl']:.3f})  "
                    f"beta {row['beta']:.3g}  {row['seconds']:.1f}s"
                )
            if self.checkpoint_path:
                save_checkpoint(self.checkpoint_path, self.state_dict())
            if self.history_path:
                write_history(self.history_path, self.history)
            # After the checkpoint, so a callback cannot change what was saved; a crash in between leaves a
            # callback's per-epoch record one epoch short, which report.Context.run detects.
            for cb in self.callbacks:
                cb.on_epoch_end(self, row)
        return self.history


def write_history(path: str | os.PathLike, history: list[dict[str, float]]) -> None:
    """Write the per-epoch history as CSV, atomically."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=HISTORY_FIELDS)
    w.writeheader()
    for row in history:
        w.writerow({k: row[k] for k in HISTORY_FIELDS})
    atomic_write(path, buf.getvalue().encode())
