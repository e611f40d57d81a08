"""The bottom layer: atomic writes, JSON, digests and checkpoints."""

from __future__ import annotations

import os

import pytest
import torch

from vaelib.errors import CheckpointError
from vaelib.io import atomic_write, digest, first_line, load_checkpoint, save_checkpoint, write_json


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600)])
def test_atomic_write_gives_a_new_file_the_umask_mode(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "sub" / "f.json", b"{}")
    finally:
        os.umask(old)
    path = tmp_path / "sub" / "f.json"
    assert path.read_bytes() == b"{}"
    assert path.stat().st_mode & 0o777 == expected  # mkstemp alone would leave 0o600 whatever the umask


def test_atomic_write_keeps_the_replaced_files_mode_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(TypeError):
        atomic_write(path, "not bytes")  # fails mid-write: the old file must survive, untouched
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_digest_is_stable_and_order_free_and_write_json_round_trips(tmp_path):
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2}) and len(digest({})) == 10
    write_json(tmp_path / "x.json", {"b": 1, "a": [1.5]})
    assert (tmp_path / "x.json").read_text() == '{\n  "a": [\n    1.5\n  ],\n  "b": 1\n}\n'


def test_checkpoints_round_trip_and_a_damaged_file_is_a_checkpoint_error(tmp_path):
    save_checkpoint(tmp_path / "c.pt", {"w": torch.arange(3)})
    assert torch.equal(load_checkpoint(tmp_path / "c.pt")["w"], torch.arange(3))
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.pt: not a readable checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")
    assert first_line(ValueError("one\ntwo")) == "one" and first_line(ValueError()) == "ValueError"
