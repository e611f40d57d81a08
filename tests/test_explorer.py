"""The latent explorer's ONNX export: same function as PyTorch, weights recoverable, manifest, browser-result check."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from vaelib.explorer import check_browser_decodes, export_decoder, load_onnx_decoder, write_explorer
from vaelib.models import ConvBNConfig, build_model, config_dict

ort = pytest.importorskip("onnxruntime")
SHAPE = (1, 8, 8)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = build_model(ConvBNConfig(latent_dim=2, image_shape=SHAPE, channels=(4, 8)))
    with torch.no_grad():  # non-trivial BatchNorm statistics, so an unfused BatchNorm is exercised
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
    return m.eval()


def test_onnx_decoder_matches_pytorch_and_round_trips(model, tmp_path):
    path = tmp_path / "dec.onnx"
    export_decoder(model, path)
    z = torch.randn(5, 2)
    with torch.no_grad():
        ref = torch.sigmoid(model.decode(z))
    out = ort.InferenceSession(str(path)).run(None, {"z": z.numpy()})[0]
    assert out.shape == (5, *SHAPE)
    np.testing.assert_allclose(out, ref.numpy(), atol=1e-5)
    rebuilt = load_onnx_decoder(path, config_dict(model.config))
    for k, v in rebuilt.decoder.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            assert torch.equal(v, model.decoder.state_dict()[k]), k


def test_export_of_a_freshly_trained_channels_last_model(model, tmp_path):
    # the trainer leaves conv weights in channels-last; the export must not depend on the layout
    cl = copy.deepcopy(model).to(memory_format=torch.channels_last)
    export_decoder(cl, tmp_path / "cl.onnx")
    z = torch.randn(3, 2)
    out = ort.InferenceSession(str(tmp_path / "cl.onnx")).run(None, {"z": z.numpy()})[0]
    with torch.no_grad():
        np.testing.assert_allclose(out, torch.sigmoid(model.decode(z)).numpy(), atol=1e-5)
    assert cl.decoder[2].weight.is_contiguous(memory_format=torch.channels_last)  # the caller's model untouched


def test_manifest_and_browser_check(model, tmp_path):
    mu = torch.randn(50, 2)
    labels = torch.arange(50) % 10
    meta = {"dataset": "mnist", "title": "t", "class_names": [str(i) for i in range(10)]}
    m = write_explorer(model, mu, labels, tmp_path / "assets", "explorer-mnist", meta)
    saved = json.loads((tmp_path / "assets" / "explorer-mnist.json").read_text())
    assert saved == m and len(m["points"]["z"]) == 50 and m["image_shape"] == list(SHAPE)
    (x0, x1), (y0, y1) = m["extent"]
    assert x0 < mu[:, 0].median() < x1 and y0 < mu[:, 1].median() < y1 and x1 - x0 == pytest.approx(y1 - y0)
    with pytest.raises(ValueError, match="2-D latent"):
        write_explorer(model, torch.randn(5, 3), labels[:5], tmp_path, "x", meta)

    # what the browser test records, computed here with PyTorch: the check passes, and fails when perturbed
    za, zb = [-1.0, 0.5], [1.5, -1.0]
    with torch.no_grad():
        dec = lambda z: torch.sigmoid(model.decode(torch.tensor([z]))).flatten().tolist()  # noqa: E731
        t = torch.linspace(0, 1, 10).unsqueeze(1)
        strip = torch.sigmoid(model.decode((1 - t) * torch.tensor(za) + t * torch.tensor(zb))).flatten(1).tolist()
    probes = [
        {"z": z, "target": z, "pixel": 0.01, "output": dec(z), "canvas": [round(v * 255) / 255 for v in dec(z)]}
        for z in (za, zb)
    ]
    results = {"explorers": [{"manifest": "assets/explorer-mnist.json", "probes": probes,
                              "strip": {"za": za, "zb": zb, "images": strip}}]}  # fmt: skip
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    assert check_browser_decodes(path, tmp_path) == []
    probes[1]["output"] = [v + 0.05 for v in probes[1]["output"]]  # a wrong decode (and its canvas no longer matches)
    probes[0]["target"] = [za[0] + 0.5, za[1]]  # the page decoded a point other than the one under the pointer
    path.write_text(json.dumps(results))
    problems = check_browser_decodes(path, tmp_path)
    assert len(problems) == 3, problems
    assert "pointer" in problems[0] and "output" in problems[1] and "canvas" in problems[2]
