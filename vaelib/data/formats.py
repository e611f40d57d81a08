"""File formats: IDX (the MNIST files, gzip or plain) and Kaggle-style CSV, read strictly and written atomically."""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from vaelib.errors import DataError
from vaelib.io import atomic_write

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
