"""The in-memory data set (`ImageDataset`: uint8 images [N, H, W], int64 labels), loading by name or path,
splits and binarization."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from vaelib.data.formats import read_csv, read_idx
from vaelib.data.registry import SPLIT_FILES, DatasetSpec, raw_dir, spec_of
from vaelib.errors import DataError

# ----------------------------------------------------------------------------------------------------------
# The in-memory data set
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageDataset:
    """Images as uint8 [N, H, W], labels as int64 [N], and the names of the classes."""

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 3:
            raise DataError(
                f"{self.name}: images must be uint8 [N, H, W], got {self.images.dtype} {tuple(self.images.shape)}"
            )
        if self.labels.ndim != 1 or len(self.labels) != len(self.images):
            raise DataError(f"{self.name}: {len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """[C, H, W] of one image as the models see it."""
        return (1, *self.images.shape[1:])

    def float(self) -> torch.Tensor:
        """Images as float32 [N, 1, H, W] in [0, 1] (pixel / 255, as torchvision's ToTensor)."""
        return self.images.unsqueeze(1).float().div_(255.0)

    def subset(self, classes: list[int] | tuple[int, ...]) -> ImageDataset:
        """Only the examples whose label is in `classes` (labels and class names are kept as they were)."""
        classes = sorted(set(int(c) for c in classes))
        bad = [c for c in classes if not 0 <= c < len(self.class_names)]
        if bad:
            raise DataError(f"{self.name}: classes {bad} do not exist (0..{len(self.class_names) - 1})")
        mask = torch.isin(self.labels, torch.tensor(classes, dtype=self.labels.dtype))
        return replace(self, images=self.images[mask], labels=self.labels[mask])

    def take(self, index: torch.Tensor) -> ImageDataset:
        """The examples at `index`, in that order."""
        return replace(self, images=self.images[index], labels=self.labels[index])


@dataclass(frozen=True)
class DataSplits:
    """Train / validation (a seeded split of the training file) / official test."""

    train: ImageDataset
    val: ImageDataset
    test: ImageDataset


def _to_dataset(images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...], name: str) -> ImageDataset:
    return ImageDataset(
        images=torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8)),
        labels=torch.from_numpy(labels.astype(np.int64)),
        class_names=class_names,
        name=name,
    )


def _default_class_names(labels: np.ndarray) -> tuple[str, ...]:
    n = int(labels.max()) + 1 if len(labels) else 0
    return tuple(str(i) for i in range(n))


