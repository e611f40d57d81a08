"""Execute the report's notebooks in a profile (papermill), time each, and fail on the first error.

`full` executes `notebooks/NN_*.ipynb` in place (the committed copies carry the outputs the site renders) and
records the seconds per notebook in assets/notebook_times.{csv,md}; `smoke` writes executed copies, assets and
runs under build/smoke/ and never touches committed files. Each notebook's seconds are split into training,
evaluation and the rest from the `vaelib.timing` log its kernel writes; a cold execution records that split
(`train_s`, `eval_s`, `other_s`) and the machine it ran on.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from unittest import mock

import pandas as pd
import torch

from vaelib import timing
from vaelib.errors import ConfigError
from vaelib.report import PROFILES, markdown_table, repo_root

__all__ = ["KERNEL", "ensure_kernel", "lab_command", "notebook_paths", "run_notebooks"]

# The Jupyter kernel the notebooks' metadata names: this environment's Python, registered by `ensure_kernel`.
KERNEL = "vaelib"
KERNEL_DISPLAY_NAME = "Python (vaelib)"
# Set by the runner for the kernels it starts: the executed notebooks are the site's pages, free of progress bars.
QUIET_ENV = "VAELIB_QUIET"
# The profile a notebook's parameters cell takes (`full` when unset).
PROFILE_ENV = "VAELIB_PROFILE"


def ensure_kernel() -> Path:
    """Register this Python as the `vaelib` Jupyter kernel in its own environment (once); returns the spec's folder."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return Path(spec.resource_dir)
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    return Path(install(kernel_name=KERNEL, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix))


def lab_command(port: int = 8888, root: Path | None = None) -> list[str]:
    """The JupyterLab command line for the notebooks folder on 127.0.0.1:`port` (the `vaelib` kernel registered)."""
    import shutil

    root = root or repo_root()
    ensure_kernel()
    jupyter = Path(sys.executable).with_name("jupyter")
    jupyter = str(jupyter) if jupyter.exists() else shutil.which("jupyter")
    if not jupyter:
        raise FileNotFoundError("jupyter is not installed in this environment; run `make setup`")
    return [
        jupyter, "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port), "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root / 'notebooks'}",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # e.g. in a container
    ]  # fmt: skip


def notebook_paths(root: Path | None = None, names: list[str] | None = None) -> list[Path]:
    """The ordered notebooks (NN_name.ipynb), optionally only those whose name starts with one of `names`."""
    root = root or repo_root()
    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.stem.startswith(n) for n in names)]
        if not paths:
            raise FileNotFoundError(f"no notebook matches {', '.join(names)} in {root / 'notebooks'}")
    return paths


