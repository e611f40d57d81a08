"""The report's latent explorer: a latent-2 model's encoder and decoder exported to ONNX (run in the page by
onnxruntime-web), a manifest with the test-set latent scatter and a few test images, the preparation of a drawing
the page applies before encoding it, and the check that the browser's results match PyTorch's.

The decoder graph maps z [N, latent_dim] to the decoded mean image sigmoid(decoder(z)) [N, C, H, W]; the encoder
graph maps x [N, C, H, W] in [0, 1] to mu and logvar [N, latent_dim] (mu alone for a deterministic autoencoder).
Both are exported unoptimized, so their initializers keep the model's state_dict names: `load_onnx_decoder` and
`load_onnx_encoder` rebuild the PyTorch modules from the ONNX files alone, which is what the browser check compares
against.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vaelib.errors import ConfigError
from vaelib.io import atomic_write
from vaelib.models import build_model, config_dict, config_from_dict

__all__ = [
    "DecoderMean",
    "EncoderMoments",
    "export_decoder",
    "export_encoder",
    "load_onnx_decoder",
    "load_onnx_encoder",
    "prepare_drawing",
    "pick_examples",
    "write_explorer",
    "check_browser_decodes",
    "explorer_facts",
]

STRIP_STEPS = 10  # images in the interpolation strip, end points included
TEST_IMAGES = 12  # test images the page offers to encode
REACH = 4.0  # the plotted plane covers at least [-REACH, REACH] on both axes: the prior's 2-sigma circle and beyond
# How each data set's images were made from their sources, which the page repeats on a drawing: MNIST fitted the
# NIST digits into a 20 x 20 box and centred them by their centre of mass in 28 x 28 (LeCun et al.); Fashion-MNIST
# resized each product's longest edge to 28 and centred its bounding box (Xiao et al. 2017).
PREPARATION = {
    "mnist": {"size": 28, "box": 20, "centre": "mass"},
    "fashion-mnist": {"size": 28, "box": 28, "centre": "box"},
}


class DecoderMean(nn.Module):
    """z -> sigmoid(decoder(z)): the decoded mean image in [0, 1]."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


class EncoderMoments(nn.Module):
    """x -> (mu, logvar) of q(z|x), or mu alone for a deterministic autoencoder (no variance head)."""

    def __init__(self, encoder: nn.Module, fc_mu: nn.Linear, fc_logvar: nn.Linear | None):
        super().__init__()
        self.encoder = encoder
        self.fc_mu = fc_mu
        self.fc_logvar = fc_logvar

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        # Two separate heads (the model fuses them into one matmul): the graph keeps fc_mu's and fc_logvar's names.
        h = self.encoder(x).flatten(1)
        if self.fc_logvar is None:
            return self.fc_mu(h)
        return self.fc_mu(h), self.fc_logvar(h)


def _encoder_of(model: nn.Module) -> EncoderMoments:
    return EncoderMoments(model.encoder, model.fc_mu, model.fc_logvar)


def _export(module: nn.Module, example: torch.Tensor, inputs: list[str], outputs: list[str], path) -> None:
    """Export `module` (one input, dynamic batch) as ONNX to `path`, atomically, with its weights inside the file."""
    # A copy in the contiguous layout: a model straight from the trainer holds channels-last weights, whose
    # strides make torch.export specialize the batch size (and fail on a dynamic batch); the caller's model is
    # left as it is. Two examples, as a batch of one is specialized too.
    module = copy.deepcopy(module).cpu().to(memory_format=torch.contiguous_format).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The exporter logs missing torchvision operators and its progress; neither concerns these graphs.
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        program = torch.onnx.export(
            module,
            (example,),
            input_names=inputs,
            output_names=outputs,
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            optimize=False,  # keep initializer names equal to state_dict keys (and BatchNorm unfused)
            verbose=False,
        )
    import onnx  # only needed here and in the loaders

    buf = io.BytesIO()
    onnx.save_model(program.model_proto, buf)
    atomic_write(path, buf.getvalue())


def export_decoder(model: nn.Module, path: str | os.PathLike) -> None:
    """Write `model`'s decoder (mean image, dynamic batch) as ONNX to `path`, atomically, weights inside the file."""
    _export(DecoderMean(model.decoder), torch.zeros(2, model.latent_dim), ["z"], ["mean"], path)


