"""The data layer: IDX and CSV readers/writers, bad input, splits, binarization, safe fetching, the data CLI."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import synthetic_arrays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaelib import data
from vaelib.cli import main

# ------------------------------------------------------------------------------------------------ IDX


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_round_trip(tmp_path, suffix):
    images, labels = synthetic_arrays(7)
    data.write_idx(tmp_path / f"img{suffix}", images)
    data.write_idx(tmp_path / f"lbl{suffix}", labels)
    assert np.array_equal(data.read_idx(tmp_path / f"img{suffix}"), images)
    assert np.array_equal(data.read_idx(tmp_path / f"lbl{suffix}"), labels)
    ds = data.load_idx(tmp_path / f"img{suffix}", tmp_path / f"lbl{suffix}")
    assert ds.images.dtype == torch.uint8 and ds.images.shape == (7, 28, 28)
    assert ds.labels.dtype == torch.int64 and ds.labels.tolist() == labels.tolist()


def test_idx_csv_idx_round_trip(tmp_path):
    images, labels = synthetic_arrays(12, seed=3)
    data.write_idx(tmp_path / "i.gz", images)
    data.write_idx(tmp_path / "l.gz", labels)
    ds = data.load_idx(tmp_path / "i.gz", tmp_path / "l.gz")
    data.write_csv(tmp_path / "x.csv", ds.images.numpy(), ds.labels.numpy())
    back_images, back_labels = data.read_csv(tmp_path / "x.csv")
    assert np.array_equal(back_images, images) and np.array_equal(back_labels, labels)
    header = (tmp_path / "x.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "label" and header[1] == "pixel1" and header[-1] == f"pixel{images[0].size}"


def _idx_bytes(array: np.ndarray) -> bytes:
    return struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_idx_truncated(tmp_path):
    raw = _idx_bytes(synthetic_arrays(3)[0])
    (tmp_path / "t").write_bytes(raw[:-10])
    with pytest.raises(data.DataError, match=r"t: truncated"):
        data.read_idx(tmp_path / "t")


def test_idx_truncated_header(tmp_path):
    (tmp_path / "h").write_bytes(_idx_bytes(synthetic_arrays(3)[0])[:9])
    with pytest.raises(data.DataError, match="truncated IDX header"):
        data.read_idx(tmp_path / "h")


def test_idx_trailing_bytes(tmp_path):
    (tmp_path / "x").write_bytes(_idx_bytes(synthetic_arrays(3)[0]) + b"\0\0")
    with pytest.raises(data.DataError, match="unexpected bytes"):
        data.read_idx(tmp_path / "x")


def test_idx_corrupted_gzip(tmp_path):
    blob = bytearray(gzip.compress(_idx_bytes(synthetic_arrays(3)[0])))
    blob[len(blob) // 2] ^= 0xFF
    (tmp_path / "c.gz").write_bytes(bytes(blob))
    with pytest.raises(data.DataError, match=r"c\.gz: corrupted or truncated gzip"):
        data.read_idx(tmp_path / "c.gz")
    (tmp_path / "d.gz").write_bytes(gzip.compress(_idx_bytes(synthetic_arrays(3)[0]))[:-30])
    with pytest.raises(data.DataError, match=r"d\.gz: corrupted or truncated gzip"):
        data.read_idx(tmp_path / "d.gz")


def test_idx_wrong_magic(tmp_path):
    (tmp_path / "m").write_bytes(b"\x12\x34\x08\x01" + b"\0" * 8)
    with pytest.raises(data.DataError, match="m: wrong magic number"):
        data.read_idx(tmp_path / "m")


def test_idx_empty_and_missing(tmp_path):
    (tmp_path / "e").write_bytes(b"")
    with pytest.raises(data.DataError, match="e: empty file"):
        data.read_idx(tmp_path / "e")
    with pytest.raises(data.DataError, match="nope: file not found"):
        data.read_idx(tmp_path / "nope")


def test_idx_count_mismatch(tmp_path):
    images, labels = synthetic_arrays(5)
    data.write_idx(tmp_path / "i", images)
    data.write_idx(tmp_path / "l", labels[:4])
    with pytest.raises(data.DataError, match="5 images but .* 4 labels"):
        data.load_idx(tmp_path / "i", tmp_path / "l")


def test_idx_swapped_files(tmp_path):
    images, labels = synthetic_arrays(5)
    data.write_idx(tmp_path / "i", images)
    data.write_idx(tmp_path / "l", labels)
    with pytest.raises(data.DataError, match=r"expected images of shape \[N, H, W\]"):
        data.load_idx(tmp_path / "l", tmp_path / "i")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blob=st.one_of(
        st.binary(max_size=300),
        # mostly-valid headers make the fuzz reach the size checks, not just the magic check
        st.tuples(
            st.sampled_from([1, 2, 3]), st.lists(st.integers(0, 5), min_size=3, max_size=3), st.binary(max_size=200)
        ).map(lambda t: struct.pack(">HBB", 0, 8, t[0]) + struct.pack(f">{t[0]}I", *t[1][: t[0]]) + t[2]),
    )
)
def test_fuzz_read_idx(tmp_path, blob):
    for name, payload in (("f", blob), ("f.gz", gzip.compress(blob, mtime=0))):
        (tmp_path / name).write_bytes(payload)
        try:
            out = data.read_idx(tmp_path / name)
        except data.DataError:
            continue
        assert isinstance(out, np.ndarray)
        ndim = blob[3]
        assert out.shape == struct.unpack(f">{ndim}I", blob[4 : 4 + 4 * ndim])


# ------------------------------------------------------------------------------------------------ CSV


def _csv(rows: list[str], n_pixels: int = 4) -> str:
    header = ",".join(["label"] + [f"pixel{i}" for i in range(1, n_pixels + 1)])
    return "\n".join([header, *rows]) + "\n"


def test_csv_reads_small_images(tmp_path):
    (tmp_path / "ok.csv").write_text(_csv(["3,0,1,2,255", "1,9,8,7,6"]))
    images, labels = data.read_csv(tmp_path / "ok.csv")
    assert images.shape == (2, 2, 2) and images.dtype == np.uint8
    assert labels.tolist() == [3, 1] and images[0].ravel().tolist() == [0, 1, 2, 255]


@pytest.mark.parametrize(
    "rows, message",
    [
        (["3,0,1,2"], r"line 2 has a missing value in column 'pixel4'"),
        (["3,0,1,2,4", "3,0,1,2,4,5"], r"malformed row.*line 3"),
        (["3,0,x,2,4"], r"line 2, column 'pixel2': 'x' is not an integer"),
        (["3,0,1.5,2,4"], r"line 2, column 'pixel2': '1.5' is not an integer"),
        (["3,0,1,2,256"], r"line 2, column pixel4: value 256 is outside 0-255"),
        (["3,0,-1,2,4"], r"line 2, column pixel2: value -1 is outside 0-255"),
        (["-3,0,1,2,4"], r"line 2: label -3 is outside 0-255"),
        ([], r"header only, no rows"),
    ],
)
def test_csv_bad_input(tmp_path, rows, message):
    path = tmp_path / "bad.csv"
    path.write_text(_csv(rows))
    with pytest.raises(data.DataError, match=message) as info:
        data.read_csv(path)
    assert "bad.csv" in str(info.value)


def test_csv_bad_header_and_empty(tmp_path):
    (tmp_path / "h.csv").write_text("label,pixel1,pixel2,pixel3\n1,2,3,4\n")  # 3 pixels: not a square image
    with pytest.raises(data.DataError, match="h.csv: header must be"):
        data.read_csv(tmp_path / "h.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(data.DataError, match="e.csv: empty file"):
        data.read_csv(tmp_path / "e.csv")
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(data.DataError, match="b.csv"):
        data.read_csv(tmp_path / "b.csv")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=200), st.text(alphabet='0123456789,-.x \n\r"', max_size=120)))
def test_fuzz_read_csv(tmp_path, body):
    path = tmp_path / "fuzz.csv"
    # Half the cases get a valid header so the fuzz exercises the row parser, not only the header check.
    payload = body if isinstance(body, bytes) else _csv([]).encode() + body.encode()
    path.write_bytes(payload)
    try:
        images, labels = data.read_csv(path)
    except data.DataError:
        return
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    assert images.shape[0] == labels.shape[0] and images.shape[1] == images.shape[2]


# ------------------------------------------------------------------------------------------------ loading


def test_load_dataset_and_splits(tiny_root):
    root, arrays = tiny_root
    ds = data.load_dataset("mnist", "train", root)
    assert len(ds) == 40 and ds.class_names[0] == "0" and ds.image_shape == (1, 28, 28)
    x = ds.float()
    assert x.shape == (40, 1, 28, 28) and x.dtype == torch.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert torch.equal(x[0, 0], torch.from_numpy(arrays["train"][0][0]).float() / 255)

    a = data.load_splits("mnist", root, val_fraction=0.1, seed=7)
    b = data.load_splits("mnist", root, val_fraction=0.1, seed=7)
    c = data.load_splits("mnist", root, val_fraction=0.1, seed=8)
    assert len(a.train) == 36 and len(a.val) == 4 and len(a.test) == 20
    assert torch.equal(a.val.images, b.val.images) and torch.equal(a.train.labels, b.train.labels)
    assert not torch.equal(a.val.images, c.val.images)
    # train and validation partition the training file
    together = torch.cat([a.train.images, a.val.images]).reshape(40, -1)
    assert torch.unique(together, dim=0).shape[0] == 40


def test_class_subset(tiny_root):
    root, _ = tiny_root
    ds = data.load_dataset("mnist", "test", root, classes=[0, 1, 7])
    assert set(ds.labels.tolist()) == {0, 1, 7} and len(ds) == 6
    with pytest.raises(data.DataError, match="classes \\[12\\] do not exist"):
        data.load_dataset("mnist", "test", root, classes=[1, 12])


def test_load_missing_gives_fetch_hint(tmp_path):
    with pytest.raises(data.DataError, match="data fetch mnist"):
        data.load_dataset("mnist", "train", tmp_path)
    with pytest.raises(data.DataError, match="unknown data set"):
        data.load_dataset("cifar", "train", tmp_path)


def test_binarization():
    x = torch.rand(64, 1, 28, 28)
    s1, s2 = data.static_binarize(x, seed=3), data.static_binarize(x, seed=3)
    assert torch.equal(s1, s2) and set(s1.unique().tolist()) <= {0.0, 1.0}
    d1, d2 = data.binarize(x), data.binarize(x)
    assert not torch.equal(d1, d2)  # fresh draw each call (dynamic binarization)
    # the draws are unbiased: the mean of many binarizations approaches the grey level
    mean = torch.stack([data.binarize(x) for _ in range(200)]).mean(0)
    assert (mean - x).abs().mean() < 0.03


# ------------------------------------------------------------------------------------------------ verify / fetch


def test_verify_and_tamper(tiny_root):
    root, _ = tiny_root
    assert all(r.ok for r in data.verify(root, ("mnist",)))
    img = data.raw_dir("mnist", root) / "t10k-images-idx3-ubyte.gz"
    arr = data.read_idx(img)
    arr[0, 0, 0] ^= 1
    data.write_idx(img, arr)
    rows = {r.split: r for r in data.verify(root, ("mnist",))}
    assert rows["train"].ok and not rows["test"].ok and "sha256 mismatch" in rows["test"].detail


def test_fetch_keeps_valid_files(tiny_root):
    root, _ = tiny_root
    assert data.fetch("mnist", root, quiet=True) == {"mnist": "already present"}


def test_failed_fetch_leaves_data_untouched(tiny_root, monkeypatch):
    root, arrays = tiny_root
    folder = data.raw_dir("mnist", root)
    # Corrupt the test split so fetch has to act; then offer only a source with wrong arrays.
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    wrong = {s: (x[:, ::-1].copy(), y) for s, (x, y) in arrays.items()}
    monkeypatch.setattr(data.sources, "_fallbacks", lambda spec: [("fake source", lambda s, q: wrong)])
    with pytest.raises(data.DataError, match="fake source: .*sha256 mismatch"):
        data.fetch("mnist", root, mirrors=False, quiet=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_fetch_installs_from_fallback(tiny_root, monkeypatch):
    root, arrays = tiny_root
    folder = data.raw_dir("mnist", root)
    for p in folder.iterdir():
        p.unlink()
    monkeypatch.setattr(data.sources, "_fallbacks", lambda spec: [("fake source", lambda s, q: arrays)])
    assert data.fetch("mnist", root, mirrors=False, quiet=True) == {"mnist": "fake source"}
    assert all(r.ok for r in data.verify(root, ("mnist",)))
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def _mnist_pickle(parts) -> bytes:
    return gzip.compress(pickle.dumps(parts, protocol=2))


def test_mnist_pickle_reader():
    rng = np.random.default_rng(0)
    parts = []
    for n in (3, 2, 4):
        pixels = rng.integers(0, 256, size=(n, 784))
        parts.append(((pixels / 256).astype(np.float32), rng.integers(0, 10, size=n)))
    out = data.read_mnist_pickle(_mnist_pickle(tuple(parts)), "test")
    assert out["train"][0].shape == (5, 28, 28) and out["test"][0].shape == (4, 28, 28)
    expected = np.concatenate([np.rint(parts[0][0] * 256), np.rint(parts[1][0] * 256)]).astype(np.uint8)
    assert np.array_equal(out["train"][0].reshape(5, -1), expected)


class _Evil:
    def __reduce__(self):

        return (os.system, ("echo pwned",))


def test_mnist_pickle_refuses_code():
    with pytest.raises(data.DataError, match="refusing to load"):
        data.read_mnist_pickle(_mnist_pickle(_Evil()), "evil")
    with pytest.raises(data.DataError, match="cannot read"):
        data.read_mnist_pickle(b"not gzip", "junk")


# ------------------------------------------------------------------------------------------------ CLI


def test_cli_verify_reports_problems(tmp_path, capsys):
    assert main(["data", "verify", "--root", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out.count("FAIL") == 4
    lines = err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in err


def test_cli_verify_ok_and_export(tiny_root, tmp_path, capsys):
    root, arrays = tiny_root
    assert main(["data", "verify", "--root", str(root), "mnist"]) == 0
    out_csv = tmp_path / "m.csv"
    assert main(["data", "export-csv", "mnist", "--split", "test", "--root", str(root), "--out", str(out_csv)]) == 0
    images, labels = data.read_csv(out_csv)
    assert np.array_equal(images, arrays["test"][0]) and np.array_equal(labels, arrays["test"][1])
    ds = data.load_csv(out_csv)
    assert len(ds) == 20


def test_cli_bad_file_is_one_line(tiny_root, capsys):
    root, _ = tiny_root
    (data.raw_dir("mnist", root) / "train-images-idx3-ubyte.gz").write_bytes(b"\x00\x00\x08")
    assert main(["data", "export-csv", "mnist", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train-images-idx3-ubyte.gz" in err


def test_load_csv_matches_idx(tiny_root, tmp_path):
    root, _ = tiny_root
    ds = data.load_dataset("mnist", "train", root)
    data.write_csv(tmp_path / "t.csv", ds.images.numpy(), ds.labels.numpy())
    back = data.load_csv(tmp_path / "t.csv", ds.class_names)
    assert torch.equal(back.images, ds.images) and torch.equal(back.labels, ds.labels)


def test_load_splits_from_kaggle_csv(tiny_root, tmp_path):
    root, arrays = tiny_root
    for split in ("train", "test"):
        data.write_csv(tmp_path / f"fashion-mnist_{split}.csv", *arrays[split])
    splits = data.load_splits(str(tmp_path / "fashion-mnist_train.csv"), val_fraction=0.1, seed=0)
    idx = data.load_splits("mnist", root, val_fraction=0.1, seed=0)
    assert torch.equal(splits.train.images, idx.train.images) and torch.equal(splits.test.labels, idx.test.labels)
    with pytest.raises(data.DataError, match="cannot find its test file"):
        data.load_dataset(str(tmp_path / "other.csv"), "test")


def _stand_in_torchvision(calls: list) -> types.ModuleType:
    """A module with torchvision's dataset API (class(root, train, download) -> .data, .targets) over the raw files."""

    class MNIST:
        folder = "MNIST"

        def __init__(self, root: str, train: bool = True, download: bool = False):
            calls.append((type(self).__name__, root, train, download))
            img, lbl = data.SPLIT_FILES["train" if train else "test"]
            raw = Path(root) / self.folder / "raw"
            ds = data.load_idx(raw / img, raw / lbl, tuple(str(i) for i in range(10)))
            self.data, self.targets = ds.images.clone(), ds.labels.to(torch.int32)  # torchvision's own dtypes differ

    class FashionMNIST(MNIST):
        folder = "FashionMNIST"

    tv = types.ModuleType("torchvision")
    tv.datasets = types.ModuleType("torchvision.datasets")
    tv.datasets.MNIST, tv.datasets.FashionMNIST = MNIST, FashionMNIST
    return tv