def run_notebooks(
    profile: str,
    names: list[str] | None = None,
    label: str | None = None,
    parameters: dict[str, object] | None = None,
) -> pd.DataFrame:
    """Execute the notebooks in `profile`; returns (and for `full`, records under `label`) seconds per notebook.

    Extra papermill `parameters` (e.g. notebook 09's EXTENDED_GRID) make a variant execution: its executed copy
    goes to build/notebooks/ (the committed notebook keeps the default outputs) and its time is not recorded."""
    import papermill as pm

    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    root = repo_root()
    os.environ["VAELIB_ROOT"] = str(root)  # the kernels find the project wherever they start
    out_dir = root / "notebooks" if profile == "full" else root / "build" / "smoke" / "notebooks"
    if parameters:
        out_dir = root / "build" / ("notebooks" if profile == "full" else "smoke/notebooks-variants")
        label = None
    out_dir.mkdir(parents=True, exist_ok=True)
    ensure_kernel()
    runs_root = root / os.environ.get("VAELIB_RUNS", root / "runs")
    before = _finished_runs(runs_root)
    rows = []
    for path in notebook_paths(root, names):
        print(f"[{profile}] {path.name} ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "timings.jsonl"
            # The kernel inherits these: its profile (read by the parameters cell, so no parameter cell is injected
            # into the committed notebooks and `VAELIB_PROFILE=... nbconvert --execute` runs them the same way), the
            # timing log of its training and evaluation, and no progress bars.
            env = {PROFILE_ENV: profile, timing.ENV: str(log), QUIET_ENV: "1"}
            with mock.patch.dict(os.environ, env):
                t0 = time.perf_counter()
                pm.execute_notebook(
                    str(path),
                    str(out_dir / path.name),
                    parameters=parameters or {},
                    cwd=str(root / "notebooks"),
                    kernel_name=_kernel_of(path),
                    progress_bar=False,
                    log_output=False,
                )
            seconds = time.perf_counter() - t0
            parts = timing.read_log(log)
        train, evaluation = parts["train"], parts["eval"]
        if profile == "full" and not parameters:
            record_provenance(root / "assets", path.stem)
        rows.append(
            {
                "notebook": path.stem,
                "seconds": round(seconds, 1),
                "train_s": round(train, 1),
                "eval_s": round(evaluation, 1),
                "other_s": round(max(seconds - train - evaluation, 0.0), 1),
            }
        )
        print(
            f"[{profile}] {path.name} done in {seconds:.1f} s (training {train:.1f} s, evaluation {evaluation:.1f} s)",
            flush=True,
        )
    times = pd.DataFrame(rows)
    total = times["seconds"].sum()
    print(f"[{profile}] {len(rows)} notebooks in {total:.1f} s", flush=True)
    if profile == "full" and label:
        if label == "auto":  # what the cache held decides the column: nothing trained = warm
            trained = _finished_runs(runs_root) - before
            label = COLD if not before else ("warm cache" if not trained else "partly warm cache")
        _record_times(root / "assets", times, label)
    return times


def _kernel_of(path: Path) -> str:
    """The kernel a notebook's metadata names (`vaelib` for the report's notebooks), else python3."""
    import nbformat

    return nbformat.read(path, as_version=4).metadata.get("kernelspec", {}).get("name", "python3")


def _finished_runs(runs_root: Path) -> set[str]:
    """Run (and classifier) directories in the cache that hold a finished run."""
    return {p.parent.name for p in runs_root.glob("*/metrics.json")}


COLD = "cold cache"
SPLIT = ("train_s", "eval_s", "other_s")  # a cold execution's seconds: training, evaluation, the rest


def machine() -> str:
    """The hardware and software a timing was measured on, in one line."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), cpu)
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no GPU"
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {torch.get_num_threads()} torch threads{gpu};"
        f" torch {torch.__version__}, Python {platform.python_version()}; {date.today().isoformat()}"
    )


def record_provenance(assets: Path, notebook: str, where: str | None = None) -> None:
    """assets/provenance.{json,md}: the machine each notebook's published assets were last computed on (results
    differ across CPU vendors in the third or fourth digit, so a reader can tell which pages were computed together)."""
    path = assets / "provenance.json"
    facts = json.loads(path.read_text()) if path.exists() else {}
    facts[notebook] = where or machine()
    assets.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n")
    table = pd.DataFrame({"notebook": list(sorted(facts)), "executed on": [facts[k] for k in sorted(facts)]})
    (assets / "provenance.md").write_text(markdown_table(table, "{}"))


def _record_times(assets: Path, times: pd.DataFrame, label: str) -> None:
    """Record this execution's seconds per notebook in column `label` (e.g. `cold cache`, `warm cache`) of the
    times table, and for a cold execution its split into training, evaluation and the rest and the machine;
    notebooks not executed this time keep their earlier values."""
    csv = assets / "notebook_times.csv"
    table = pd.read_csv(csv) if csv.exists() else pd.DataFrame({"notebook": []})
    table = table[table["notebook"] != "total"].set_index("notebook")  # the total is summed again below
    columns = {"seconds": f"{label}, s", **({k: k for k in SPLIT} if label == COLD else {})}
    for row in times.to_dict("records"):
        for key, column in columns.items():
            if key in row:
                table.loc[row["notebook"], column] = row[key]
    order = [c for c in (f"{COLD}, s", *SPLIT) if c in table.columns]  # the cold total beside its parts
    table = table[order + [c for c in table.columns if c not in order]]
    table = table.sort_index().reset_index()
    total = {c: table[c].sum() if c != "notebook" else "total" for c in table.columns}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    assets.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False)
    machines_path = assets / "notebook_times.json"
    machines = json.loads(machines_path.read_text()) if machines_path.exists() else {}
    machines[label] = machine()
    machines_path.write_text(json.dumps(machines, indent=1, sort_keys=True) + "\n")
    notes = "".join(f"\n*{name}*: {text}\n" for name, text in sorted(machines.items()))
    legend = (
        "\n`train_s`: training (VAEs, autoencoders and the domain classifiers), `eval_s`: evaluation (metrics,"
        " OOD scores), `other_s`: the rest (loading, snapshots, figures, GIFs, kernel start), all of the cold run.\n"
        if "train_s" in table.columns
        else ""
    )
    (assets / "notebook_times.md").write_text(markdown_table(table, "{:.0f}") + legend + notes)
