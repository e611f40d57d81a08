"""The training benchmark's bookkeeping (its timings are machine figures, checked by `make bench`, not here)."""

import importlib.util
from pathlib import Path

import pytest

from vaelib.models import ConvConfig, build_model, model_flops

_path = Path(__file__).parents[1] / "benchmarks/bench_train.py"
_spec = importlib.util.spec_from_file_location("bench_train", _path)
bench_train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_train)


def test_conv_sampler_pairs_each_sample_with_the_roofs_right_around_it(monkeypatch):
    calls = []  # the order of the timed epochs and roof measurements
    seconds, roofs = iter([2.0, 3.0, 4.0]), iter([300.0, 200.0, 600.0])

    def one_epoch(trainer, n):
        assert n == 1
        calls.append("epoch")
        return [next(seconds)]

    def roof(reps):
        calls.append("roof")
        return next(roofs)

    monkeypatch.setattr(bench_train, "epoch_seconds", one_epoch)
    monkeypatch.setattr(bench_train, "matmul_flops_per_second", roof)
    sampler = bench_train.ConvSampler("m", trainer=None, batch_size=128, epoch_scale=10.0, flops_per_epoch=1000.0)
    roof_now = 100.0
    for _ in range(3):
        roof_now = sampler.sample(roof_now)
    assert calls == ["epoch", "roof"] * 3  # every sample is followed by its own roof
    assert roof_now == 600.0  # the last roof is handed on to whatever is timed next
    assert sampler.seconds == [20.0, 30.0, 40.0]  # scaled to a full epoch
    # the bound of sample i uses the mean of the roofs before and after it: 1000 / mean
    assert sampler.bounds == pytest.approx([1000 / 200, 1000 / 250, 1000 / 400])
    assert sampler.ratios() == pytest.approx([20 * 200 / 1000, 30 * 250 / 1000, 40 * 400 / 1000])


def test_train_flops_count_forward_and_backward_over_the_epoch():
    model = build_model(ConvConfig(latent_dim=2))
    forward = model_flops(model, (1, 28, 28))
    assert forward > 0
    assert bench_train.train_flops(model, (1, 28, 28), 60_000) == 3 * forward * 60_000
    assert bench_train.flop_bound_seconds(model, (1, 28, 28), 60_000, 1e11) == pytest.approx(
        3 * forward * 60_000 / 1e11
    )