def load_idx(
    images_path: str | os.PathLike,
    labels_path: str | os.PathLike,
    class_names: tuple[str, ...] | None = None,
) -> ImageDataset:
    """An `ImageDataset` from a pair of IDX files (gzip or plain), checking they agree."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DataError(f"{images_path}: expected images of shape [N, H, W], got {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected labels of shape [N], got {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels")
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DataError(f"{images_path}: expected unsigned-byte IDX files, got {images.dtype} and {labels.dtype}")
    names = class_names or _default_class_names(labels)
    if len(labels) and labels.max() >= len(names):
        raise DataError(f"{labels_path}: label {int(labels.max())} is out of range for {len(names)} classes")
    return _to_dataset(images, labels, names, Path(images_path).name)


def load_csv(path: str | os.PathLike, class_names: tuple[str, ...] | None = None) -> ImageDataset:
    """An `ImageDataset` from a Kaggle-style CSV file."""
    images, labels = read_csv(path)
    return _to_dataset(images, labels, class_names or _default_class_names(labels), Path(path).name)


# ----------------------------------------------------------------------------------------------------------
# Loading by name
# ----------------------------------------------------------------------------------------------------------


def load_dataset(
    name: str,
    split: str = "train",
    root: str | os.PathLike = "data",
    classes: list[int] | tuple[int, ...] | None = None,
    backend: str | None = None,
) -> ImageDataset:
    """Load `mnist` or `fashion-mnist` (`split` train or test) from ROOT, via IDX files or torchvision (`backend`,
    default $VAELIB_DATA_BACKEND or idx); or a Kaggle-style CSV when `name` is a path ending in .csv (its test split
    is the file named with train -> test)."""
    backend = backend or os.environ.get(BACKEND_ENV) or "idx"
    if str(name).endswith(".csv"):
        path = Path(name)
        if split == "test":
            path = path.with_name(path.name.replace("train", "test"))
            if path.name == Path(name).name:
                raise DataError(f"{name}: cannot find its test file (expected 'train' in the name)")
        ds = load_csv(path)
        return ds.subset(classes) if classes is not None else ds
    spec = spec_of(name)
    if split not in SPLIT_FILES:
        raise DataError(f"unknown split {split!r}; choose train or test")
    if backend == "idx":
        folder = raw_dir(spec.name, root)
        img_file, lbl_file = (folder / f for f in SPLIT_FILES[split])
        if not img_file.exists():
            raise DataError(f"{img_file}: file not found; run `python -m vaelib data fetch {spec.name} --root {root}`")
        ds = load_idx(img_file, lbl_file, spec.class_names)
    elif backend == "torchvision":
        ds = _load_torchvision(spec, split, Path(root))
    else:
        raise DataError(f"unknown backend {backend!r}; choose idx or torchvision")
    ds = replace(ds, name=f"{spec.name}/{split}")
    return ds.subset(classes) if classes is not None else ds


# Where a user with a working torchvision asks for it: the same verified files, read through torchvision.datasets.
BACKEND_ENV = "VAELIB_DATA_BACKEND"


def _load_torchvision(spec: DatasetSpec, split: str, root: Path) -> ImageDataset:
    """Read the same raw files through torchvision, when it imports (it is optional)."""
    try:
        import torchvision.datasets as tvd
    except Exception as e:  # a CUDA-only torchvision fails on import with various error types
        raise DataError(f"torchvision is not usable here ({type(e).__name__}); use backend='idx'") from None
    cls = tvd.MNIST if spec.name == "mnist" else tvd.FashionMNIST
    tv = cls(root=str(root), train=split == "train", download=False)
    return ImageDataset(tv.data.to(torch.uint8), tv.targets.to(torch.int64), spec.class_names, spec.name)


def load_splits(
    name: str,
    root: str | os.PathLike = "data",
    val_fraction: float = 0.1,
    seed: int = 0,
    classes: list[int] | tuple[int, ...] | None = None,
    backend: str | None = None,
) -> DataSplits:
    """Train/validation (seeded random split of the training file) and the official test set."""
    if not 0.0 <= val_fraction < 1.0:
        raise DataError(f"val_fraction must be in [0, 1), got {val_fraction}")
    full = load_dataset(name, "train", root, classes, backend)
    test = load_dataset(name, "test", root, classes, backend)
    train, val = split_dataset(full, val_fraction, seed)
    return DataSplits(train=train, val=val, test=test)


def split_dataset(ds: ImageDataset, val_fraction: float = 0.1, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
    """A seeded random (train, validation) split; the same seed gives the same split on every machine."""
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(seed))
    n_val = int(round(len(ds) * val_fraction))
    val = ds.take(perm[:n_val].sort().values)
    train = ds.take(perm[n_val:].sort().values)
    return replace(train, name=f"{ds.name}:train"), replace(val, name=f"{ds.name}:val")


def binarize(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A Bernoulli draw per pixel with probability x in [0, 1]: a fresh draw per call is dynamic binarization,
    a fixed-seed generator gives static binarization (Salakhutdinov & Murray 2008; Burda et al. 2015)."""
    return torch.bernoulli(x, generator=generator)


# Every binarized model is scored on this one fixed binarization of the test set, so their numbers compare.
TEST_BINARIZATION_SEED = 0


def static_binarize(x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """The same binarization every time for a given seed (for a fixed, comparable test set)."""
    # Drawn on the CPU so the same seed gives the same bits on every device.
    return binarize(x.cpu(), torch.Generator().manual_seed(seed)).to(x.device)
