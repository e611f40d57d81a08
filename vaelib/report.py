"""The notebooks' context: profiles (smoke/full), where a notebook's assets go, the run cache's front, tables.

Every notebook starts with `ctx = Context("NN_name", PROFILE)` and asks it for models (`ctx.run(config)`, through
the run cache, with the records a notebook asks for: snapshots, frames, a test curve), evaluations
(`ctx.evaluate(run)`, cached per evaluation config and evaluation code), figures (`ctx.figure`) and tables
(`ctx.table`). The smoke profile shrinks every run to a few hundred images and one epoch and writes to a scratch
folder, so it never touches committed assets. The callbacks live in `vaelib.callbacks`, the latent helpers in
`vaelib.latent` (both re-exported here for the notebooks), generated findings in `vaelib.findings`.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from vaelib import classifier as clf
from vaelib import data as data_mod
from vaelib import experiments as E
from vaelib import plots
from vaelib.callbacks import LatentFrames, LossCurve, ReconFrames, Snapshots, load_snapshots
from vaelib.errors import ConfigError, IncompleteRunError
from vaelib.evaluate import CODE_DIGEST, EvalConfig, evaluate_run, ood_scores
from vaelib.io import atomic_write, digest, exclusive, file_digest, write_json
from vaelib.latent import (
    decode,
    encode,
    history_frame,
    interpolate,
    pca,
    posterior,
    prior_samples,
    quantile_grid,
    reconstruct,
    silhouette,
    traversals,
)
from vaelib.runs import Run, RunConfig, get_or_train, load_data, model_inputs, run_dir_for
from vaelib.train import Callback

__all__ = [
    "PROFILES",
    "Context",
    "for_profile",
    "markdown_table",
    "metrics_table",
    "page_table_markdown",
    "PAGE_METRICS",
    "repo_root",
    # re-exported, so a notebook needs only `report`: the callbacks (vaelib.callbacks) and latent helpers
    # (vaelib.latent) it uses
    "Snapshots",
    "ReconFrames",
    "LatentFrames",
    "LossCurve",
    "load_snapshots",
    "encode",
    "decode",
    "posterior",
    "reconstruct",
    "prior_samples",
    "quantile_grid",
    "interpolate",
    "traversals",
    "history_frame",
    "silhouette",
    "pca",
    "for_notebook",
]

PROFILES = ("smoke", "full")
SMOKE_TRAIN = 300  # training images per smoke run: enough for every code path, done in seconds
SMOKE_CLASSIFIER = clf.ClassifierConfig(num_epochs=1, max_train=2000)
SMOKE_EVAL = EvalConfig(
    iwae_k=20, iwae_n=20, fid_n=200, pr_n=100, diversity_n=100, probe_n=300, ood_n=50, regret_steps=2
)
# Full-profile evaluation: sized so that every model of the report is evaluated within the notebooks' time budget.
# OOD scores are computed by the OOD notebook itself (per-example, for histograms), so they are off here.
REPORT_EVAL = EvalConfig(iwae_k=500, iwae_n=500, fid_n=5000, pr_n=2000, probe_n=3000, ood=False)


def repo_root() -> Path:
    """The project folder: $VAELIB_ROOT, else the nearest parent of the working directory holding pyproject.toml."""
    if os.environ.get("VAELIB_ROOT"):
        return Path(os.environ["VAELIB_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").exists() and (d / "vaelib").is_dir():
            return d
    return here


def for_profile(config: RunConfig, profile: str) -> RunConfig:
    """`config` as the profile trains it: unchanged for `full`; a few hundred images and one epoch for `smoke`."""
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if profile == "full":
        return config
    sharp = config.sharp
    if sharp is not None:  # a small feature network, and the discriminator starting within the single epoch
        sharp = replace(
            sharp,
            feature_max_train=SMOKE_CLASSIFIER.max_train,
            feature_epochs=1,
            adversarial_start=min(sharp.adversarial_start, 0.5),
            adversarial_ramp=min(sharp.adversarial_ramp, 0.25),
        )
    return replace(
        config,
        data=replace(config.data, max_train=SMOKE_TRAIN),
        optim=replace(config.optim, num_epochs=1),
        objective=replace(config.objective, warmup_epochs=min(config.objective.warmup_epochs, 1.0)),
        sharp=sharp,
    )


def recording(
    snapshots: bool = False,
    probe_n: int = 1000,
    frames: int | None = None,
    latent_frames: int | None = None,
    loss_curve: bool = False,
) -> E.Record:
    """`Context.run`'s recording options as a plan entry records them (only those that differ from the defaults)."""
    rec = {
        "snapshots": snapshots or None,
        "frames": frames,
        "latent_frames": latent_frames,
        "loss_curve": loss_curve or None,
    }
    if probe_n != 1000:
        rec["probe_n"] = probe_n
    return tuple(sorted((k, v) for k, v in rec.items() if v is not None))


