"""Where a notebook's time goes: `timed("train")` / `timed("eval")` blocks append their own seconds to a log.

The notebook runner points `$VAELIB_TIMINGS` at a fresh JSON-lines file per notebook and reads it back
(`read_log`) to split the notebook's wall time into training, evaluation and the rest. Blocks nest: a classifier
trained inside an evaluation counts as training and is taken out of the evaluation's seconds, so the parts add up.
Without the variable the blocks only keep time. This module imports nothing of vaelib (it is a bottom layer).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ENV", "KINDS", "timed", "read_log"]

ENV = "VAELIB_TIMINGS"
KINDS = ("train", "eval")

# Seconds spent in nested blocks of each open block, innermost last.
_children: list[float] = []


@contextmanager
def timed(kind: str, name: str = "") -> Iterator[None]:
    """Record the seconds of the enclosed block, less those of blocks nested in it, as `kind` (train | eval)."""
    if kind not in KINDS:
        raise ValueError(f"unknown timing kind {kind!r}; choose one of {', '.join(KINDS)}")
    _children.append(0.0)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - t0
        own = elapsed - _children.pop()
        if _children:
            _children[-1] += elapsed
        path = os.environ.get(ENV)
        if path:
            with open(path, "a", encoding="utf-8") as f:  # one short line per block: appends do not interleave
                f.write(json.dumps({"kind": kind, "name": name, "seconds": round(own, 3)}) + "\n")


def read_log(path: str | os.PathLike) -> dict[str, float]:
    """Seconds per kind recorded in the log at `path` (every kind present, 0 where none; no file: all 0)."""
    totals = dict.fromkeys(KINDS, 0.0)
    p = Path(path)
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                totals[entry["kind"]] += float(entry["seconds"])
    return totals