def test_torchvision_backend_reads_the_same_data_through_its_api(tiny_root, monkeypatch):
    root, arrays = tiny_root
    calls: list = []
    tv = _stand_in_torchvision(calls)
    monkeypatch.setitem(sys.modules, "torchvision", tv)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", tv.datasets)
    for split in ("train", "test"):
        via_tv = data.load_dataset("mnist", split, root, backend="torchvision")
        via_idx = data.load_dataset("mnist", split, root)
        assert torch.equal(via_tv.images, via_idx.images) and torch.equal(via_tv.labels, via_idx.labels)
        assert via_tv.labels.dtype == torch.int64 and via_tv.name == via_idx.name == f"mnist/{split}"
    # never downloads: the verified files under ROOT are what it reads
    assert calls == [("MNIST", str(root), True, False), ("MNIST", str(root), False, False)]
    splits = data.load_splits("mnist", root, backend="torchvision", classes=[0, 1])
    assert set(splits.train.labels.tolist()) | set(splits.test.labels.tolist()) <= {0, 1}
    # $VAELIB_DATA_BACKEND routes every load (the run cache's included) through it
    calls.clear()
    monkeypatch.setenv(data.BACKEND_ENV, "torchvision")
    assert torch.equal(data.load_dataset("mnist", "test", root).images, torch.from_numpy(arrays["test"][0]))
    assert calls == [("MNIST", str(root), False, False)]
    monkeypatch.setenv(data.BACKEND_ENV, "pickle")
    with pytest.raises(data.DataError, match="unknown backend 'pickle'"):
        data.load_dataset("mnist", "test", root)


def test_torchvision_backend_that_does_not_import_is_a_data_error(tiny_root, monkeypatch):
    root, _ = tiny_root
    monkeypatch.setitem(sys.modules, "torchvision", None)  # what `import torchvision` fails on
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(data.DataError, match="torchvision is not usable here.*backend='idx'"):
        data.load_dataset("mnist", "train", root, backend="torchvision")