def for_notebook(text: str) -> str:
    """A reading written for the site's pages (links such as `claims.md#000-17`, relative to a page at the site's
    root), with its links rewritten for the rendered notebook, which sits two folders down (notebooks/NN_name/)."""
    return re.sub(r"\]\(([a-z0-9-]+)\.md(#[^)]*)?\)", lambda m: f"](../../{m[1]}/{m[2] or ''})", text)


@functools.cache
def _full_plan(profile: str) -> dict:
    return E.report_plan(profile, extended_sharp=True)  # `make sharp-extended` asks for the whole grid


def markdown_table(df: pd.DataFrame, floatfmt: str = "{:.4g}") -> str:
    """A GitHub/MkDocs Markdown table of `df` (no extra dependency)."""

    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else floatfmt.format(v)
        return str(v).replace("|", "\\|")

    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def page_table_markdown(df: pd.DataFrame, csv: str, floatfmt: str = "{:.4g}", page: Sequence[str] | None = None) -> str:
    """`df` as a page shows it: the `page` columns (all when None), then the full table folded, then a CSV link.

    `csv` is the CSV's path from the site root as a page at the top of docs/ links it (assets/NB/name.csv)."""
    link = f'<p class="table-csv"><a href="{csv}" download>Download this table as CSV</a></p>\n'
    if page is None or list(page) == list(df.columns):
        return markdown_table(df, floatfmt) + "\n" + link
    missing = [c for c in page if c not in df.columns]
    if missing:
        raise ConfigError(f"page columns {missing} are not in the table (columns: {list(df.columns)})")
    full = "\n".join(f"    {line}" if line else "" for line in markdown_table(df, floatfmt).splitlines())
    return (
        markdown_table(df[list(page)], floatfmt)
        + f'\n??? note "The full table: all {df.shape[1]} columns (click to open)"\n\n{full}\n\n'
        + link
    )


# ----------------------------------------------------------------------------------------------------------
# The notebook context
# ----------------------------------------------------------------------------------------------------------


def _source_digest(fn: Callable) -> str:
    """A digest of `fn`'s source (as IPython records a cell's) and of `vaelib.plots`' and this module's sources (the
    drawing code and the loaders it calls)."""
    try:
        own = inspect.getsource(fn)
    except (OSError, TypeError):  # no source to read: never reuse what it drew
        own = f"unreadable {id(fn)}"
    return digest([own, inspect.getsource(plots), inspect.getsource(sys.modules[__name__])])


