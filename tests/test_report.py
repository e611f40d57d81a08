"""The report layer: profiles, the notebook context (run cache, snapshots, evaluation cache, assets), latent
helpers and the notebook runner."""

from __future__ import annotations

import json
import math
import os

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch
from helpers import tiny_config

from vaelib import report
from vaelib.errors import ConfigError
from vaelib.models import MLPConfig
from vaelib.runs import DataConfig, RunConfig
from vaelib.train import OptimConfig


def test_profiles():
    cfg = tiny_config(epochs=7)
    assert report.for_profile(cfg, "full") is cfg
    smoke = report.for_profile(cfg, "smoke")
    assert smoke.optim.num_epochs == 1 and smoke.data.max_train == report.SMOKE_TRAIN
    assert smoke.objective.warmup_epochs == 1.0 and smoke.name != cfg.name
    with pytest.raises(ValueError, match="unknown profile"):
        report.for_profile(cfg, "fast")
    with pytest.raises(ValueError, match="unknown profile"):
        report.Context("x", "fast")


def test_markdown_table():
    df = pd.DataFrame({"model": ["a|b", "c"], "x": [1.23456, float("nan")], "n": [3, 4]})
    md = report.markdown_table(df).splitlines()
    assert md[0] == "| model | x | n |" and md[1].count("---") == 3
    assert md[2] == "| a\\|b | 1.235 | 3 |" and md[3] == "| c |  | 4 |"


def test_interpolation_endpoints_and_norm():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(8, generator=g), torch.randn(8, generator=g)
    z1 = z1 / z1.norm() * z0.norm()
    for mode in ("linear", "spherical"):
        path = report.interpolate(z0, z1, 7, mode)
        assert path.shape == (7, 8)
        torch.testing.assert_close(path[0], z0)
        torch.testing.assert_close(path[-1], z1)
    norms = report.interpolate(z0, z1, 7, "spherical").norm(dim=1)
    torch.testing.assert_close(norms, torch.full_like(norms, float(z0.norm())))  # slerp stays on the sphere
    assert report.interpolate(z0, z1, 7, "linear").norm(dim=1)[3] < z0.norm()  # the chord dips inside
    with pytest.raises(ValueError, match="unknown interpolation"):
        report.interpolate(z0, z1, 3, "cubic")


def test_quantile_grid_and_pca():
    grid = report.quantile_grid(5, q=0.1)
    assert grid.shape == (25, 2)
    assert grid[0, 0] < 0 < grid[0, 1]  # top-left: low z1, high z2
    torch.testing.assert_close(grid[:, 0].reshape(5, 5)[0], -grid[:, 0].reshape(5, 5)[0].flip(0))
    z = torch.randn(500, 4) * torch.tensor([5.0, 2.0, 1.0, 0.1])
    proj, ratios = report.pca(z, 2)
    assert proj.shape == (500, 2) and math.isclose(ratios.sum(), 1.0, rel_tol=1e-5)
    assert ratios[0] > 0.7 and np.all(np.diff(ratios) <= 0)
    assert math.isclose(float(proj[:, 0].var() / z.var(0).sum()), ratios[0], rel_tol=0.05)


