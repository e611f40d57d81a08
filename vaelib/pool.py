"""Train the report's plan side by side: the runs not yet in the cache, longest first, N at a time.

Each run trains in a worker process with the same fixed thread count (`vaelib.train.TRAIN_THREADS`), through the
run cache and its lock, exactly as the notebook that asks for it would train it (`report.Context.run`, with the
same recording callbacks): a run's weights do not depend on the number of jobs, on the core count, or on whether
the pool or a notebook trained it. The executor is joblib's (loky processes by default); any joblib backend works,
e.g. a Dask cluster through `joblib.parallel_config(backend="dask")` (see the README).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from vaelib import classifier as clf
from vaelib import experiments as E
from vaelib import report
from vaelib.models import build_model, model_flops
from vaelib.runs import RunConfig, get_or_train, run_dir_for

__all__ = ["Job", "plan_jobs", "train_all", "train_configs", "default_jobs"]

# Seconds per training GFLOP (forward + backward) of a run on the reference machine of notebook_times.md (2 cores):
# only the ordering of jobs uses it, for runs the cache has no timing of.
SECONDS_PER_GFLOP = 0.012


@dataclass(frozen=True)
class Job:
    """One unit of the pool's work: a VAE run of the plan, or a classifier that runs and evaluation need."""

    name: str  # run directory name (as the profile trains it)
    notebook: str  # the first notebook that asks for it (its Context trains it)
    config: RunConfig | clf.ClassifierConfig
    record: E.Record = ()
    expected_s: float = 0.0  # recorded training seconds where the cache has them, else an estimate from FLOPs
    estimated: bool = True  # whether expected_s is an estimate (no earlier timing in the cache)


def default_jobs(threads: int | None = None) -> int:
    """What the machine offers: its usable cores over the threads each run uses (at least 1)."""
    from vaelib.train import TRAIN_THREADS

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // (threads or TRAIN_THREADS))


def _recorded_seconds(run_dir: Path) -> float | None:
    """Training seconds an earlier (possibly other-machine) training of this run recorded, if any."""
    import json

    path = run_dir / "metrics.json"
    if path.exists():
        value = json.loads(path.read_text()).get("train_seconds")
        return float(value) if value is not None else None
    return None


def _estimate_seconds(config: RunConfig) -> float:
    """A run's training seconds from its FLOPs (3x the forward pass per example per epoch), for ordering only."""
    n_train = 60000 * (1 - config.data.val_fraction)  # both data sets have 60,000 training images in 10 classes
    if config.data.classes is not None:
        n_train *= len(config.data.classes) / 10
    if config.data.max_train is not None:
        n_train = min(n_train, config.data.max_train)
    flops = 3 * model_flops(build_model(config.model), config.model.image_shape) * n_train * config.optim.num_epochs
    return flops / 1e9 * SECONDS_PER_GFLOP * (3.0 if config.sharp is not None else 1.0)  # sharp: feature net, critic


def plan_jobs(
    profile: str = "full", root: Path | None = None, extended_sharp: bool = False, notebooks: list[str] | None = None
) -> list[Job]:
    """The plan as jobs for `profile`, classifiers first, then runs by expected training time, longest first (only
    the runs first asked for by notebooks whose name starts with one of `notebooks`, when given)."""
    ctx = report.Context("plan", profile, root=root or report.repo_root(), planned=False)
    classifiers: dict[str, Job] = {}
    runs: list[Job] = []
    for config, notebook, record in E.report_plan(profile, extended_sharp).values():
        if notebooks and not any(notebook.startswith(n) for n in notebooks):
            continue
        cfg = ctx.config(config)
        for ccfg in _classifiers_of(ctx, cfg):
            classifiers.setdefault(ccfg.name, Job(ccfg.name, notebook, ccfg, (), 60.0))
        run_dir = run_dir_for(cfg, ctx.runs_root)
        seconds = _recorded_seconds(run_dir)
        runs.append(
            Job(cfg.name, notebook, config, record, seconds or _estimate_seconds(cfg), estimated=seconds is None)
        )
    runs.sort(key=lambda j: -j.expected_s)
    return [*classifiers.values(), *runs]


def _classifiers_of(ctx: report.Context, cfg: RunConfig) -> list[clf.ClassifierConfig]:
    """The classifiers a run needs: its data set's domain classifier (evaluation) and a perceptual feature network."""
    ds = cfg.data.dataset
    domain = ctx.classifier_config
    out = [clf.ClassifierConfig.domain(ds) if domain is None else replace(domain, dataset=ds)]
    if cfg.sharp is not None and cfg.sharp.perceptual_weight > 0:
        out.append(cfg.sharp.feature_classifier(ds, cfg.model.image_shape))
    return out


def _is_done(job: Job, runs_root: Path) -> bool:
    return (runs_root / job.name / "metrics.json").exists() and (runs_root / job.name / "checkpoint.pt").exists()


def train_one(job: Job, profile: str, root: str, threads: int) -> tuple[str, float]:
    """Train one job in this (worker) process with `threads` torch threads; returns its name and wall seconds."""
    import torch

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    ctx = report.Context(job.notebook, profile, root=Path(root), quiet=True)
    if isinstance(job.config, clf.ClassifierConfig):
        clf.get_classifier(job.config.dataset, ctx.runs_root, ctx.data_root, job.config, quiet=True)
    else:
        ctx.run(job.config, **dict(job.record))
    return job.name, time.perf_counter() - t0


def _pool(fn, calls: list[tuple], jobs: int, backend: str) -> Iterator:
    """fn(*args) for each of `calls`, `jobs` at a time in joblib's `backend`, in the order they finish (dispatched
    in the given order). The first failure is raised here, and the calls not yet started are cancelled."""
    from joblib import Parallel, delayed

    run = Parallel(n_jobs=jobs, backend=backend, return_as="generator_unordered", pre_dispatch="n_jobs")
    return run(delayed(fn)(*args) for args in calls)