def export_encoder(model: nn.Module, path: str | os.PathLike) -> None:
    """Write `model`'s encoder x -> (mu, logvar) (mu alone for an autoencoder) as ONNX to `path`, atomically."""
    outputs = ["mu"] if model.fc_logvar is None else ["mu", "logvar"]
    _export(_encoder_of(model), torch.zeros(2, *model.config.image_shape), ["x"], outputs, path)


def _load_weights(module: nn.Module, path: str | os.PathLike) -> nn.Module:
    """`module` with the weights stored in the ONNX file at `path` (matched by state_dict name), in eval mode."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load_model(str(path))
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    state = module.state_dict()
    missing = [k for k in state if k not in weights and not k.endswith("num_batches_tracked")]
    if missing:
        raise ConfigError(f"{path}: no initializer for {', '.join(missing)} (exported with optimize=True?)")
    module.load_state_dict({k: weights.get(k, v) for k, v in state.items()})
    return module.eval()


def load_onnx_decoder(path: str | os.PathLike, model_config: dict[str, Any]) -> DecoderMean:
    """The PyTorch decoder (mean image) with the weights stored in the ONNX file at `path`."""
    return _load_weights(DecoderMean(build_model(config_from_dict(model_config)).decoder), path)


def load_onnx_encoder(path: str | os.PathLike, model_config: dict[str, Any]) -> EncoderMoments:
    """The PyTorch encoder x -> (mu, logvar) (mu for an autoencoder) with the weights stored in the ONNX file."""
    return _load_weights(_encoder_of(build_model(config_from_dict(model_config))), path)


# ----------------------------------------------------------------------------------------------------------
# The preparation of a drawing (docs/javascripts/explorer.js repeats it operation for operation)
# ----------------------------------------------------------------------------------------------------------


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in]: the share of input cell k in output cell i when n_in cells are resampled to n_out (box
    filter: each output cell averages the input over the span it covers)."""
    span = n_in / n_out
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = i * span, (i + 1) * span
        for k in range(math.floor(lo), min(n_in, math.ceil(hi))):
            w[i, k] = (min(hi, k + 1) - max(lo, k)) / span
    return w


