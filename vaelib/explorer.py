"""The report's latent explorer: a latent-2 decoder exported to ONNX (run in the page by onnxruntime-web) and a
manifest with the test-set latent scatter; and the check that the browser's decodes match PyTorch's.

The exported graph maps z [N, latent_dim] to the decoded mean image sigmoid(decoder(z)) [N, C, H, W]. It is
exported unoptimized, so its initializers keep the decoder's state_dict names: `load_onnx_decoder` rebuilds the
PyTorch decoder from the ONNX file alone, which is what the browser test compares against.
"""

from __future__ import annotations

import copy
import io
import json
import logging
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

__all__ = ["DecoderMean", "export_decoder", "load_onnx_decoder", "write_explorer", "check_browser_decodes"]

STRIP_STEPS = 10  # images in the interpolation strip, end points included


class DecoderMean(nn.Module):
    """z -> sigmoid(decoder(z)): the decoded mean image in [0, 1]."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


def export_decoder(model: nn.Module, path: str | os.PathLike) -> None:
    """Write `model`'s decoder (mean image, dynamic batch) as ONNX to `path`, atomically, weights inside the file."""
    # A copy in the contiguous layout: a model straight from the trainer holds channels-last weights, whose
    # strides make torch.export specialize the batch size (and fail on a dynamic batch); the caller's model is
    # left as it is. Two example codes, as a batch of one is specialized too.
    module = DecoderMean(copy.deepcopy(model.decoder)).cpu().to(memory_format=torch.contiguous_format).eval()
    z = torch.zeros(2, model.latent_dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The exporter logs missing torchvision operators and its progress; neither concerns this graph.
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        program = torch.onnx.export(
            module,
            (z,),
            input_names=["z"],
            output_names=["mean"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            optimize=False,  # keep initializer names equal to state_dict keys (and BatchNorm unfused)
            verbose=False,
        )
    import onnx  # only needed here and in load_onnx_decoder

    buf = io.BytesIO()
    onnx.save_model(program.model_proto, buf)
    atomic_write(path, buf.getvalue())


def load_onnx_decoder(path: str | os.PathLike, model_config: dict[str, Any]) -> DecoderMean:
    """The PyTorch decoder (mean image) with the weights stored in the ONNX file at `path`."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load_model(str(path))
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in proto.graph.initializer}
    module = DecoderMean(build_model(config_from_dict(model_config)).decoder)
    state = module.state_dict()
    missing = [k for k in state if k not in weights and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError(f"{path}: no initializer for {', '.join(missing)} (exported with optimize=True?)")
    module.load_state_dict({k: weights.get(k, v) for k, v in state.items()})
    return module.eval()


def _extent(z: np.ndarray, lo: float = 0.005, hi: float = 0.995, margin: float = 0.08) -> list[list[float]]:
    """The plotted latent range per axis: central quantiles of the codes plus a margin (outliers do not squash
    the plot); square, so both axes have the same scale."""
    q = np.quantile(z, [lo, hi], axis=0)  # [2, 2]
    centre, half = q.mean(0), (q[1] - q[0]).max() / 2 * (1 + margin)
    return [[float(c - half), float(c + half)] for c in centre]


def write_explorer(
    model: nn.Module,
    mu: torch.Tensor,
    labels: torch.Tensor,
    out_dir: str | os.PathLike,
    name: str,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """Write OUT/<name>.onnx (the decoder) and OUT/<name>.json (manifest: scatter of `mu`, labels, model config)."""
    if mu.shape[1] != 2:
        raise ConfigError(f"the explorer needs a 2-D latent, got {mu.shape[1]} dimensions")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    export_decoder(model, out_dir / f"{name}.onnx")
    z = mu.detach().cpu().numpy().astype(np.float64)
    manifest = {
        **meta,
        "onnx": f"{name}.onnx",
        "input": "z",
        "output": "mean",
        "image_shape": list(model.config.image_shape),
        "latent_dim": model.latent_dim,
        "model_config": config_dict(model.config),
        "extent": _extent(z),
        "strip_steps": STRIP_STEPS,
        "points": {
            "z": np.round(z, 3).tolist(),
            "label": [int(v) for v in labels.tolist()],
        },
    }
    text = json.dumps(manifest, separators=(",", ":"))
    atomic_write(out_dir / f"{name}.json", text.encode())
    return json.loads(text)  # as a reader of the file sees it (lists, not tuples)


def check_browser_decodes(
    results_path: str | os.PathLike, site_root: str | os.PathLike, tol: float = 1e-4
) -> list[str]:
    """Compare the browser test's decodes (JSON written by tools/check_explorer.mjs) with PyTorch; problems found.

    Per probe: the point the page decoded is the point the pointer was moved to (within two screen pixels); the
    model output matches PyTorch's within `tol`; the drawn canvas holds exactly the output rounded to 8 bits."""
    results = json.loads(Path(results_path).read_text())
    problems: list[str] = list(results.get("problems", []))
    if not results.get("explorers"):
        return [*problems, "no explorer results"]
    for ex in results["explorers"]:
        manifest_path = Path(site_root) / ex["manifest"]
        manifest = json.loads(manifest_path.read_text())
        decoder = load_onnx_decoder(manifest_path.parent / manifest["onnx"], manifest["model_config"])
        label = manifest.get("dataset", ex["manifest"])
        shape = tuple(manifest["image_shape"])
        if len(ex["probes"]) < 2:
            problems.append(f"{label}: {len(ex['probes'])} probes recorded, expected at least 2")
            continue
        with torch.no_grad():
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
                expected = torch.round(out[0].clamp(0, 1).flatten() * 255) / 255  # first channel, as drawn
                if drawn.shape != expected.shape or (drawn - expected).abs().max().item() > 1e-6:
                    problems.append(f"{label}: the canvas at z={probe['z']} is not the decoded image")
            a, b = (torch.tensor(p["output"]) for p in ex["probes"][:2])
            if (a - b).abs().mean().item() < 0.01:
                problems.append(f"{label}: the two probed points decode to (nearly) the same image")
            strip = ex.get("strip")
            if not strip:
                problems.append(f"{label}: no interpolation strip")
                continue
            za, zb = torch.tensor(strip["za"]), torch.tensor(strip["zb"])
            t = torch.linspace(0, 1, len(strip["images"])).unsqueeze(1)
            ref = decoder((1 - t) * za + t * zb)
            got = torch.tensor(strip["images"], dtype=torch.float32).reshape(ref.shape)
            err = (got - ref).abs().max().item()
            if err > tol:
                problems.append(f"{label}: interpolation strip differs from PyTorch by {err:.2e}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`python -m vaelib.explorer RESULTS.json SITE_DIR`: exit 1 if the browser's decodes disagree with PyTorch."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m vaelib.explorer RESULTS.json SITE_DIR", file=sys.stderr)
        return 2
    problems = check_browser_decodes(args[0], args[1])
    results = json.loads(Path(args[0]).read_text())
    n = sum(len(ex["probes"]) + 1 for ex in results.get("explorers", []))
    for p in problems:
        print(f"FAIL {p}")
    print(f"explorer check: {'FAILED' if problems else 'ok'}: {n} browser decodes compared with PyTorch")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