def train_config(config: RunConfig, runs_root: str, data_root: str, threads: int) -> tuple[str, float]:
    """Load or train one run through the run cache in this (worker) process; returns its name and wall seconds."""
    import torch

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    get_or_train(config, runs_root, data_root, quiet=True)
    return config.name, time.perf_counter() - t0


def train_configs(
    configs: list[RunConfig],
    runs_root: str | os.PathLike,
    data_root: str | os.PathLike,
    jobs: int = 2,
    threads: int | None = None,
    backend: str = "loky",
) -> list[tuple[str, float]]:
    """Train arbitrary configs through the run cache, `jobs` at a time (the pool without the report's plan)."""
    from vaelib.train import TRAIN_THREADS

    calls = [(c, str(runs_root), str(data_root), threads or TRAIN_THREADS) for c in configs]
    return list(_pool(train_config, calls, jobs, backend))


def _fmt(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def train_all(
    profile: str = "full",
    jobs: int | None = None,
    threads: int | None = None,
    root: Path | None = None,
    backend: str = "loky",
    extended_sharp: bool = False,
    notebooks: list[str] | None = None,
    out=sys.stdout,
) -> list[tuple[str, float]]:
    """Train every job of the plan not yet in the cache, `jobs` at a time; one line per finished job, then a summary.

    A job that fails stops the pool with its error; the jobs finished before it stay in the cache."""
    from vaelib.train import TRAIN_THREADS

    threads = threads or TRAIN_THREADS
    jobs = jobs or default_jobs(threads)
    root = root or report.repo_root()
    runs_root = report.Context("plan", profile, root=root, planned=False).runs_root
    plan = plan_jobs(profile, root, extended_sharp, notebooks)
    todo = [j for j in plan if not _is_done(j, runs_root)]
    expected = sum(j.expected_s for j in todo)
    print(
        f"train-all ({profile}): {len(plan)} runs and classifiers in the plan, {len(plan) - len(todo)} in the cache,"
        f" {len(todo)} to train ({jobs} at a time, {threads} threads each; about {_fmt(expected)} of training"
        " serially)",
        file=out,
        flush=True,
    )
    if not todo:
        return []
    t0 = time.perf_counter()
    done: list[tuple[str, float]] = []
    for name, seconds in _pool(train_one, [(job, profile, str(root), threads) for job in todo], jobs, backend):
        done.append((name, seconds))
        print(
            f"[{len(done)}/{len(todo)}] {name} trained in {_fmt(seconds)} ({_fmt(time.perf_counter() - t0)} elapsed)",
            file=out,
            flush=True,
        )
    wall = time.perf_counter() - t0
    longest = max(done, key=lambda d: d[1])
    summed = sum(s for _, s in done)
    print(
        f"train-all: {len(done)} trained in {_fmt(wall)} wall ({_fmt(summed)} of training; the longest,"
        f" {longest[0]}, {_fmt(longest[1])})",
        file=out,
        flush=True,
    )
    if profile == "full" and not notebooks:  # the cold report's training, for the Reproduce page
        _record(root / "assets", len(done), len(plan), jobs, threads, wall, summed, longest)
    return done


def _record(assets: Path, n: int, planned: int, jobs: int, threads: int, wall: float, summed: float, longest) -> None:
    """assets/train_all.{json,md}: what the last `train-all` of the full profile trained, how, and how long."""
    from vaelib.io import atomic_write, write_json
    from vaelib.notebooks import machine

    facts = {
        "trained": n, "planned": planned, "jobs": jobs, "threads_per_run": threads, "wall_s": round(wall, 1),
        "summed_run_s": round(summed, 1), "longest_run": longest[0], "longest_run_s": round(longest[1], 1),
        "machine": machine(),
    }  # fmt: skip
    write_json(assets / "train_all.json", facts)
    atomic_write(assets / "train_all.md", train_all_markdown(facts).encode())


def describe_run(name: str) -> str:
    """A run folder's name in words: 'mnist-conv-z2-b0.001-mean-f4273ae7f4' -> 'the MNIST conv VAE with a 2-D
    latent, β = 0.001, its loss averaged over pixels' (a name of another form is returned without its digest)."""
    m = re.fullmatch(r"(fashion-mnist|mnist)-([a-z_]+)-z(\d+)-b([0-9.e+-]+?)(-mean)?(?:-[0-9a-f]{10})?", name)
    if not m:
        return re.sub(r"-[0-9a-f]{10}$", "", name)
    data, net, z, beta, mean = m.groups()
    data = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[data]
    net = {"conv_bn": "conv-BN", "mlp": "MLP", "unet": "U-Net"}.get(net, net)
    return f"the {data} {net} VAE with a {z}-D latent, β = {beta}" + (", its loss averaged over pixels" if mean else "")


def train_all_markdown(facts: dict) -> str:
    """The Reproduce page's sentence on the last full training (the longest run in words, not its folder name)."""
    wall, summed = facts["wall_s"] / 60, facts["summed_run_s"] / 60
    side_by_side = f" ({summed:.1f} minutes summed over the runs)" if facts["jobs"] > 1 else ""
    return (
        f"The last `train-all` of the full profile trained {facts['trained']} of the plan's {facts['planned']} runs"
        f" and classifiers, {facts['jobs']} at a time with {facts['threads_per_run']} torch threads each, in"
        f" {wall:.1f} minutes{side_by_side}; the longest, {describe_run(str(facts['longest_run']))}, took"
        f" {facts['longest_run_s'] / 60:.1f} minutes.\n\n"
        f"*Measured on*: {facts['machine']}\n"
    )
