"""Training callbacks that record what a model does while it trains: per-epoch snapshots of a probe set, frames
every few steps for GIFs, the loss on a held-out set after each epoch. They run in eval mode and draw no random
numbers, so a run trained with them is the run trained without."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from vaelib import metrics as M
from vaelib.io import atomic_write, load_checkpoint, save_checkpoint
from vaelib.train import Callback, Trainer

__all__ = ["Snapshots", "ReconFrames", "LatentFrames", "LossCurve", "load_snapshots"]


class Snapshots(Callback):
    """After each epoch, store the latent means of `x_latent`, the reconstructions of `x_recon`, and MSE/SSIM/PSNR
    of the reconstructions of each set in `quality` into DIR/epoch_NNN.pt (deterministic: no sampling)."""

    def __init__(
        self,
        out_dir: str | os.PathLike,
        x_latent: torch.Tensor,
        x_recon: torch.Tensor,
        quality: dict[str, torch.Tensor] | None = None,
    ):
        self.out_dir = Path(out_dir)
        self.x_latent, self.x_recon, self.quality = x_latent, x_recon, quality or {}

    @torch.no_grad()
    def on_epoch_end(self, trainer: Trainer, row: dict[str, float]) -> None:
        """Record this epoch's snapshot (eval mode, no sampling: the training RNG streams are untouched)."""
        model = trainer.model
        was_training = model.training
        model.eval()

        def recon(x: torch.Tensor) -> torch.Tensor:
            return model.reconstruct(trainer.prepare(x)).cpu()

        snap: dict[str, Any] = {
            "epoch": trainer.epoch,
            "probe_n": len(self.x_latent),
            "mu": model.encode(trainer.prepare(self.x_latent))[0].cpu(),
            "recon": recon(self.x_recon),
        }
        for name, x in self.quality.items():
            for k, v in M.image_quality(x, recon(x)).items():
                snap[f"{name}_{k}"] = v
        model.train(was_training)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        torch.save(snap, self.out_dir / f"epoch_{trainer.epoch:03d}.pt")


class ReconFrames(Callback):
    """Every `every` optimizer steps (and at the end of training), store the reconstructions of `x` in PATH
    (a dict step -> images [N, C, H, W]): the frames of a reconstruction GIF across training. Eval mode, posterior
    means, no sampling, so the training RNG streams are untouched; a resumed run overwrites the same steps."""

    def __init__(self, path: str | os.PathLike, x: torch.Tensor, every: int):
        self.path, self.x, self.every = Path(path), x, max(1, every)
        self.frames: dict[int, Any] | None = None  # read from PATH once (a resumed run's earlier frames), then kept

    def capture(self, trainer: Trainer) -> Any:
        """What one frame holds: the reconstructions of `x`."""
        return trainer.model.reconstruct(trainer.prepare(self.x)).cpu()

    @torch.no_grad()
    def record(self, trainer: Trainer) -> None:
        """Capture a frame with the current weights and add it for this step."""
        model = trainer.model
        was_training = model.training
        model.eval()
        frame = self.capture(trainer)
        model.train(was_training)
        if self.frames is None:
            self.frames = load_checkpoint(self.path) if self.path.exists() else {}
        self.frames[int(trainer.step)] = frame
        save_checkpoint(self.path, self.frames)  # the whole record, atomically, after every frame

    def on_step_end(self, trainer: Trainer, step: int, loss: float) -> None:
        """Record every `every` steps."""
        if step % self.every == 0:
            self.record(trainer)

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float]) -> None:
        """Record the last step of training."""
        if (trainer.epoch == trainer.cfg.num_epochs or trainer.stopped_early()) and trainer.step % self.every:
            self.record(trainer)


class LatentFrames(ReconFrames):
    """Like `ReconFrames`, but each frame holds the latent means of `x_latent` and the reconstructions of
    `x_recon` (`{"mu": [N, D], "recon": [M, C, H, W]}`): seed 002's latent-evolution GIFs, a frame every few
    dozen steps."""

    def __init__(self, path: str | os.PathLike, x_latent: torch.Tensor, x_recon: torch.Tensor, every: int):
        super().__init__(path, x_recon, every)
        self.x_latent = x_latent

    def capture(self, trainer: Trainer) -> dict[str, torch.Tensor]:
        """The latent means of `x_latent` and the reconstructions of `x_recon`."""
        mu = trainer.model.encode(trainer.prepare(self.x_latent))[0].cpu()
        return {"mu": mu, "recon": super().capture(trainer)}


class LossCurve(Callback):
    """After each epoch, the mean loss, reconstruction, KL and negative ELBO per example on `x` (a held-out set,
    e.g. the whole test set, for a run with no validation split), appended to PATH (CSV, one row per epoch)."""

    def __init__(self, path: str | os.PathLike, x: torch.Tensor):
        self.path, self.x = Path(path), x

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float]) -> None:
        """Evaluate `x` with this epoch's weights (eval mode, posterior samples from a generator of its own: the
        trainer's RNG streams are untouched)."""
        m = trainer.evaluate_aside(trainer.prepare(self.x))
        rows = pd.read_csv(self.path) if self.path.exists() else pd.DataFrame()
        if len(rows):
            rows = rows[rows.epoch < trainer.epoch]  # a resumed run overwrites the epochs it repeats
        rows = pd.concat([rows, pd.DataFrame([{"epoch": trainer.epoch, **m}])], ignore_index=True)
        atomic_write(self.path, rows.to_csv(index=False).encode())


def load_snapshots(out_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The snapshots a `Snapshots` callback wrote, in epoch order."""
    return [torch.load(p, weights_only=True) for p in sorted(Path(out_dir).glob("epoch_*.pt"))]