@dataclass
class Context:
    """Where a notebook reads data and runs and writes its assets, for one profile."""

    notebook: str
    profile: str = "full"
    root: Path = field(default_factory=repo_root)
    # Progress bars and cache lines for a reader running the notebook; quiet under `python -m vaelib notebooks`
    # and `make notebooks-smoke`, which set $VAELIB_QUIET (the executed notebooks are the site's pages).
    quiet: bool = field(default_factory=lambda: os.environ.get("VAELIB_QUIET", "") not in ("", "0"))
    # The report's notebooks ask only for runs in `experiments.report_plan` (what `train-all` trains beforehand);
    # False for other uses of a Context (tests, a reader's own experiments).
    planned: bool = True

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        # Smoke runs default to a scratch tree so they can never overwrite the published assets or runs.
        scratch = self.root / "build" / "smoke"
        default_assets = self.root / "assets" if self.profile == "full" else scratch / "assets"
        default_runs = self.root / "runs" if self.profile == "full" else scratch / "runs"
        # Relative paths in the environment are taken from the project root (kernels start in notebooks/).
        self.assets = self.root / os.environ.get("VAELIB_ASSETS", default_assets) / self.notebook
        self.runs_root = self.root / os.environ.get("VAELIB_RUNS", default_runs)
        self.data_root = self.root / os.environ.get("VAELIB_DATA", self.root / "data")
        self.assets.mkdir(parents=True, exist_ok=True)
        self.eval_config = REPORT_EVAL if self.profile == "full" else SMOKE_EVAL
        self.classifier_config = None if self.profile == "full" else SMOKE_CLASSIFIER

    def __repr__(self) -> str:
        def rel(p: Path) -> str:
            return str(p.relative_to(self.root)) if p.is_relative_to(self.root) else str(p)

        return f"{self.notebook} ({self.profile} profile): assets -> {rel(self.assets)}, runs -> {rel(self.runs_root)}"

    # -- models ------------------------------------------------------------------------------------------
    def config(self, config: RunConfig) -> RunConfig:
        """`config` as this profile trains it."""
        return for_profile(config, self.profile)

    def run(
        self,
        config: RunConfig,
        snapshots: bool = False,
        probe_n: int = 1000,
        frames: int | None = None,
        latent_frames: int | None = None,
        loss_curve: bool = False,
    ) -> Run:
        """The trained run for `config` (cache or train); `snapshots` also records per-epoch probes in RUN/snapshots/,
        `frames` the reconstructions of 8 test images every `frames` steps in RUN/frames.pt, `latent_frames` the
        latent means of `probe_n` test images (and reconstructions of 8) every so many steps in
        RUN/latent_frames.pt, `loss_curve` the loss on the whole test set after every epoch in RUN/test_curve.csv."""
        record = recording(snapshots, probe_n, frames, latent_frames, loss_curve)
        if self.planned and not E.plan_covers(_full_plan(self.profile), config, record):
            raise ConfigError(
                f"{self.notebook} asks for {config.name} recording {dict(record) or 'nothing'}, which the report's plan"
                " lacks: add it to vaelib.experiments.report_plan (train-all trains the plan before the notebooks run)"
            )
        cfg = self.config(config)
        callbacks: list[Callback] = []
        run_dir = run_dir_for(cfg, self.runs_root)
        splits = load_data(cfg, self.data_root) if frames or snapshots or latent_frames or loss_curve else None
        step_records = {}  # file -> steps between frames
        if frames:
            step_records[run_dir / "frames.pt"] = frames
            callbacks.append(ReconFrames(run_dir / "frames.pt", self.inputs(cfg, splits.test.images[:8]), frames))
        if latent_frames:
            step_records[run_dir / "latent_frames.pt"] = latent_frames
            x = self.inputs(cfg, splits.test.images[:probe_n])
            callbacks.append(LatentFrames(run_dir / "latent_frames.pt", x, x[:8], latent_frames))
        if snapshots:
            snap_dir = run_dir / "snapshots"
            test_x, train_x = (
                self.inputs(cfg, splits.test.images[:probe_n]),
                self.inputs(cfg, splits.train.images[:probe_n]),
            )
            callbacks.append(Snapshots(snap_dir, test_x, test_x[:16], {"train": train_x, "test": test_x}))
        if loss_curve:
            callbacks.append(LossCurve(run_dir / "test_curve.csv", self.inputs(cfg, splits.test.images)))
        run = get_or_train(cfg, self.runs_root, self.data_root, quiet=self.quiet, callbacks=callbacks)
        epochs = run.metrics["epochs"]  # fewer than num_epochs when early stopping ended training
        for path, every in step_records.items():
            # every `every` steps and the last step; a run interrupted between its last checkpoint and the
            # callbacks, or begun without frames, lacks some of them
            total = math.ceil(run.metrics["n_train"] / cfg.optim.batch_size) * epochs
            expected = set(range(every, total + 1, every)) | {total}
            recorded = set(torch.load(path, weights_only=True)) if path.exists() else set()
            if recorded != expected:
                raise IncompleteRunError(
                    f"{run.path} has {len(recorded & expected)} of its {len(expected)} frames in {path.name}; "
                    "delete the run directory to retrain it with them"
                )
        if snapshots:
            # A run trained (or begun) without snapshots, or with another probe size, cannot give a full record.
            snaps = self.snapshots(run)
            if [s["epoch"] for s in snaps] != list(range(1, epochs + 1)) or any(
                s.get("probe_n") != len(test_x) for s in snaps
            ):
                raise IncompleteRunError(
                    f"{run.path} has no complete snapshot record with {len(test_x)} probe images; "
                    "delete the run directory to retrain it with snapshots"
                )
        if loss_curve:
            curve = self.test_curve(run) if (run_dir / "test_curve.csv").exists() else pd.DataFrame({"epoch": []})
            if list(curve.epoch) != list(range(1, epochs + 1)):
                raise IncompleteRunError(
                    f"{run.path} has no complete per-epoch test loss; delete the run directory to retrain it with one"
                )
        return run

    @staticmethod
    def frames(run: Run) -> dict[int, torch.Tensor]:
        """The reconstruction frames recorded while `run` trained (step -> images), in step order."""
        frames = torch.load(Path(run.path) / "frames.pt", weights_only=True)
        return dict(sorted(frames.items()))

    @staticmethod
    def latent_frames(run: Run) -> dict[int, dict[str, torch.Tensor]]:
        """The latent frames recorded while `run` trained (step -> {"mu", "recon"}), in step order."""
        frames = torch.load(Path(run.path) / "latent_frames.pt", weights_only=True)
        return dict(sorted(frames.items()))

    @staticmethod
    def test_curve(run: Run) -> pd.DataFrame:
        """The per-epoch loss, reconstruction, KL and negative ELBO on the test set recorded while `run` trained."""
        return pd.read_csv(Path(run.path) / "test_curve.csv")

    def snapshots(self, run: Run) -> list[dict[str, Any]]:
        """The per-epoch snapshots recorded while `run` trained."""
        return load_snapshots(Path(run.path) / "snapshots")

    def splits(self, run_or_config: Run | RunConfig) -> data_mod.DataSplits:
        """The train/val/test splits of a run (or of a config, as this profile trains it)."""
        cfg = run_or_config.config if isinstance(run_or_config, Run) else self.config(run_or_config)
        return load_data(cfg, self.data_root)

    @staticmethod
    def inputs(config: RunConfig, images: torch.Tensor) -> torch.Tensor:
        """Float images [N, 1, H, W] as a model of `config` sees them (binarized for binarized runs)."""
        return model_inputs(config, images)

    # -- evaluation --------------------------------------------------------------------------------------
    def evaluate(self, run: Run, config: EvalConfig | None = None) -> dict[str, Any]:
        """The evaluation metrics of `run`, cached in RUN/eval-<digest>.json (re-running a notebook is cheap)."""
        cfg = config or self.eval_config
        dataset = run.config.data.dataset
        ccfg = replace(self.classifier_config, dataset=dataset) if self.classifier_config else None
        clf_name = (ccfg or clf.ClassifierConfig.domain(dataset)).name  # the features the metrics are measured in
        ident = {"eval": asdict(cfg), "classifier": clf_name, "code": CODE_DIGEST}
        key = digest(ident)
        path = Path(run.path) / f"eval-{key}.json"
        if path.exists():
            return json.loads(path.read_text())
        with exclusive(run.path, "evaluated"):  # a second process asking meanwhile waits, then reads the file
            if path.exists():
                return json.loads(path.read_text())
            out = evaluate_run(
                run,
                self.data_root,
                self.runs_root,
                cfg,
                quiet=self.quiet,
                write=False,
                classifier_cfg=self.classifier_config,
            )
            write_json(path, out)
            return out

    def ood_scores(self, run: Run, name: str, images: torch.Tensor, regret_steps: int) -> dict[str, np.ndarray]:
        """Per-example OOD scores of uint8 `images` (named `name`, e.g. 'mnist-test-1000'), cached in RUN/."""
        ident = {"name": name, "n": len(images), "regret_steps": regret_steps, "code": CODE_DIGEST}
        key = digest(ident)
        path = Path(run.path) / f"ood-{key}.npz"
        with exclusive(run.path, "evaluated"):
            if path.exists():
                with np.load(path) as f:
                    return {k: f[k] for k in f.files}
            scores = ood_scores(run, model_inputs(run.config, images), images, regret_steps)
            buf = io.BytesIO()
            np.savez(buf, **scores)
            atomic_write(path, buf.getvalue())  # a reader never sees half a file
            return scores

    def classifier(self, dataset: str) -> tuple[clf.DomainClassifier, dict]:
        """The domain classifier of `dataset` (trained on first use)."""
        cfg = replace(self.classifier_config, dataset=dataset) if self.classifier_config else None
        return clf.get_classifier(dataset, self.runs_root, self.data_root, cfg, quiet=self.quiet)

    # -- outputs -----------------------------------------------------------------------------------------
    def figure(self, fig, name: str) -> Path:
        """Save a matplotlib figure as ASSETS/<notebook>/<name> (PNG unless the name says otherwise)."""
        return plots.save_figure(fig, self.assets / (name if Path(name).suffix else f"{name}.png"))

    def gif(
        self,
        frames: list[np.ndarray] | Callable[..., list[np.ndarray]],
        name: str,
        fps: float = 4,
        sources: Sequence[str | os.PathLike] = (),
        args: tuple = (),
    ) -> Path:
        """Write RGB frames as ASSETS/<notebook>/<name>.gif. `frames` may be the function that renders them,
        `frames(*args)`: given the `sources` it draws from, it is not called when the GIF on disk was made from the
        same source bytes by the same drawing code (the function's and `vaelib.plots`'), plain arguments and fps: a
        warm report run then skips re-rendering an unchanged GIF, the slowest part of a notebook that trains
        nothing."""
        path = self.assets / f"{name}.gif"
        if not callable(frames):
            return plots.save_gif(frames, path, fps=fps)
        stamp = self.root / "build" / "gif-stamps" / self.profile / self.notebook / f"{name}.json"  # local only
        # plain values as they are; anything else (a run) by its type: its content is read from `sources`
        plain = [a.item() if isinstance(a, np.generic) else a if isinstance(a, str | int | float) else type(a).__name__
                 for a in args]  # fmt: skip
        made = {
            "sources": [file_digest(p) for p in sources],
            "code": _source_digest(frames),
            "args": plain,
            "fps": fps,
        }
        if sources and path.exists() and stamp.exists():
            seen = json.loads(stamp.read_text())
            if seen.get("made") == made and seen.get("gif") == file_digest(path):
                return path
        plots.save_gif(frames(*args), path, fps=fps)
        write_json(stamp, {"made": made, "gif": file_digest(path)})
        return path

    def table(
        self, df: pd.DataFrame, name: str, floatfmt: str = "{:.4g}", page: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Write `df` as ASSETS/<notebook>/<name>.csv and .md (the report includes the .md); returns `df`.

        `page`: the columns the page's text argues from; the .md shows those and folds the full table away."""
        df.to_csv(self.assets / f"{name}.csv", index=False)
        csv = f"assets/{self.assets.name}/{name}.csv"  # as the pages (docs/*.md) link it
        (self.assets / f"{name}.md").write_text(page_table_markdown(df, csv, floatfmt, page))
        return df

    def explorer(
        self,
        run: Run,
        mu: torch.Tensor,
        labels: torch.Tensor,
        name: str,
        title: str,
        images: torch.Tensor | None = None,
        image_labels: torch.Tensor | None = None,
        *,
        label: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """Export `run`'s latent-2 encoder and decoder to ASSETS/<notebook>/<name>-encoder.onnx and <name>.onnx
        with the manifest <name>.json (test codes `mu` and their `labels`; the test images the page offers to
        encode: `images` uint8 [N, H, W] with their `image_labels`, by default 12 of the run's test split taking
        the classes in turn) for the report's latent explorer; `label` names the model in the page's selector
        (default `title`), `group` the family it belongs to. Returns the manifest."""
        from vaelib.explorer import pick_examples, write_explorer  # needs onnx: only notebooks that export load it

        test = self.splits(run).test
        if images is None:
            chosen = test.take(pick_examples(test.labels))
            images, image_labels = chosen.images, chosen.labels
        elif image_labels is None:
            image_labels = torch.full((len(images),), -1, dtype=torch.long)  # shown without a class name
        meta = {
            "dataset": run.config.data.dataset,
            "title": title,
            "label": label or title,
            **({"group": group} if group else {}),
            "class_names": list(test.class_names),
            "run": Path(run.path).name,
            "notebook": self.notebook,
        }
        return write_explorer(run.model, mu, labels, self.assets, name, meta, images, image_labels)

    def markdown(self, text: str, name: str) -> str:
        """Write generated Markdown (e.g. sentences built from a table) as ASSETS/<notebook>/<name>.md; returns it."""
        atomic_write(self.assets / f"{name}.md", text.encode())
        return text

    def value(self, name: str, value: Any) -> Any:
        """Record one number the discussion quotes into ASSETS/<notebook>/values.json; returns it."""
        path = self.assets / "values.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        values[name] = value
        write_json(path, values)
        return value


# Evaluation keys the report's tables show, with their column titles.
SUMMARY_COLUMNS = {
    "test_elbo": "test -ELBO (nats)",
    "test_recon": "recon (nats)",
    "test_kl": "KL (nats)",
    "test_mse": "MSE",
    "test_ssim": "SSIM",
    "test_psnr": "PSNR (dB)",
    "fid_recon": "FID recon",
    "fid_samples": "FID samples",
    "precision": "precision",
    "recall": "recall",
    "class_entropy": "class entropy",
    "active_units": "active units",
    "probe_knn_accuracy": "k-NN probe acc.",
}


# The columns of a metrics table a page shows (the full table is folded beneath it): the ELBO and its KL, one
# reconstruction and one sample score of each kind, and the latent's use.
PAGE_METRICS = ("model", "test -ELBO (nats)", "KL (nats)", "SSIM", "FID recon", "FID samples", "active units")


def metrics_table(
    rows: dict[str, dict[str, Any]], columns: dict[str, str] | None = None, first: str = "model"
) -> pd.DataFrame:
    """One row per named evaluation, the chosen metric columns (missing values left empty)."""
    columns = columns or SUMMARY_COLUMNS
    records = []
    for name, m in rows.items():
        rec: dict[str, Any] = {first: name}
        for key, title in columns.items():
            v = m.get(key)
            rec[title] = float("nan") if v is None else v
        records.append(rec)
    return pd.DataFrame(records)
