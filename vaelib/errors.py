"""The one error family: every error a user can cause or fix is a `VaelibError`, with text that says what to do.

Each class also derives from the built-in type it replaced (`ValueError`, `RuntimeError`), so callers that
caught those keep working. The CLI catches `VaelibError` once and prints one line; any other exception is a bug
and shows its traceback.
"""

from __future__ import annotations

__all__ = [
    "VaelibError",
    "ConfigError",
    "DataError",
    "CheckpointError",
    "TrainingDiverged",
    "RunConflictError",
    "IncompleteRunError",
]


class VaelibError(Exception):
    """Base of every error vaelib raises on purpose."""


class ConfigError(VaelibError, ValueError):
    """A setting of the wrong type or out of range, or settings that do not go together."""


class DataError(VaelibError):
    """A data file is missing, malformed or does not match its expected checksum."""


class CheckpointError(VaelibError, ValueError):
    """A checkpoint file that cannot be read (truncated, corrupt, or not a checkpoint)."""


class TrainingDiverged(VaelibError, RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


class RunConflictError(VaelibError, ValueError):
    """A run directory already holds a run with another config."""


class IncompleteRunError(VaelibError, RuntimeError):
    """A cached run lacks a record it was asked for (snapshots, frames, a test curve): retrain it to get one."""
