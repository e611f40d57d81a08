"""The bottom layer: atomic file writes, JSON, checkpoints, content digests and short error text.

It imports nothing of vaelib but `errors` (the other bottom-layer module), so every other module may use it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from vaelib.errors import CheckpointError

__all__ = [
    "atomic_write",
    "write_json",
    "digest",
    "file_digest",
    "save_checkpoint",
    "load_checkpoint",
    "first_line",
    "exclusive",
    "LOCK_FILES",
]

# The files `exclusive` keeps in a folder it locks (not part of a run: listings of what a run holds skip them).
LOCK_FILES = (".lock", ".lock.owner")


def _new_file_mode() -> int:
    """The permission bits open() gives a new file under the current umask (0o644 under the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, payload: bytes) -> None:
    """Write to a temporary file in the same folder, then rename, so a crash never leaves a half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates its file private (0o600): give it the mode of the file it replaces, or of a plain open(), so
    # data, runs and assets stay readable wherever the user's other files are.
    mode = path.stat().st_mode & 0o777 if path.exists() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    atomic_write(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def digest(obj: Any) -> str:
    """A stable 10-hex-digit hash of a JSON-ready object (sorted keys): the suffix of run, classifier and cache names."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:10]


def file_digest(path: str | os.PathLike) -> str:
    """A 16-hex-digit hash of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def first_line(e: BaseException) -> str:
    """An exception's message cut to its first line (torch's can run to dozens), or its type when it has none."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write a checkpoint atomically (temporary file, then rename)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True` (no arbitrary code from the file)."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (OSError, MemoryError, torch.OutOfMemoryError):
        raise
    except Exception as e:  # torch reports a damaged file as almost any exception type
        if isinstance(e, RuntimeError) and "device" in str(e).lower():
            raise  # e.g. a CUDA checkpoint mapped to a machine without CUDA: the file is fine
        raise CheckpointError(f"{path}: not a readable checkpoint ({first_line(e)})") from e
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a vaelib checkpoint (holds a {type(state).__name__})")
    return state


@contextmanager
def exclusive(folder: str | os.PathLike, doing: str = "trained") -> Iterator[None]:
    """Hold FOLDER's lock while writing there: one writer per run directory (or cache) across processes.

    An OS lock (filelock's `fcntl.flock` on POSIX), so the OS drops it when its holder dies, `kill -9` included, and
    no stale lock outlives a process. A second process asking for the same folder waits, with one line naming the
    holder ("waiting for NAME: trained by pid N"). Re-entrant in one process (a run's evaluation may train the
    classifier it needs, which locks another folder, and a locked caller may call a function that locks again)."""
    from filelock import FileLock, Timeout  # a torch dependency, pinned in requirements.txt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_FILES[0], is_singleton=True)
    owner = folder / LOCK_FILES[1]
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = owner.read_text().strip() if owner.exists() else ""
        print(f"waiting for {folder.name}: {holder or 'held by another process'}", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        if lock.lock_counter == 1:  # the outermost holder names itself for the processes that wait
            owner.write_text(f"{doing} by pid {os.getpid()}\n")
        yield
    finally:
        lock.release()
