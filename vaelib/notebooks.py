"""Execute the report's notebooks in a profile (papermill), time each, and fail on the first error.

`full` executes `notebooks/NN_*.ipynb` in place (the committed copies carry the outputs the site renders) and
records the seconds per notebook in assets/notebook_times.{csv,md}; `smoke` writes executed copies, assets and
runs under build/smoke/ and never touches committed files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from vaelib.report import PROFILES, markdown_table, repo_root

__all__ = ["notebook_paths", "run_notebooks"]


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
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    root = repo_root()
    os.environ["VAELIB_ROOT"] = str(root)  # the kernels find the project wherever they start
    out_dir = root / "notebooks" if profile == "full" else root / "build" / "smoke" / "notebooks"
    if parameters:
        out_dir = root / "build" / ("notebooks" if profile == "full" else "smoke/notebooks-variants")
        label = None
    out_dir.mkdir(parents=True, exist_ok=True)
    runs_root = root / os.environ.get("VAELIB_RUNS", root / "runs")
    before = _finished_runs(runs_root)
    rows = []
    for path in notebook_paths(root, names):
        t0 = time.perf_counter()
        print(f"[{profile}] {path.name} ...", flush=True)
        pm.execute_notebook(
            str(path),
            str(out_dir / path.name),
            parameters={"PROFILE": profile, **(parameters or {})},
            cwd=str(root / "notebooks"),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
        seconds = time.perf_counter() - t0
        rows.append({"notebook": path.stem, "seconds": round(seconds, 1)})
        print(f"[{profile}] {path.name} done in {seconds:.1f} s", flush=True)
    times = pd.DataFrame(rows)
    total = times["seconds"].sum()
    print(f"[{profile}] {len(rows)} notebooks in {total:.1f} s", flush=True)
    if profile == "full" and label:
        if label == "auto":  # what the cache held decides the column: nothing trained = warm
            trained = _finished_runs(runs_root) - before
            label = "cold cache" if not before else ("warm cache" if not trained else "partly warm cache")
        _record_times(root / "assets", times, label)
    return times


def _finished_runs(runs_root: Path) -> set[str]:
    """Run (and classifier) directories in the cache that hold a finished run."""
    return {p.parent.name for p in runs_root.glob("*/metrics.json")}


def _record_times(assets: Path, times: pd.DataFrame, label: str) -> None:
    """Record this execution's seconds per notebook in column `label` (e.g. `cold cache`, `warm cache`) of the
    times table; notebooks not executed this time keep their earlier values."""
    csv = assets / "notebook_times.csv"
    table = pd.read_csv(csv) if csv.exists() else pd.DataFrame({"notebook": []})
    table = table[table["notebook"] != "total"].set_index("notebook")  # the total is summed again below
    column = f"{label}, s"
    for row in times.itertuples(index=False):
        table.loc[row.notebook, column] = row.seconds
    table = table.sort_index().reset_index()
    total = {c: table[c].sum() if c != "notebook" else "total" for c in table.columns}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    assets.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False)
    (assets / "notebook_times.md").write_text(markdown_table(table, "{:.0f}"))
