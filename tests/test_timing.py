"""vaelib.timing: nested blocks record their own seconds, the log sums them per kind."""

import json
import time

import pytest

from vaelib import timing


def test_nested_blocks_record_their_own_seconds(tmp_path, monkeypatch):
    log = tmp_path / "t.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    with timing.timed("eval", "outer"):
        time.sleep(0.1)
        with timing.timed("train", "inner"):
            time.sleep(0.2)
    totals = timing.read_log(log)
    assert 0.2 <= totals["train"] < 0.3  # the inner block
    assert 0.1 <= totals["eval"] < 0.2  # the outer block less the inner one
    assert len(log.read_text().splitlines()) == 2


def test_a_failing_block_is_still_recorded_and_the_stack_unwinds(tmp_path, monkeypatch):
    log = tmp_path / "t.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))
    with pytest.raises(RuntimeError), timing.timed("train"):
        raise RuntimeError("boom")
    with timing.timed("eval"):
        pass
    kinds = [json.loads(line)["kind"] for line in log.read_text().splitlines()]
    assert kinds == ["train", "eval"] and timing._children == []


def test_without_a_log_nothing_is_written_and_unknown_kinds_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(timing.ENV, raising=False)
    with timing.timed("train"):
        pass
    assert timing.read_log(tmp_path / "missing.jsonl") == {"train": 0.0, "eval": 0.0}
    with pytest.raises(ValueError, match="unknown timing kind"):
        with timing.timed("sleep"):
            pass
