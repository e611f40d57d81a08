"""Where tensors live: the device vaelib trains and evaluates on (CUDA when present, then MPS, then the CPU)."""

from __future__ import annotations

import torch

from vaelib.errors import ConfigError

__all__ = ["pick_device"]


def pick_device(name: str = "auto") -> torch.device:
    """`auto` picks cuda, then mps, then cpu; any other name is used as given."""
    if name != "auto":
        try:
            dev = torch.device(name)
        except RuntimeError as e:
            raise ConfigError(f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps") from e
        if dev.type not in ("cpu", "cuda", "mps"):
            raise ConfigError(f"unsupported device {name!r}: use auto, cpu, cuda, cuda:N or mps")
        mps = getattr(torch.backends, "mps", None)
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count(),
            "mps": mps is not None and mps.is_available(),
        }
        if not available[dev.type]:
            raise ConfigError(f"device {name!r} is not available on this machine (try --device auto)")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