@pytest.fixture
def smoke_ctx(tiny_root, tmp_path, monkeypatch):
    """A smoke-profile Context on the tiny data set, with runs and assets in tmp_path."""
    root, _ = tiny_root
    monkeypatch.setenv("VAELIB_DATA", str(root))
    monkeypatch.setenv("VAELIB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("VAELIB_ASSETS", str(tmp_path / "assets"))
    return report.Context("99_test", "smoke", root=tmp_path, planned=False)


def render_frames(shade: float) -> list[np.ndarray]:
    """Two tiny grey frames (a GIF-rendering function for the cache test)."""
    RENDERED.append(shade)
    return [np.full((4, 4), shade), np.full((4, 4), 1 - shade)]


RENDERED: list[float] = []


def test_a_gif_is_redrawn_only_when_its_sources_code_or_file_change(smoke_ctx, tmp_path):
    ctx, source = smoke_ctx, tmp_path / "frames.pt"
    source.write_bytes(b"frames of a run")
    RENDERED.clear()
    path = ctx.gif(render_frames, "anim", args=(0.2,), sources=[source])
    assert path.exists() and RENDERED == [0.2]
    ctx.gif(render_frames, "anim", args=(0.2,), sources=[source])
    assert RENDERED == [0.2]  # unchanged: not redrawn
    ctx.gif(render_frames, "anim", args=(0.3,), sources=[source])
    assert RENDERED == [0.2, 0.3]  # another argument
    source.write_bytes(b"frames of a retrained run")
    ctx.gif(render_frames, "anim", args=(0.3,), sources=[source])
    assert RENDERED == [0.2, 0.3, 0.3]  # other source bytes
    path.write_bytes(b"not the GIF we drew")
    ctx.gif(render_frames, "anim", args=(0.3,), sources=[source])
    assert RENDERED == [0.2, 0.3, 0.3, 0.3] and path.read_bytes()[:3] == b"GIF"  # the file on disk was replaced
    ctx.gif(render_frames, "anim", args=(0.3,))
    assert len(RENDERED) == 5  # no sources: always drawn


def test_context_smoke_end_to_end(smoke_ctx, monkeypatch):
    ctx = smoke_ctx
    run = ctx.run(tiny_config(epochs=5), snapshots=True, probe_n=8)
    assert run.metrics["epochs"] == 1  # smoke: one epoch
    assert len(ctx.snapshots(run)) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("a cache hit must not train")

    monkeypatch.setattr("vaelib.runs.train_run", no_training)
    again = ctx.run(tiny_config(epochs=5), snapshots=True, probe_n=8)
    assert torch.equal(again.model.state_dict()["fc_mu.weight"], run.model.state_dict()["fc_mu.weight"])

    m = ctx.evaluate(run)
    assert {"fid_samples", "fid_recon", "test_ssim", "active_units"} <= set(m)
    cached = list(run.path.glob("eval-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["fid_samples"] == m["fid_samples"]
    assert ctx.evaluate(run) == m

    table = ctx.table(report.metrics_table({"tiny": m}), "metrics")
    assert list(table.columns)[:2] == ["model", "test -ELBO (nats)"]
    assert (ctx.assets / "metrics.csv").exists() and "| tiny |" in (ctx.assets / "metrics.md").read_text()
    fig = report.plots.latent_scatter(
        report.encode(run, torch.rand(10, 1, 28, 28)), torch.arange(10), list("abcdefghij")
    )
    assert ctx.figure(fig, "scatter").suffix == ".png" and (ctx.assets / "scatter.png").stat().st_size > 0
    frames = [np.full((10, 12, 3), v, np.uint8) for v in (0, 128, 255)]
    assert ctx.gif(frames, "anim").stat().st_size > 0
    assert ctx.value("answer", 42) == 42 and json.loads((ctx.assets / "values.json").read_text()) == {"answer": 42}


def test_snapshot_request_on_a_run_trained_without(smoke_ctx):
    ctx = smoke_ctx
    ctx.run(tiny_config())
    with pytest.raises(RuntimeError, match="no complete snapshot record"):
        ctx.run(tiny_config(), snapshots=True)


def _notebook(path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('import os\nPROFILE = os.environ.get("VAELIB_PROFILE", "full")')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_notebook_runner_smoke_and_failure(tmp_path, monkeypatch, capsys):
    from vaelib.cli import main
    from vaelib.notebooks import _record_times, run_notebooks

    (tmp_path / "notebooks").mkdir()
    # the kernel's timed blocks reach the runner's split of the notebook's seconds
    code = "assert PROFILE == 'smoke'\nprint('ran', PROFILE)\nimport time\nfrom vaelib.timing import timed\n"
    code += "with timed('train'):\n    time.sleep(0.3)\nwith timed('eval'):\n    time.sleep(0.2)"
    _notebook(tmp_path / "notebooks" / "01_ok.ipynb", code)
    _notebook(tmp_path / "notebooks" / "02_bad.ipynb", "raise ValueError('broken on purpose')")
    monkeypatch.setenv("VAELIB_ROOT", str(tmp_path))
    monkeypatch.setenv("VAELIB_QUIET", "0")  # a reader's own setting survives the runner
    times = run_notebooks("smoke", ["01"])
    assert os.environ["VAELIB_QUIET"] == "0" and "VAELIB_TIMINGS" not in os.environ
    assert list(times["notebook"]) == ["01_ok"]
    row = times.iloc[0]
    assert row["train_s"] >= 0.3 and 0.2 <= row["eval_s"] < 0.3 and row["other_s"] > 0
    assert row["train_s"] + row["eval_s"] + row["other_s"] == pytest.approx(row["seconds"], abs=0.2)
    executed = nbformat.read(tmp_path / "build" / "smoke" / "notebooks" / "01_ok.ipynb", as_version=4)
    assert any("ran smoke" in o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    source = nbformat.read(tmp_path / "notebooks" / "01_ok.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in source.cells)  # smoke never writes the committed notebooks
    assert main(["notebooks", "--profile", "smoke", "02"]) == 1
    assert "ValueError: broken on purpose" in capsys.readouterr().err
    assert main(["notebooks", "--profile", "smoke", "77"]) == 1
    # a variant execution with an extra parameter: its own output folder, the default copy untouched
    assert main(["notebooks", "--profile", "smoke", "01", "--param", 'EXTRA={"a": 1}']) == 0
    variant = nbformat.read(tmp_path / "build" / "smoke" / "notebooks-variants" / "01_ok.ipynb", as_version=4)
    assert any("EXTRA = {'a': 1}" in c.source or 'EXTRA = {"a": 1}' in c.source for c in variant.cells)
    assert main(["notebooks", "--profile", "smoke", "01", "--param", "no-equals"]) == 1

    cold = pd.DataFrame({"notebook": ["01_ok"], "seconds": [3.0], "train_s": [2.0], "eval_s": [0.5], "other_s": [0.5]})
    _record_times(tmp_path / "assets", cold, "cold cache")
    warm = pd.DataFrame({"notebook": ["01_ok"], "seconds": [1.0], "train_s": [0.0], "eval_s": [0.0], "other_s": [1.0]})
    _record_times(tmp_path / "assets", warm, "warm cache")
    table = pd.read_csv(tmp_path / "assets" / "notebook_times.csv")
    # the split is the cold execution's: a warm one does not overwrite it
    assert list(table.columns) == ["notebook", "cold cache, s", "train_s", "eval_s", "other_s", "warm cache, s"]
    assert table["train_s"].iloc[0] == 2.0 and table["other_s"].iloc[0] == 0.5
    md = (tmp_path / "assets" / "notebook_times.md").read_text()
    assert "*cold cache*: " in md and "*warm cache*: " in md and "logical cores" in md
    assert list(table["notebook"]) == ["01_ok", "total"] and table["warm cache, s"].iloc[-1] == 1.0
    assert table["cold cache, s"].iloc[-1] == 3.0  # an earlier column's total is not summed twice
    # a later execution of another notebook adds its row and keeps the other notebooks' values
    _record_times(tmp_path / "assets", pd.DataFrame({"notebook": ["02_more"], "seconds": [5.0]}), "cold cache")
    table = pd.read_csv(tmp_path / "assets" / "notebook_times.csv").set_index("notebook")
    assert table.loc["01_ok", "cold cache, s"] == 3.0 and table.loc["01_ok", "warm cache, s"] == 1.0
    assert table.loc["total", "cold cache, s"] == 8.0 and table.loc["total", "warm cache, s"] == 1.0


def test_latent_frames_and_test_curve_are_recorded_and_checked(smoke_ctx):
    ctx = smoke_ctx
    cfg = RunConfig(
        data=DataConfig("mnist", val_fraction=0.0),  # no validation split: the test curve is the held-out record
        model=MLPConfig(latent_dim=2, hidden=(16,)),
        optim=OptimConfig(num_epochs=1, batch_size=8),
    )
    run = ctx.run(cfg, latent_frames=2, loss_curve=True, probe_n=6)
    steps = math.ceil(run.metrics["n_train"] / 8)
    frames = ctx.latent_frames(run)
    assert sorted(frames) == sorted(set(range(2, steps + 1, 2)) | {steps})
    last = frames[steps]
    assert last["mu"].shape == (6, 2) and last["recon"].shape[1:] == (1, 28, 28)
    assert not torch.equal(frames[2]["mu"], last["mu"])  # training moved the codes
    curve = ctx.test_curve(run)
    assert list(curve.epoch) == [1] and curve.loss[0] == pytest.approx(
        run.metrics["test_loss"], rel=1e-2
    )  # one z draw each
    assert math.isnan(run.history[-1]["val_loss"])  # no validation split
    ctx.run(cfg, latent_frames=2, loss_curve=True, probe_n=6)  # a cache hit passes the completeness checks
    (run.path / "test_curve.csv").unlink()
    with pytest.raises(RuntimeError, match="no complete per-epoch test loss"):
        ctx.run(cfg, loss_curve=True)
    with pytest.raises(RuntimeError, match="frames in latent_frames.pt"):
        ctx.run(cfg, latent_frames=1, probe_n=6)  # recorded every 2 steps, asked for every step


def test_pca_projects_on_a_fixed_basis():
    g = torch.Generator().manual_seed(0)
    fit = torch.randn(200, 4, generator=g) * torch.tensor([5.0, 2.0, 0.5, 0.1])
    own, ratios = report.pca(fit, 2)
    same, ratios2 = report.pca(fit, 2, fit=fit)
    assert torch.allclose(own, same) and np.allclose(ratios, ratios2) and ratios[0] > 0.7
    other = torch.randn(50, 4, generator=g)
    proj, _ = report.pca(other, 2, fit=fit)
    assert proj.shape == (50, 2) and not torch.allclose(proj, report.pca(other, 2)[0])


def test_cached_evaluations_are_keyed_on_the_evaluation_code(smoke_ctx, monkeypatch):
    ctx = smoke_ctx
    run = ctx.run(tiny_config())
    ctx.evaluate(run)
    assert len(list(run.path.glob("eval-*.json"))) == 1
    ctx.evaluate(run)  # same code: a cache hit
    assert len(list(run.path.glob("eval-*.json"))) == 1
    monkeypatch.setattr(report, "CODE_DIGEST", "edited0000")  # as after an edit of evaluate / metrics / latent
    ctx.evaluate(run)
    assert len(list(run.path.glob("eval-*.json"))) == 2  # recomputed, never a stale hit


def test_page_table_shows_the_page_columns_and_folds_the_full_table():
    df = pd.DataFrame({"model": ["a", "b"], "ELBO": [1.0, 2.0], "FID": [3.0, 4.0], "recall": [0.5, 0.6]})
    md = report.page_table_markdown(df, "assets/nb/t.csv", page=["model", "FID"])
    narrow, fold = md.split("??? note")
    assert narrow.splitlines()[0] == "| model | FID |"
    assert "all 4 columns" in fold and "    | model | ELBO | FID | recall |" in fold
    assert md.rstrip().endswith('<a href="assets/nb/t.csv" download>Download this table as CSV</a></p>')
    whole = report.page_table_markdown(df, "assets/nb/t.csv")
    assert "??? note" not in whole and whole.startswith("| model | ELBO | FID | recall |")
    with pytest.raises(ConfigError, match="not in the table"):
        report.page_table_markdown(df, "x.csv", page=["model", "KL"])
