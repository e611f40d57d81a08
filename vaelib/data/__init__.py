"""Data layer: fetch, verify, read and write MNIST-style data sets (IDX and Kaggle-style CSV), split, binarize.

Everything the rest of vaelib sees is an in-memory `ImageDataset` (uint8 images [N, H, W], int64 labels).
Files are validated strictly: a bad file raises `DataError` naming the file and the problem, never a silently
wrong array.
"""

from __future__ import annotations

from vaelib.data.dataset import (
    BACKEND_ENV,
    TEST_BINARIZATION_SEED,
    DataSplits,
    ImageDataset,
    binarize,
    load_csv,
    load_dataset,
    load_idx,
    load_splits,
    split_dataset,
    static_binarize,
)
from vaelib.data.formats import read_csv, read_idx, write_csv, write_idx
from vaelib.data.registry import DATASETS, SPLIT_FILES, DatasetSpec, raw_dir
from vaelib.data.sources import VerifyRow, check_arrays, fetch, read_mnist_pickle, verify
from vaelib.errors import DataError
from vaelib.io import atomic_write

__all__ = [
    "DataError",
    "DatasetSpec",
    "DATASETS",
    "ImageDataset",
    "DataSplits",
    "read_idx",
    "write_idx",
    "read_csv",
    "write_csv",
    "load_idx",
    "load_csv",
    "load_dataset",
    "load_splits",
    "binarize",
    "fetch",
    "verify",
    "raw_dir",
    "atomic_write",
    "BACKEND_ENV",
    "TEST_BINARIZATION_SEED",
    "SPLIT_FILES",
    "VerifyRow",
    "check_arrays",
    "read_mnist_pickle",
    "split_dataset",
    "static_binarize",
]
