"""The ledger's measurements are reused only while the runs they measure and the measuring code are unchanged."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vaelib import experiments as E
from vaelib import measures, report
from vaelib.errors import ConfigError


@pytest.fixture
def ctx(tmp_path):
    return report.Context("claims", "smoke", root=tmp_path, planned=False)


def fake_measures(calls):
    def measure(ctx, n=2000):
        calls.append(n)
        return pd.DataFrame({"seed": ["000", "004"], "key": ["000.a", "004.b"], "value": [0.5, 1.25]})

    return measure


def test_measures_are_reused_when_the_key_matches(ctx, monkeypatch):
    calls = []
    monkeypatch.setattr(measures, "seed_measures", fake_measures(calls))
    first, how = measures.measures_or_cached(ctx)
    assert calls == [2000] and how.startswith("Measured 2 values")
    again, how = measures.measures_or_cached(ctx)
    assert calls == [2000] and how.startswith("Reused measures.csv")
    pd.testing.assert_frame_equal(first, again)
    assert again["seed"].tolist() == ["000", "004"]  # the write-ups' numbers keep their leading zeros


def test_measures_are_redone_when_a_run_or_the_code_changes(ctx, monkeypatch):
    calls = []
    monkeypatch.setattr(measures, "seed_measures", fake_measures(calls))
    measures.measures_or_cached(ctx)
    key_file = ctx.assets / "measures.json"
    kept = json.loads(key_file.read_text())
    for part, other in (("runs", kept["key"]["runs"][1:]), ("code", "0000000000")):
        key_file.write_text(json.dumps({**kept, "key": {**kept["key"], part: other}}))
        measures.measures_or_cached(ctx)
    assert len(calls) == 3
    assert json.loads(key_file.read_text())["key"] == measures.measures_key(ctx)


def test_measures_are_redone_with_another_number_of_test_images(ctx, monkeypatch):
    calls = []
    monkeypatch.setattr(measures, "seed_measures", fake_measures(calls))
    measures.measures_or_cached(ctx, 2000)
    measures.measures_or_cached(ctx, 500)
    assert calls == [2000, 500]


def test_the_key_names_every_measured_run_by_its_settings(ctx):
    key = measures.measures_key(ctx)
    assert len(key["runs"]) == len({c.name for c in measures.measured_configs()})
    changed = measures.measures_key(report.Context("claims", "full", root=ctx.root, planned=False))
    assert changed["runs"] != key["runs"]  # the full profile's runs are other runs


def test_a_run_outside_the_measured_list_is_refused(ctx):
    with pytest.raises(ConfigError, match="measured_configs"):
        measures._measured_run(ctx, E.beta_sweep("mnist", 4.0))
