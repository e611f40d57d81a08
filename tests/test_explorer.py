"""The latent explorer's ONNX export (decoder and encoder): same function as PyTorch, weights recoverable; the
drawing's preparation; the manifest; the browser-result check."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from vaelib.errors import ConfigError
from vaelib.explorer import (
    _extent,
    check_browser_decodes,
    export_decoder,
    export_encoder,
    load_onnx_decoder,
    load_onnx_encoder,
    pick_examples,
    prepare_drawing,
    write_explorer,
)
from vaelib.models import ConvBNConfig, build_model, config_dict

ort = pytest.importorskip("onnxruntime")
SHAPE = (1, 8, 8)
META = {"dataset": "mnist", "title": "t", "class_names": [str(i) for i in range(10)]}


def tiny(shape=SHAPE, deterministic=False):
    torch.manual_seed(0)
    m = build_model(ConvBNConfig(latent_dim=2, image_shape=shape, channels=(4, 8), deterministic=deterministic))
    with torch.no_grad():  # non-trivial BatchNorm statistics, so an unfused BatchNorm is exercised
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
    return m.eval()


@pytest.fixture(scope="module")
def model():
    return tiny()


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


@pytest.mark.parametrize("deterministic", [False, True])
def test_onnx_encoder_matches_pytorch_and_round_trips(deterministic, tmp_path):
    m = copy.deepcopy(tiny(deterministic=deterministic)).to(memory_format=torch.channels_last)  # as trained
    path = tmp_path / "enc.onnx"
    export_encoder(m, path)
    x = torch.rand(4, *SHAPE)
    with torch.no_grad():
        mu, logvar = m.encode(x)
    out = ort.InferenceSession(str(path)).run(None, {"x": x.numpy()})
    assert len(out) == (1 if deterministic else 2)
    np.testing.assert_allclose(out[0], mu.numpy(), atol=1e-5)
    if not deterministic:
        np.testing.assert_allclose(out[1], logvar.numpy(), atol=1e-5)
    rebuilt = load_onnx_encoder(path, config_dict(m.config))
    assert (rebuilt.fc_logvar is None) == deterministic
    with torch.no_grad():
        again = rebuilt(x)
    np.testing.assert_allclose((again if deterministic else again[0]).numpy(), mu.numpy(), atol=1e-6)


def stroke(n=112):
    """A synthetic drawing: a thick diagonal bar and a short, fainter cross-bar, off-centre on an n x n pad."""
    raw = np.zeros((n, n))
    for t in np.linspace(0, 1, 200):
        r, c = int(10 + 60 * t), int(50 + 30 * t)
        raw[r : r + 6, c : c + 6] = 1.0
    raw[30:34, 40:75] = np.maximum(raw[30:34, 40:75], 0.4)
    return raw


def test_prepare_drawing_fits_the_box_and_centres_the_mass():
    out = prepare_drawing(stroke())
    assert out.shape == (28, 28) and out.min() >= 0 and out.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(out)
    assert max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == 20  # the longer side fills the box
    total = out.sum()
    cy, cx = (out.sum(1) * np.arange(28)).sum() / total, (out.sum(0) * np.arange(28)).sum() / total
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5  # the field's centre, within half a pixel
    boxed = prepare_drawing(stroke(), box=28, centre="box")  # Fashion-MNIST: longest side 28, box centred
    rows, cols = np.nonzero(boxed)
    assert rows.min() == 0 and rows.max() == 27 and abs((cols.min() + cols.max()) / 2 - 13.5) <= 0.5
    assert not prepare_drawing(np.zeros((112, 112))).any()
    with pytest.raises(ConfigError, match="centre"):
        prepare_drawing(stroke(), centre="middle")


def test_pick_examples_takes_the_classes_in_turn():
    labels = torch.tensor([7, 7, 1, 0, 1, 7, 0, 0])
    assert pick_examples(labels, 5).tolist() == [3, 2, 0, 6, 4]
    assert len(pick_examples(labels, 20)) == len(labels)


def test_manifest(model, tmp_path):
    mu = torch.randn(50, 2) * 0.5
    labels = torch.arange(50) % 10
    images = (torch.rand(3, 8, 8) * 255).to(torch.uint8)
    m = write_explorer(model, mu, labels, tmp_path, "explorer-mnist", META, images, torch.tensor([1, 2, 3]))
    saved = json.loads((tmp_path / "explorer-mnist.json").read_text())
    assert saved == m and len(m["points"]["z"]) == 50 and m["image_shape"] == list(SHAPE)
    assert m["encoder"] == {"onnx": "explorer-mnist-encoder.onnx", "input": "x", "outputs": ["mu", "logvar"]}
    assert (tmp_path / m["encoder"]["onnx"]).exists() and m["deterministic"] is False and m["label"] == "t"
    assert m["test_images"] == {"pixels": images.reshape(3, -1).tolist(), "label": [1, 2, 3]}
    assert m["preparation"] == {"size": 28, "box": 20, "centre": "mass"}
    (x0, x1), (y0, y1) = m["extent"]
    assert x0 <= -4 and x1 >= 4 and y0 <= -4 and y1 >= 4 and x1 - x0 == pytest.approx(y1 - y0)  # the prior and beyond
    wide = _extent((mu * 20).numpy())
    assert wide[0][1] - wide[0][0] > 20 and wide[0][0] < mu[:, 0].median() * 20 < wide[0][1]  # codes beyond 4 fit
    ae = write_explorer(tiny(deterministic=True), mu, labels, tmp_path, "ae", {**META, "dataset": "fashion-mnist"})
    assert ae["deterministic"] is True and ae["encoder"]["outputs"] == ["mu"]
    assert ae["preparation"]["centre"] == "box"
    with pytest.raises(ValueError, match="2-D latent"):
        write_explorer(model, torch.randn(5, 3), labels[:5], tmp_path, "x", META)


def simulate(site, name, model, rng):
    """What the browser test records for one model of one explorer, computed here with PyTorch and numpy."""
    m = json.loads((site / f"{name}.json").read_text())
    dec = lambda z: torch.sigmoid(model.decode(torch.tensor([z], dtype=torch.float32))).flatten().tolist()  # noqa: E731
    canvas = lambda img: [round(min(1, max(0, v)) * 255) / 255 for v in img]  # noqa: E731
    records = []
    raw = np.round(stroke() * 255).astype(int)
    inputs = [("stroke", None, prepare_drawing(raw / 255).flatten().tolist())]
    inputs.append(("pick", 1, [v / 255 for v in m["test_images"]["pixels"][1]]))
    for kind, pick, prepared in inputs:
        with torch.no_grad():
            mu, logvar = model.encode(torch.tensor(prepared, dtype=torch.float32).reshape(1, *m["image_shape"]))
            mu, logvar = mu[0].tolist(), None if logvar is None else logvar[0].tolist()
            samples = []
            for _ in range(3):
                eps = rng.standard_normal(2).tolist()
                z = eps if logvar is None else [mu[k] + np.exp(logvar[k] / 2) * eps[k] for k in range(2)]
                samples.append({"eps": eps, "z": z, "decodeZ": dec(z), "canvasZ": canvas(dec(z))})
            records.append({
                "manifest": f"{name}.json", "kind": kind, "pick": pick, "source": f"{name}.json" if pick else None,
                "pad": 112 if kind == "stroke" else None, "raw": raw.flatten().tolist() if kind == "stroke" else None,
                "prepared": prepared, "mu": mu, "logvar": logvar, "decodeMu": dec(mu), "canvasMu": canvas(dec(mu)),
                "samples": samples, "cloud": len(samples),
            })  # fmt: skip
    return records


def test_browser_check(tmp_path):
    vae, ae = tiny((1, 28, 28)), tiny((1, 28, 28), deterministic=True)
    mu, labels = torch.randn(50, 2), torch.arange(50) % 10
    images = (torch.rand(3, 28, 28) * 255).to(torch.uint8)
    for name, m in (("vae", vae), ("ae", ae)):
        write_explorer(m, mu, labels, tmp_path, name, META, images, torch.tensor([1, 2, 3]))
    za, zb = [-1.0, 0.5], [1.5, -1.0]
    with torch.no_grad():
        dec = lambda z: torch.sigmoid(vae.decode(torch.tensor([z]))).flatten().tolist()  # noqa: E731
        t = torch.linspace(0, 1, 10).unsqueeze(1)
        strip = torch.sigmoid(vae.decode((1 - t) * torch.tensor(za) + t * torch.tensor(zb))).flatten(1).tolist()
    probes = [
        {"z": z, "target": z, "pixel": 0.01, "output": dec(z), "canvas": [round(v * 255) / 255 for v in dec(z)]}
        for z in (za, zb)
    ]
    rng = np.random.default_rng(0)
    encodes = simulate(tmp_path, "vae", vae, rng) + simulate(tmp_path, "ae", ae, rng)
    results = {"explorers": [{"manifest": "vae.json", "manifests": ["vae.json", "ae.json"], "probes": probes,
                              "strip": {"za": za, "zb": zb, "images": strip}, "encodes": encodes}]}  # fmt: skip
    path = tmp_path / "results.json"

    def check(edit=None):
        r = copy.deepcopy(results)
        if edit:
            edit(r["explorers"][0])
        path.write_text(json.dumps(r))
        return check_browser_decodes(path, tmp_path)

    assert check() == []

    def hover(ex):
        ex["probes"][1]["output"] = [v + 0.05 for v in ex["probes"][1]["output"]]  # wrong (and no longer drawn)
        ex["probes"][0]["target"] = [za[0] + 0.5, za[1]]  # the page decoded a point not under the pointer

    problems = check(hover)
    assert len(problems) == 3, problems
    assert "pointer" in problems[0] and "output" in problems[1] and "canvas" in problems[2]

    def edit_record(i, key, change):
        return lambda ex: ex["encodes"][i].__setitem__(key, change(ex["encodes"][i][key]))

    shift = lambda v: [x + 1e-3 for x in v]  # noqa: E731
    assert any("mu differs" in p for p in check(edit_record(0, "mu", shift)))
    assert any("logvar differs" in p for p in check(edit_record(1, "logvar", shift)))
    assert any("log-variance for a deterministic" in p for p in check(edit_record(2, "logvar", lambda _: [0, 0])))

    def wrong_prep(ex):  # the page's preparation off by a pixel: shifted one column
        img = np.asarray(ex["encodes"][0]["prepared"]).reshape(28, 28)
        ex["encodes"][0]["prepared"] = np.roll(img, 1, axis=1).flatten().tolist()

    assert any("prepared input differs" in p for p in check(wrong_prep))
    assert any("prepared input differs" in p for p in check(edit_record(3, "pick", lambda _: 2)))

    def wrong_sample_decode(ex):
        s = ex["encodes"][1]["samples"][2]
        s["decodeZ"] = [v + 0.01 for v in s["decodeZ"]]

    assert any("decode of sampled z" in p for p in check(wrong_sample_decode))

    def wrong_z(ex):  # z not mu + sigma * eps (e.g. sigma taken as exp(logvar))
        rec = ex["encodes"][0]
        rec["samples"][0]["z"] = [rec["mu"][k] + np.exp(rec["logvar"][k]) * rec["samples"][0]["eps"][k] for k in (0, 1)]

    assert any("is not what eps" in p for p in check(wrong_z))
    assert any("decode of mu" in p for p in check(edit_record(0, "decodeMu", shift)))
    assert any("sample cloud" in p for p in check(edit_record(0, "cloud", lambda n: n + 1)))

    def only_vae_picks(ex):
        ex["encodes"] = [r for r in ex["encodes"] if r["manifest"] == "vae.json" and r["kind"] == "pick"]

    problems = check(only_vae_picks)
    assert any("no stroke" in p for p in problems) and any("ae.json was never encoded" in p for p in problems)


def test_context_explorer_offers_test_images_of_every_class(tiny_root, tmp_path, monkeypatch):
    from vaelib.report import Context
    from vaelib.runs import DataConfig, Run, RunConfig

    root, arrays = tiny_root
    monkeypatch.setenv("VAELIB_DATA", str(root))
    monkeypatch.setenv("VAELIB_ASSETS", str(tmp_path / "assets"))
    ctx = Context("03_latent_2d", "smoke", root=tmp_path, planned=False)
    model = tiny((1, 28, 28), deterministic=True)
    run = Run(RunConfig(data=DataConfig("mnist"), model=model.config), model, [], {}, tmp_path / "runs" / "r")
    labels = torch.from_numpy(arrays["test"][1].astype(np.int64))
    m = ctx.explorer(run, torch.randn(len(labels), 2), labels, "explorer-mnist-ae", "an AE", label="AE", group="g")
    assert (ctx.assets / "explorer-mnist-ae-encoder.onnx").exists() and m["deterministic"] is True
    assert m["label"] == "AE" and m["group"] == "g" and m["title"] == "an AE" and m["notebook"] == "03_latent_2d"
    assert m["test_images"]["label"] == [*range(10), 0, 1]  # the classes in turn
    first = arrays["test"][0][0].reshape(-1).tolist()
    assert m["test_images"]["pixels"][0] == first  # the test split's images, 8-bit, as stored


def test_explorer_facts_measure_the_page_material(tmp_path):
    """The 'What to try' numbers: code radius and share inside the prior's 2-sigma circle from the plotted codes,
    the posterior of the offered test images from the exported encoder; a collapsed encoder shows mu = 0, sigma = 1
    and one reconstruction for every input; an autoencoder has no sigma."""
    from vaelib.explorer import explorer_facts

    labels = torch.arange(40) % 4
    codes = torch.zeros(40, 2)
    codes[:, 0] = torch.where(labels < 2, 1.0, 3.0)  # half the codes at radius 1, half at 3
    images = (torch.rand(5, 8, 8) * 255).to(torch.uint8)
    vae = tiny()
    write_explorer(vae, codes, labels, tmp_path, "vae", META, images, torch.arange(5))
    facts = explorer_facts(tmp_path / "vae.json")
    assert facts["codes"] == 40 and facts["codes_inside_prior_2sigma"] == pytest.approx(0.5)
    assert facts["code_rms_radius"] == pytest.approx(5**0.5)
    assert facts["nearest_class"]["0"] == "1" and facts["nearest_class"]["2"] == "3"
    x = images.float().view(5, *SHAPE) / 255
    with torch.no_grad():
        mu, logvar = vae.encode(x)
    assert facts["mu_abs_max"] == pytest.approx(float(mu.abs().max()), rel=1e-5)
    assert facts["sigma_mean"] == pytest.approx(float(torch.exp(0.5 * logvar).mean()), rel=1e-5)
    collapsed = copy.deepcopy(vae)
    with torch.no_grad():  # both heads ignore the input: mu = 0, log sigma^2 = 0, as in seed 000's beta = 1 model
        for head in (collapsed.fc_mu, collapsed.fc_logvar):
            head.weight.zero_()
            head.bias.zero_()
    write_explorer(collapsed, codes, labels, tmp_path, "collapsed", META, images, torch.arange(5))
    flat = explorer_facts(tmp_path / "collapsed.json")
    assert flat["mu_abs_max"] == 0 and flat["sigma_min"] == flat["sigma_max"] == 1
    assert flat["recon_spread"] == pytest.approx(0, abs=1e-7)
    write_explorer(tiny(deterministic=True), codes, labels, tmp_path, "ae", META, images, torch.arange(5))
    assert np.isnan(explorer_facts(tmp_path / "ae.json")["sigma_mean"])
