"""The pool against serial training, on the same runs, in one sitting (`make bench-pool`, needs `make data`).

Trains a set of the report's runs (seed 001's comparison MLPs and seed 002's beta-study conv-BN network, shortened
to `--epochs`) into fresh run caches three ways, one after another: serially (one job, TRAIN_THREADS threads: what
`make report` did before the pool), with `--jobs` workers of TRAIN_THREADS threads each, and with `--jobs` workers
of one thread each. Prints the wall seconds of each, their ratios to the serial one, and whether each run's weights
are bit-identical to the serial run's. The last line printed is JSON, also written to assets/bench/pool.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

import vaelib
from vaelib import experiments as E
from vaelib import pool
from vaelib.notebooks import machine
from vaelib.runs import run_dir_for
from vaelib.train import TRAIN_THREADS


def configs(epochs: int) -> list:
    """Runs of two kinds the report trains many of: MLPs (notebook 02) and the conv-BN network (notebook 04)."""
    runs = [E.vae_vs_ae("fashion-mnist", beta=b) for b in (1.0, *E.SEED_001_BETAS)]
    runs += [E.vae_vs_ae("fashion-mnist", lr=lr) for lr in E.SEED_001_LRS]
    runs += [E.beta_sweep("fashion-mnist", b) for b in E.SEED_002_BETAS]
    return [replace(c, optim=replace(c.optim, num_epochs=min(epochs, c.optim.num_epochs))) for c in runs]


def same_weights(a: Path, b: Path) -> bool:
    x = torch.load(a / "checkpoint.pt", weights_only=True)["model"]
    y = torch.load(b / "checkpoint.pt", weights_only=True)["model"]
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="data", help="data folder")
    p.add_argument("--epochs", type=int, default=2, help="epochs per run (shortened from the report's)")
    p.add_argument("--jobs", type=int, default=2, help="workers of the pooled variants")
    p.add_argument("--assets", default="assets/bench", help="folder for pool.json")
    args = p.parse_args()
    runs = configs(args.epochs)
    seconds, same = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        variants = {"serial": (1, TRAIN_THREADS), "pool": (args.jobs, TRAIN_THREADS), "pool_1_thread": (args.jobs, 1)}
        for name, (jobs, threads) in variants.items():
            t0 = time.perf_counter()
            pool.train_configs(runs, Path(tmp) / name, args.root, jobs=jobs, threads=threads)
            seconds[name] = time.perf_counter() - t0
            print(
                f"{name}: {len(runs)} runs, {jobs} at a time, {threads} threads each: {seconds[name]:.1f} s", flush=True
            )
        for name in ("pool", "pool_1_thread"):
            same[name] = all(
                same_weights(run_dir_for(c, Path(tmp) / "serial"), run_dir_for(c, Path(tmp) / name)) for c in runs
            )
    result = {
        "runs": len(runs),
        "epochs": args.epochs,
        "jobs": args.jobs,
        "train_threads": TRAIN_THREADS,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "ratio_to_serial": {k: round(v / seconds["serial"], 3) for k, v in seconds.items()},
        "bit_identical_to_serial": same,
        "malloc": vaelib.MALLOC_APPLIED,
        "machine": machine(),
    }
    Path(args.assets).mkdir(parents=True, exist_ok=True)
    (Path(args.assets) / "pool.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