def prepare_drawing(raw: np.ndarray, size: int = 28, box: int = 20, centre: str = "mass") -> np.ndarray:
    """A drawing's grey levels [H, W] in [0, 1] as the data set's images were made: the bounding box of its ink
    scaled (area-averaged) so its longer side is `box` pixels, brightest pixel 1, placed in a size x size field
    with its centre of mass (`centre="mass"`, MNIST) or its box (`"box"`, Fashion-MNIST) at the field's centre."""
    if centre not in ("mass", "box"):
        raise ConfigError(f"centre must be 'mass' or 'box', got {centre!r}")
    a = np.asarray(raw, dtype=np.float64)
    out = np.zeros((size, size))
    rows, cols = np.nonzero(a > 0)
    if len(rows) == 0:
        return out
    crop = a[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    th, tw = max(1, math.floor(h * scale + 0.5)), max(1, math.floor(w * scale + 0.5))
    small = _area_weights(h, th) @ crop @ _area_weights(w, tw).T
    small /= small.max()
    if centre == "mass":
        # where the centre of mass lands relative to the field's centre ((size - 1) / 2 in index coordinates),
        # rounded half up as the page's Math.floor(x + 0.5); the image is kept inside the field
        total = small.sum()
        cy = (small.sum(1) * np.arange(th)).sum() / total
        cx = (small.sum(0) * np.arange(tw)).sum() / total
        oy = math.floor((size - 1) / 2 - cy + 0.5)
        ox = math.floor((size - 1) / 2 - cx + 0.5)
    else:
        oy, ox = math.floor((size - th) / 2), math.floor((size - tw) / 2)
    oy, ox = min(max(oy, 0), size - th), min(max(ox, 0), size - tw)
    out[oy : oy + th, ox : ox + tw] = small
    return out


# ----------------------------------------------------------------------------------------------------------
# The manifest
# ----------------------------------------------------------------------------------------------------------


def pick_examples(labels: torch.Tensor, n: int = TEST_IMAGES) -> torch.Tensor:
    """Indices of `n` examples taking the classes in turn (the first of each class, then the second, ...)."""
    labels = torch.as_tensor(labels)
    by_class = [torch.nonzero(labels == c).flatten() for c in torch.unique(labels)]
    rounds = range(-(-n // max(1, len(by_class))))  # enough turns for n examples when every class has them
    order = [int(idx[r]) for r in rounds for idx in by_class if r < len(idx)]
    return torch.tensor(order[:n], dtype=torch.long)


def _extent(z: np.ndarray, lo: float = 0.005, hi: float = 0.995, margin: float = 0.08) -> list[list[float]]:
    """The plotted latent range per axis: central quantiles of the codes plus a margin (outliers do not squash
    the plot), widened to cover [-REACH, REACH] (the prior's 2-sigma circle and the plane beyond the codes);
    square, so both axes have the same scale."""
    q = np.quantile(z, [lo, hi], axis=0)  # [2, 2]
    centre, half = q.mean(0), (q[1] - q[0]) / 2 * (1 + margin)
    low, high = np.minimum(centre - half, -REACH), np.maximum(centre + half, REACH)
    centre, half = (low + high) / 2, (high - low).max() / 2
    return [[float(c - half), float(c + half)] for c in centre]


def _pixels(images: torch.Tensor) -> list[list[int]]:
    """Images (uint8 [N, H, W] or float [N, C, H, W] in [0, 1]) as flat lists of 8-bit grey levels."""
    if images.dtype == torch.uint8:
        return images.reshape(len(images), -1).tolist()
    return (
        torch.round(images.detach().cpu().float().clamp(0, 1) * 255).to(torch.int64).reshape(len(images), -1).tolist()
    )


def write_explorer(
    model: nn.Module,
    mu: torch.Tensor,
    labels: torch.Tensor,
    out_dir: str | os.PathLike,
    name: str,
    meta: dict[str, Any],
    images: torch.Tensor | None = None,
    image_labels: torch.Tensor | None = None,
) -> dict[str, Any]:
    """Write OUT/<name>.onnx (decoder), OUT/<name>-encoder.onnx and OUT/<name>.json (manifest: scatter of `mu`
    and `labels`, the test `images` the page offers with their `image_labels`, model config); returns the manifest."""
    if mu.shape[1] != 2:
        raise ConfigError(f"the explorer needs a 2-D latent, got {mu.shape[1]} dimensions")
    if images is not None and (image_labels is None or len(image_labels) != len(images)):
        raise ConfigError("write_explorer: give one label per test image (image_labels)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    export_decoder(model, out_dir / f"{name}.onnx")
    export_encoder(model, out_dir / f"{name}-encoder.onnx")
    deterministic = model.fc_logvar is None
    z = mu.detach().cpu().numpy().astype(np.float64)
    manifest = {
        "label": meta.get("title", name),
        **meta,
        "onnx": f"{name}.onnx",
        "input": "z",
        "output": "mean",
        "encoder": {
            "onnx": f"{name}-encoder.onnx",
            "input": "x",
            "outputs": ["mu"] if deterministic else ["mu", "logvar"],
        },
        "deterministic": deterministic,
        "image_shape": list(model.config.image_shape),
        "latent_dim": model.latent_dim,
        "model_config": config_dict(model.config),
        "preparation": PREPARATION.get(meta.get("dataset", ""), PREPARATION["mnist"]),
        "extent": _extent(z),
        "strip_steps": STRIP_STEPS,
        "points": {
            "z": np.round(z, 3).tolist(),
            "label": [int(v) for v in labels.tolist()],
        },
        "test_images": {
            "pixels": [] if images is None else _pixels(images),
            "label": [] if image_labels is None else [int(v) for v in image_labels.tolist()],
        },
    }
    text = json.dumps(manifest, separators=(",", ":"))
    atomic_write(out_dir / f"{name}.json", text.encode())
    return json.loads(text)  # as a reader of the file sees it (lists, not tuples)


# ----------------------------------------------------------------------------------------------------------
# The browser check
# ----------------------------------------------------------------------------------------------------------


def _as_drawn(output: Any, shape: tuple[int, ...]) -> torch.Tensor:
    """The first channel of a page's model output as its canvas holds it: Math.round(255 v) / 255, in float64
    as the page computes it (float32 would move a few values that sit near a half to the next level)."""
    v = torch.tensor(output, dtype=torch.float64).reshape(shape)[0].clamp(0, 1).flatten()
    return torch.floor(v * 255 + 0.5) / 255


def _max_diff(a: Any, b: torch.Tensor) -> float:
    got = torch.tensor(a, dtype=torch.float64).flatten()
    ref = b.detach().to(torch.float64).flatten()
    return math.inf if got.shape != ref.shape else (got - ref).abs().max().item()


class _Models:
    """The manifests and the PyTorch encoders and decoders rebuilt from their ONNX files, loaded once each."""

    def __init__(self, site_root: str | os.PathLike):
        self.root = Path(site_root)
        self.cache: dict[str, tuple[dict[str, Any], EncoderMoments | None, DecoderMean]] = {}

    def __call__(self, manifest: str) -> tuple[dict[str, Any], EncoderMoments | None, DecoderMean]:
        if manifest not in self.cache:
            path = self.root / manifest
            m = json.loads(path.read_text())
            enc = m.get("encoder")
            encoder = load_onnx_encoder(path.parent / enc["onnx"], m["model_config"]) if enc else None
            self.cache[manifest] = (m, encoder, load_onnx_decoder(path.parent / m["onnx"], m["model_config"]))
        return self.cache[manifest]


def _check_probes(ex: dict[str, Any], label: str, manifest: dict, decoder: DecoderMean, tol: float) -> list[str]:
    """The hover decodes and the interpolation strip of the default model."""
    problems = []
    shape = tuple(manifest["image_shape"])
    if len(ex["probes"]) < 2:
        return [f"{label}: {len(ex['probes'])} probes recorded, expected at least 2"]
    for probe in ex["probes"]:
        z = torch.tensor([probe["z"]], dtype=torch.float32)
        off = (z[0] - torch.tensor(probe["target"])).abs().max().item()
        if off > probe["pixel"] * 2:
            problems.append(f"{label}: decoded z={probe['z']} but the pointer was at {probe['target']}")
        ref = decoder(z)[0]
        out = torch.tensor(probe["output"], dtype=torch.float32).reshape(shape)
        err = (out - ref).abs().max().item()
        if err > tol:
            problems.append(f"{label}: output at z={probe['z']} differs from PyTorch by {err:.2e} > {tol:.0e}")
        drawn = torch.tensor(probe["canvas"], dtype=torch.float32)
        expected = _as_drawn(probe["output"], shape).float()
        if drawn.shape != expected.shape or (drawn - expected).abs().max().item() > 1e-6:
            problems.append(f"{label}: the canvas at z={probe['z']} is not the decoded image")
    a, b = (torch.tensor(p["output"]) for p in ex["probes"][:2])
    if (a - b).abs().mean().item() < 0.01:
        problems.append(f"{label}: the two probed points decode to (nearly) the same image")
    strip = ex.get("strip")
    if not strip:
        return [*problems, f"{label}: no interpolation strip"]
    za, zb = torch.tensor(strip["za"]), torch.tensor(strip["zb"])
    t = torch.linspace(0, 1, len(strip["images"])).unsqueeze(1)
    ref = decoder((1 - t) * za + t * zb)
    got = torch.tensor(strip["images"], dtype=torch.float32).reshape(ref.shape)
    err = (got - ref).abs().max().item()
    if err > tol:
        problems.append(f"{label}: interpolation strip differs from PyTorch by {err:.2e}")
    return problems


def _check_encode(rec: dict[str, Any], models: _Models, tol: float, prep_tol: float) -> list[str]:
    """One encoded input: its preparation, mu and logvar, the decode of mu and of every sampled z."""
    m, encoder, decoder = models(rec["manifest"])
    what = f"{rec['manifest']} ({rec['kind']}{'' if rec.get('pick') is None else ' ' + str(rec['pick'])})"
    if encoder is None:
        return [f"{what}: the manifest names no encoder (written before the encoder was exported?)"]
    shape = tuple(m["image_shape"])
    problems = []
    if rec["kind"] == "stroke":
        pad = int(rec["pad"])
        raw = np.asarray(rec["raw"], dtype=np.float64)
        if raw.size != pad * pad or not raw.any():
            return [f"{what}: the recorded stroke raster is empty or not {pad} x {pad}"]
        ref_input = torch.from_numpy(prepare_drawing(raw.reshape(pad, pad) / 255, **m["preparation"]))
    elif rec["kind"] == "pick":
        # a picked image stays the input when the model changes: it is one of the test images of `source`
        source = models(rec.get("source") or rec["manifest"])[0]
        ref_input = torch.tensor(source["test_images"]["pixels"][rec["pick"]], dtype=torch.float64) / 255
    else:
        return [f"{what}: unknown kind of input"]
    err = _max_diff(rec["prepared"], ref_input)
    if err > prep_tol:
        problems.append(f"{what}: the prepared input differs from Python's preparation by {err:.2e}")
    x = torch.tensor(rec["prepared"], dtype=torch.float32).reshape(1, *shape)
    out = encoder(x)
    mu, logvar = (out, None) if m["deterministic"] else out
    if (err := _max_diff(rec["mu"], mu[0])) > tol:
        problems.append(f"{what}: mu differs from PyTorch's encoder by {err:.2e} > {tol:.0e}")
    if m["deterministic"]:
        if rec.get("logvar") is not None:
            problems.append(f"{what}: a log-variance for a deterministic autoencoder")
    elif rec.get("logvar") is None:
        problems.append(f"{what}: no log-variance recorded for a VAE")
    elif (err := _max_diff(rec["logvar"], logvar[0])) > tol:
        problems.append(f"{what}: logvar differs from PyTorch's encoder by {err:.2e} > {tol:.0e}")
    page_mu = torch.tensor([rec["mu"]], dtype=torch.float32)
    if (err := _max_diff(rec["decodeMu"], decoder(page_mu)[0])) > tol:
        problems.append(f"{what}: the decode of mu differs from PyTorch by {err:.2e} > {tol:.0e}")
    if _max_diff(rec.get("canvasMu", []), _as_drawn(rec["decodeMu"], shape)) > 1e-6:
        problems.append(f"{what}: the reconstruction canvas is not the decode of mu")
    sigma = None if m["deterministic"] else np.exp(np.asarray(rec["logvar"] or [0.0] * 2) / 2)
    for s in rec.get("samples", []):
        eps = np.asarray(s["eps"], dtype=np.float64)
        # z = mu + sigma * eps for a VAE's posterior sample; z = eps, a prior sample, for the autoencoder
        implied = eps if sigma is None else np.asarray(rec["mu"]) + sigma * eps
        if eps.shape != (2,) or not np.isfinite(eps).all() or np.abs(np.asarray(s["z"]) - implied).max() > 1e-5:
            problems.append(f"{what}: sampled z={s['z']} is not what eps={s['eps']} implies ({implied.tolist()})")
        if (err := _max_diff(s["decodeZ"], decoder(torch.tensor([s["z"]], dtype=torch.float32))[0])) > tol:
            problems.append(f"{what}: the decode of sampled z={s['z']} differs from PyTorch by {err:.2e}")
        if _max_diff(s.get("canvasZ", []), _as_drawn(s["decodeZ"], shape)) > 1e-6:
            problems.append(f"{what}: the sample canvas is not the decode of z={s['z']}")
    if rec.get("cloud") != len(rec.get("samples", [])):
        problems.append(f"{what}: {rec.get('cloud')} points in the sample cloud after {len(rec['samples'])} samples")
    return problems


def check_browser_decodes(
    results_path: str | os.PathLike, site_root: str | os.PathLike, tol: float = 1e-4, prep_tol: float = 1e-6
) -> list[str]:
    """Compare the browser test's results (JSON written by tools/check_explorer.mjs) with PyTorch; problems found.

    Per hover probe: the point the page decoded is the point under the pointer (within two screen pixels); the
    output matches PyTorch's within `tol`; the drawn canvas holds exactly the output rounded to 8 bits; the strip
    matches. Per encoded input (a drawn stroke or a picked test image, on each model): the prepared input equals
    Python's `prepare_drawing` of the recorded stroke raster (or the picked image) within `prep_tol`; mu, logvar
    and the decodes of mu and of each sampled z = mu + sigma * eps (the page's eps) match PyTorch within `tol`.
    Every explorer must have encoded a stroke and a pick, every model it lists, and sampled at least once."""
    results = json.loads(Path(results_path).read_text())
    problems: list[str] = list(results.get("problems", []))
    if not results.get("explorers"):
        return [*problems, "no explorer results"]
    models = _Models(site_root)
    with torch.no_grad():
        for ex in results["explorers"]:
            manifest, _, decoder = models(ex["manifest"])
            label = manifest.get("dataset", ex["manifest"])
            problems += _check_probes(ex, label, manifest, decoder, tol)
            encodes = ex.get("encodes", [])
            for rec in encodes:
                problems += _check_encode(rec, models, tol, prep_tol)
            kinds = {rec["kind"] for rec in encodes}
            for kind in ("stroke", "pick"):
                if kind not in kinds:
                    problems.append(f"{label}: no {kind} was encoded")
            for listed in ex.get("manifests", [ex["manifest"]]):
                if not any(rec["manifest"] == listed for rec in encodes):
                    problems.append(f"{label}: model {listed} was never encoded")
            if not any(rec.get("samples") for rec in encodes):
                problems.append(f"{label}: nothing was sampled")
    return problems


# ----------------------------------------------------------------------------------------------------------
# What a reader can see in the explorer, measured on the exported models (the page's "What to try")
# ----------------------------------------------------------------------------------------------------------


@torch.no_grad()
def explorer_facts(manifest: str | os.PathLike) -> dict[str, Any]:
    """What the explorer shows for one exported model, measured on the page's own material: its test codes (the
    plotted dots) and the twelve test images it offers to encode (their posterior spread, their reconstructions),
    with the encoder and decoder rebuilt from the ONNX files. Radii and spreads are in latent units (the prior's
    1-sigma circle has radius 1)."""
    path = Path(manifest)
    m = json.loads(path.read_text())
    z = torch.tensor(m["points"]["z"], dtype=torch.float32)  # [N, 2]
    labels = torch.tensor(m["points"]["label"])
    x = torch.tensor(m["test_images"]["pixels"], dtype=torch.float32).view(-1, *m["image_shape"]) / 255
    encoder = load_onnx_encoder(path.parent / m["encoder"]["onnx"], m["model_config"])
    decoder = load_onnx_decoder(path.parent / m["onnx"], m["model_config"])
    out = encoder(x)
    mu, sigma = (out[0], torch.exp(0.5 * out[1])) if isinstance(out, tuple) else (out, None)
    recon = decoder(mu)
    radius = z.norm(dim=1)
    centroids = {int(c): z[labels == c].mean(0) for c in labels.unique()}
    nearest = {
        c: min((o for o in centroids if o != c), key=lambda o: float((centroids[c] - centroids[o]).norm()))
        for c in centroids
    }
    return {
        "manifest": path.name,
        "title": m["title"],
        "codes": len(z),
        "code_rms_radius": float(radius.pow(2).mean().sqrt()),
        "codes_inside_prior_2sigma": float((radius <= 2).double().mean()),
        "mu_abs_max": float(mu.abs().max()),
        "sigma_mean": float(sigma.mean()) if sigma is not None else math.nan,
        "sigma_min": float(sigma.min()) if sigma is not None else math.nan,
        "sigma_max": float(sigma.max()) if sigma is not None else math.nan,
        "recon_mse": float((recon - x).pow(2).mean()),
        "recon_spread": float(recon.std(0).mean()),  # 0: every input reconstructs to the same image
        "nearest_class": {m["class_names"][c]: m["class_names"][o] for c, o in nearest.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m vaelib.explorer RESULTS.json SITE_DIR`: exit 1 if the browser's results disagree with PyTorch."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m vaelib.explorer RESULTS.json SITE_DIR", file=sys.stderr)
        return 2
    problems = check_browser_decodes(args[0], args[1])
    results = json.loads(Path(args[0]).read_text())
    explorers = results.get("explorers", [])
    decodes = sum(len(ex["probes"]) + 1 for ex in explorers)
    encodes = [rec for ex in explorers for rec in ex.get("encodes", [])]
    samples = sum(len(rec.get("samples", [])) for rec in encodes)
    models = len({rec["manifest"] for rec in encodes})
    for p in problems:
        print(f"FAIL {p}")
    print(
        f"explorer check: {'FAILED' if problems else 'ok'}: {decodes} hover/strip decodes, {len(encodes)} encoded "
        f"inputs ({sum(r['kind'] == 'stroke' for r in encodes)} drawn) on {models} models and {samples} samples "
        "compared with PyTorch"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
