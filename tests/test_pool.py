"""The report's plan and the pool that trains it: the plan covers what the notebooks ask for, and a run trained in
a pool of two has the same bits as one trained alone (synthetic data, real worker processes)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vaelib import experiments as E
from vaelib import pool, report
from vaelib.errors import ConfigError, DataError
from vaelib.models import ConvConfig, MLPConfig
from vaelib.runs import DataConfig, RunConfig, get_or_train, run_dir_for
from vaelib.train import OptimConfig, load_checkpoint


def _write_csv(path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(n, 784))
    rows = np.column_stack([np.arange(n) % 10, pixels])
    header = "label," + ",".join(f"pixel{i}" for i in range(1, 785))
    np.savetxt(path, rows, fmt="%d", delimiter=",", header=header, comments="")


@pytest.fixture
def csv_data(tmp_path):
    """A Kaggle-style CSV pair on disk: worker processes read it as the parent does (no registry patching)."""
    _write_csv(tmp_path / "tiny_train.csv", 48, 1)
    _write_csv(tmp_path / "tiny_test.csv", 16, 2)
    return str(tmp_path / "tiny_train.csv")


def _configs(dataset: str) -> list[RunConfig]:
    data = DataConfig(dataset, val_fraction=0.25)
    optim = OptimConfig(num_epochs=2, batch_size=12)
    return [
        RunConfig(data=data, model=MLPConfig(latent_dim=2, hidden=(16,)), optim=optim),
        RunConfig(data=data, model=ConvConfig(latent_dim=2), optim=optim),  # seed 000's network
    ]


def test_a_pool_of_two_trains_the_same_bits_as_serial_training(csv_data, tmp_path):
    configs = _configs(csv_data)
    for c in configs:  # serial, in this process
        get_or_train(c, tmp_path / "serial", tmp_path, quiet=True)
    done = pool.train_configs(configs, tmp_path / "pooled", tmp_path, jobs=2)
    assert sorted(name for name, _ in done) == sorted(c.name for c in configs)
    for c in configs:
        a = load_checkpoint(run_dir_for(c, tmp_path / "serial") / "checkpoint.pt")["model"]
        b = load_checkpoint(run_dir_for(c, tmp_path / "pooled") / "checkpoint.pt")["model"]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), c.name


def test_a_failing_run_stops_the_pool_with_its_error_and_finished_runs_stay(csv_data, tmp_path):
    good = _configs(csv_data)[0]
    bad = RunConfig(data=DataConfig(csv_data, classes=(42,)), model=good.model, optim=good.optim)  # no such class
    with pytest.raises(DataError, match=r"classes \[42\] do not exist"):  # the worker's own error, re-raised
        pool.train_configs([good, bad], tmp_path / "runs", tmp_path, jobs=1)
    assert (run_dir_for(good, tmp_path / "runs") / "metrics.json").exists()


def test_the_plan_holds_every_model_the_report_shows_once():
    plan = E.report_plan("full")
    names = [c.name for c in plan.values() for c in [c[0]]]
    assert len(names) == len(set(names))
    for ds in E.DATASETS:
        assert {c.name for c in E.report_models(ds).values()} <= set(plan)
    # what a run records is the union of what its notebooks ask for
    assert dict(plan[E.latent_size("mnist", 2).name][2]) == {"snapshots": True, "probe_n": E.UNET_PROBE_N}
    assert dict(plan[E.sharp_decoder("mnist", 16, "pixel").name][2]) == {"frames": 25}
    assert dict(E.report_plan("smoke")[E.sharp_decoder("mnist", 16, "pixel").name][2]) == {"frames": 1}


def test_a_notebook_asking_for_a_run_the_plan_lacks_is_refused(tmp_path):
    ctx = report.Context("02_vae_vs_ae", "smoke", root=tmp_path)
    with pytest.raises(ConfigError, match="the report's plan lacks"):
        ctx.run(E.vae_vs_ae("mnist", lr=0.5))
    with pytest.raises(ConfigError, match="recording {'snapshots': True}"):  # planned, but not with snapshots
        ctx.run(E.vae_vs_ae("mnist"), snapshots=True)
    assert E.plan_covers(E.report_plan("smoke"), E.latent_size("mnist", 2), (("snapshots", True),))


def test_plan_jobs_puts_classifiers_first_then_the_longest_runs(tmp_path):
    jobs = pool.plan_jobs("smoke", root=tmp_path)
    kinds = [isinstance(j.config, RunConfig) for j in jobs]
    assert kinds == sorted(kinds)  # classifiers (False) before runs (True)
    runs = [j.expected_s for j in jobs if isinstance(j.config, RunConfig)]
    assert runs == sorted(runs, reverse=True) and len(runs) == len(E.report_plan("smoke"))
    assert pool.default_jobs(threads=10_000) == 1


def test_the_longest_run_is_named_in_words_not_by_its_folder():
    from vaelib.pool import describe_run, train_all_markdown

    assert describe_run("mnist-conv-z2-b0.001-mean-f4273ae7f4") == (
        "the MNIST conv VAE with a 2-D latent, β = 0.001, its loss averaged over pixels"
    )
    assert (
        describe_run("fashion-mnist-conv_bn-z16-b1-0123456789")
        == "the Fashion-MNIST conv-BN VAE with a 16-D latent, β = 1"
    )
    assert describe_run("classifier-mnist-935627ac20") == "classifier-mnist"  # another form: only the digest goes
    facts = {"trained": 3, "planned": 4, "jobs": 1, "threads_per_run": 2, "wall_s": 600.0, "summed_run_s": 600.0,
             "longest_run": "mnist-unet-z4-b1-e788c3d0ae", "longest_run_s": 300.0, "machine": "m"}  # fmt: skip
    one = train_all_markdown(facts)
    assert "e788c3d0ae" not in one and "summed" not in one  # one at a time: wall time is the sum
    assert "summed over the runs" in train_all_markdown({**facts, "jobs": 2, "wall_s": 350.0})
