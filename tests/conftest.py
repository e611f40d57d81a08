"""Shared fixtures: tiny synthetic data sets written in the real on-disk layouts."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from vaelib import data


def synthetic_arrays(n: int, seed: int = 0, side: int = 28, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Random uint8 images [n, side, side] and labels cycling through the classes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)
    labels = (np.arange(n) % classes).astype(np.uint8)
    return images, labels


def sha(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def tiny_mnist_spec() -> tuple[data.DatasetSpec, dict]:
    """The tiny 'mnist' of `tiny_root` (40 train / 20 test) and its arrays, with checksums."""
    arrays = {"train": synthetic_arrays(40, seed=1), "test": synthetic_arrays(20, seed=2)}
    spec = data.DatasetSpec(
        name="mnist",
        folder="MNIST",
        class_names=tuple(str(i) for i in range(10)),
        mirrors=(),
        checksums={s: (sha(x), sha(y), len(y)) for s, (x, y) in arrays.items()},
    )
    return spec, arrays


@pytest.fixture
def tiny_root(tmp_path, monkeypatch):
    """A data root holding a tiny 'mnist' (40 train / 20 test) in torchvision layout, registered with checksums."""
    spec, arrays = tiny_mnist_spec()
    monkeypatch.setitem(data.DATASETS, "mnist", spec)
    folder = data.raw_dir("mnist", tmp_path)
    for split, (img_name, lbl_name) in data.SPLIT_FILES.items():
        data.write_idx(folder / img_name, arrays[split][0])
        data.write_idx(folder / lbl_name, arrays[split][1])
    return tmp_path, arrays
