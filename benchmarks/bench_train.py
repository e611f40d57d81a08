"""Training speed and memory on real MNIST: vaelib's trainer against the canonical pytorch/examples loop.

In ONE process, alternating epoch by epoch so both see the same machine state:
  (a) a loop written the way pytorch/examples `vae/main.py` trains: a per-sample Dataset + DataLoader, batch 128,
      Adam 1e-3, MLP 784-400-20, summed BCE + KL on grey-level pixels;
  (b) vaelib's Trainer on the same model, objective and settings.
Also: vaelib at batch 512 against the FLOP bound (model FLOPs / measured matmul throughput), the conv VAEs of
seeds 000 and 002 and the report's U-Net VAE of seed 003 against theirs, and the process's peak resident memory.
The last line printed is JSON.

The conv VAEs and the U-Net are timed in short epochs taken after every (a)/(b) pair, each between two matmul-roof
measurements, so their reported ratios (medians) cover the whole run rather than the machine's state during a
few seconds.

Run it with `make bench` (needs `make data`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

import vaelib
from vaelib import data
from vaelib.experiments import sharp_decoder
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import ConvBNConfig, ConvConfig, MLPConfig, build_model, model_flops
from vaelib.notebooks import machine
from vaelib.train import OptimConfig, Trainer

# ---------------------------------------------------------------------------------------------- reference (a)


class TorchvisionStyleMNIST(Dataset):
    """What `torchvision.datasets.MNIST(transform=ToTensor())` does per example (torchvision itself is optional
    here): a PIL image from the uint8 array, then ToTensor's conversion to float [1, H, W] in [0, 1]."""

    def __init__(self, ds: data.ImageDataset):
        self.data, self.targets = ds.images, ds.labels

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        img, target = self.data[index], int(self.targets[index])
        pic = Image.fromarray(img.numpy(), mode="L")
        # torchvision.transforms.functional.to_tensor for a PIL image
        t = torch.from_numpy(np.array(pic, np.uint8, copy=True))
        t = t.view(pic.size[1], pic.size[0], len(pic.getbands())).permute((2, 0, 1)).contiguous()
        return t.to(dtype=torch.get_default_dtype()).div(255), target


class CanonicalVAE(nn.Module):
    """The pytorch/examples VAE: fc1 -> (fc21, fc22) -> reparameterize -> fc3 -> fc4 -> sigmoid."""

    def __init__(self, n_pixels: int, hidden: int = 400, latent_dim: int = 20):
        super().__init__()
        self.n_pixels = n_pixels
        self.fc1 = nn.Linear(n_pixels, hidden)
        self.fc21 = nn.Linear(hidden, latent_dim)
        self.fc22 = nn.Linear(hidden, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden)
        self.fc4 = nn.Linear(hidden, n_pixels)

    def forward(self, x: torch.Tensor):
        h1 = F.relu(self.fc1(x.view(-1, self.n_pixels)))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def canonical_loss(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Summed BCE + KL over the batch, as pytorch/examples (Kingma & Welling 2014, App. B)."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, recon_x.shape[1]), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def reference_epoch(model: CanonicalVAE, loader: DataLoader, opt: torch.optim.Optimizer) -> float:
    """One canonical training epoch (its `train_loss += loss.item()` included); returns seconds."""
    t0 = time.perf_counter()
    model.train()
    train_loss = 0.0
    for x, _ in loader:
        opt.zero_grad()
        recon, mu, logvar = model(x)
        loss = canonical_loss(recon, x, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        opt.step()
    return time.perf_counter() - t0


@torch.no_grad()
def reference_test(model: CanonicalVAE, loader: DataLoader) -> float:
    """The canonical 'Test set loss': summed loss over the test set / number of examples."""
    model.eval()
    total = 0.0
    for x, _ in loader:
        recon, mu, logvar = model(x)
        total += canonical_loss(recon, x, mu, logvar).item()
    return total / len(loader.dataset)


# ---------------------------------------------------------------------------------------------- helpers

# Runs `python -m vaelib ARGS` in-process, then prints the process's peak resident memory (VmHWM, kB).
CHILD_PEAK_RSS = (
    "import re, sys\n"
    "from vaelib.cli import main\n"
    "main(sys.argv[1:])\n"
    "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))\n"
)


def matmul_flops_per_second(n: int = 2048, reps: int = 8) -> float:
    """Measured float32 matmul throughput (FLOP/s) on this machine, the compute roof for the FLOP bound."""
    # A generator of its own: measured between the reference's epochs, it must not shift the global RNG stream the
    # reference loop draws its shuffles and noise from.
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=gen), torch.randn(n, n, generator=gen)
    a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0)


def train_flops(model: nn.Module, image_shape, n_examples: int) -> float:
    """FLOPs of one training epoch: forward + backward, counted as 3x the forward FLOPs."""
    return 3 * model_flops(model, image_shape) * n_examples


def flop_bound_seconds(model: nn.Module, image_shape, n_examples: int, flops_per_s: float) -> float:
    """Seconds per epoch if forward + backward ran at matmul speed."""
    return train_flops(model, image_shape, n_examples) / flops_per_s


def vaelib_trainer(model_cfg, x_train: torch.Tensor, batch_size: int, seed: int, channels_last: bool = True) -> Trainer:
    """vaelib's trainer on the canonical objective (Bernoulli on grey levels, beta = 1, Adam 1e-3)."""
    torch.manual_seed(seed)
    cfg = OptimConfig(num_epochs=10**6, batch_size=batch_size, lr=1e-3, seed=seed, channels_last=channels_last)
    return Trainer(build_model(model_cfg), Objective(ObjectiveConfig()), x_train, None, cfg, device="cpu", quiet=True)


def epoch_seconds(trainer: Trainer, n: int) -> list[float]:
    """Seconds of each of `n` training epochs (validation excluded)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        trainer.train_epoch()
        times.append(time.perf_counter() - t0)
    return times


def timed_epochs(trainer: Trainer, n: int) -> float:
    """Median seconds of `n` training epochs (validation excluded)."""
    return float(np.median(epoch_seconds(trainer, n)))


class ConvSampler:
    """A conv VAE's seconds per epoch against its FLOP bound, sampled in short epochs spread over the whole run.

    The 2-core machine's speed drifts by 10-20% over seconds to minutes, so a few epochs timed back to back report
    whichever state it was in at that moment. Samples taken between the (a)/(b) epochs cover the whole run; each
    one's bound uses the mean of the matmul roofs measured right before and right after it.
    """

    # Short roofs (about 0.5 s), as they are measured some sixty times per run.
    ROOF_REPS = 4

    def __init__(self, name: str, trainer: Trainer, batch_size: int, epoch_scale: float, flops_per_epoch: float):
        self.name, self.trainer, self.batch_size = name, trainer, batch_size
        self.epoch_scale, self.flops_per_epoch = epoch_scale, flops_per_epoch
        self.seconds: list[float] = []  # per sample, scaled to a full epoch
        self.bounds: list[float] = []  # per sample: the FLOP bound at the roofs around it, seconds per epoch
        self.faults: list[float] = []  # per sample: minor page faults per optimizer step (memory mapped afresh)

    def sample(self, roof_before: float) -> float:
        """Time one short epoch (scaled to a full one) and measure the roof after it, which it returns."""
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        self.seconds.append(epoch_seconds(self.trainer, 1)[0] * self.epoch_scale)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
        self.faults.append(faults / getattr(self.trainer, "steps_per_epoch", 1))
        roof_after = matmul_flops_per_second(reps=self.ROOF_REPS)
        self.bounds.append(self.flops_per_epoch / ((roof_before + roof_after) / 2))
        return roof_after

    def ratios(self) -> list[float]:
        """Each sample's seconds over its own FLOP bound."""
        return [s / b for s, b in zip(self.seconds, self.bounds, strict=True)]


def write_assets(result: dict, out: Path) -> None:
    """The benchmark's JSON and a Markdown table of its ratios, with the machine they were measured on."""
    out.mkdir(parents=True, exist_ok=True)
    measured_on = machine()
    (out / "bench.json").write_text(json.dumps({**result, "machine": measured_on}, indent=1) + "\n")
    ranges = result["conv_flop_bound_ratio_ranges"]
    rows = [
        ("MLP 784-400-20, batch 128: speedup over the pytorch/examples loop", f"{result['speedup_vs_reference']:.2f}x"),
        (
            "test loss after the same epochs: reference, vaelib (nats)",
            f"{result['reference_test_loss']:.2f}, {result['vaelib_test_loss']:.2f}",
        ),
        ("MLP 784-400-20, batch 512: time over FLOP bound", f"{result['flop_bound_ratio_bs512']:.2f}"),
    ]
    labels = {
        "conv_seed000": "seed 000 conv VAE, batch 512",
        "conv_bn_seed002": "seed 002 conv-BN VAE, batch 128",
        "unet_seed003": "seed 003 U-Net VAE (the report's), batch 128",
    }
    for key, ratio in result["conv_flop_bound_ratios"].items():
        lo, hi = ranges[key]
        rows.append(
            (f"{labels.get(key, key)}: time over FLOP bound (median, range)", f"{ratio:.2f} ({lo:.2f}-{hi:.2f})")
        )
    for key, faults in result.get("conv_minor_faults_per_step", {}).items():
        rows.append((f"{labels.get(key, key)}: minor page faults per step (median)", f"{faults:,.0f}"))
    rows.append(("seed 003 U-Net VAE: seconds per 60k-image epoch", f"{result['unet_s_per_epoch']:.1f}"))
    rows.append(("peak memory of a training run (MiB)", f"{result['peak_rss_mib']:.0f}"))
    lines = ["| measure | value |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    note = f"\n*Measured on*: {measured_on}; matmul roof {result['matmul_gflops']:.0f} GFLOP/s.\n"
    (out / "bench.md").write_text("\n".join(lines) + "\n" + note)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="data", help="data folder")
    p.add_argument(
        "--epochs",
        type=int,
        default=10,
        help="epochs of (a) and (b) at batch 128, per seed; one conv sample after each",
    )
    p.add_argument(
        "--conv-examples", type=int, default=3072, help="examples per timed conv epoch (a sample, scaled up to 60k)"
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="seeds of (a) and (b); losses are averaged")
    p.add_argument("--assets", default="assets/bench", help="folder for bench.json and bench.md (the Reproduce page)")
    args = p.parse_args()
    if args.epochs < 1 or args.conv_examples < 1:
        p.error("--epochs and --conv-examples must be at least 1")

    train = data.load_dataset("mnist", "train", args.root)
    test = data.load_dataset("mnist", "test", args.root)
    x_train, x_test = train.float(), test.float()
    n_pixels = x_train[0].numel()
    image_shape = train.image_shape
    peak_flops = matmul_flops_per_second()
    print(
        f"threads {torch.get_num_threads()}, GOMP_SPINCOUNT={os.environ.get('GOMP_SPINCOUNT')} (applies to (a) and (b)),"
        f" matmul throughput {peak_flops / 1e9:.1f} GFLOP/s",
        flush=True,
    )

    # The conv VAEs (seed 000 at its batch 512, seed 002 at 128) and the U-Net (seed 003, 128), timed on a subset scaled to a 60k epoch: one sample
    # of each after every (a)/(b) pair below, so their medians cover the whole run (see ConvSampler).
    x_sub = x_train[: args.conv_examples]
    conv = []
    unet = sharp_decoder("mnist", 16, "pixel")  # the report's U-Net (seed 003), with its batch size and layout
    for name, cfg, bs, channels_last in (
        ("conv_seed000", ConvConfig(latent_dim=2), 512, True),
        ("conv_bn_seed002", ConvBNConfig(latent_dim=16), 128, True),
        ("unet_seed003", unet.model, unet.optim.batch_size, unet.optim.channels_last),
    ):
        tr = vaelib_trainer(cfg, x_sub, bs, args.seeds[0], channels_last)
        timed_epochs(tr, 1)  # warm-up
        conv.append(
            ConvSampler(name, tr, bs, len(x_train) / len(x_sub), train_flops(tr.model, image_shape, len(x_train)))
        )
    del tr

    # (a) and (b), alternating epoch by epoch, once per seed (one seed's test loss varies by a few tenths).
    ref_test = DataLoader(TorchvisionStyleMNIST(test), batch_size=128, shuffle=False)
    ref_times, our_times, ref_losses, our_losses = [], [], [], []
    for seed in args.seeds:
        torch.manual_seed(seed)
        ref = CanonicalVAE(n_pixels)
        ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
        ref_train = DataLoader(TorchvisionStyleMNIST(train), batch_size=128, shuffle=True)
        ours = vaelib_trainer(MLPConfig(hidden=(400,), latent_dim=20), x_train, 128, seed)
        for epoch in range(1, args.epochs + 1):
            ref_times.append(reference_epoch(ref, ref_train, ref_opt))
            our_times.append(timed_epochs(ours, 1))
            roof = matmul_flops_per_second(reps=ConvSampler.ROOF_REPS)
            for c in conv:
                roof = c.sample(roof)
            print(
                f"seed {seed} epoch {epoch:>2}: reference {ref_times[-1]:6.2f} s   vaelib {our_times[-1]:6.2f} s   | per"
                " 60k epoch (ratio to its bound): "
                + ", ".join(f"{c.name} {c.seconds[-1]:5.1f} s ({c.seconds[-1] / c.bounds[-1]:.2f})" for c in conv),
                flush=True,
            )
        torch.manual_seed(seed)
        ref_losses.append(reference_test(ref, ref_test))
        our_losses.append(ours.evaluate(x_test)["elbo"])
        print(f"seed {seed} test loss: reference {ref_losses[-1]:.2f}, vaelib {our_losses[-1]:.2f}", flush=True)
    ref_s, our_s = float(np.median(ref_times)), float(np.median(our_times))
    ref_loss, our_loss = float(np.mean(ref_losses)), float(np.mean(our_losses))
    bound_128 = flop_bound_seconds(ours.model, image_shape, len(x_train), peak_flops)
    print(f"batch 128: reference {ref_s:.2f} s/epoch, vaelib {our_s:.2f} s/epoch, speedup {ref_s / our_s:.2f}x")
    print(
        f"test loss after {args.epochs} epochs (mean of {len(args.seeds)} seeds): reference {ref_loss:.2f}, vaelib {our_loss:.2f}"
    )

    # (b) at batch 512 against the FLOP bound.
    big = vaelib_trainer(MLPConfig(hidden=(400,), latent_dim=20), x_train, 512, args.seeds[0])
    timed_epochs(big, 1)  # warm-up
    roof_before = matmul_flops_per_second()
    s_512 = timed_epochs(big, 3)
    # The roof is measured right around the timed epochs: the machine's speed drifts over a long run.
    roof_512 = (roof_before + matmul_flops_per_second()) / 2
    bound_512 = flop_bound_seconds(big.model, image_shape, len(x_train), roof_512)
    print(f"batch 512: vaelib {s_512:.2f} s/epoch, FLOP bound {bound_512:.2f} s -> ratio {s_512 / bound_512:.2f}")

    conv_ratios, conv_ranges = {}, {}
    conv_faults = {c.name: float(np.median(c.faults)) for c in conv}
    for c in conv:
        ratios = c.ratios()
        conv_ratios[c.name], conv_ranges[c.name] = float(np.median(ratios)), (min(ratios), max(ratios))
        print(
            f"{c.name} (60k, batch {c.batch_size}), medians of {len(ratios)} samples spread over the run:"
            f" {np.median(c.seconds):.1f} s/epoch, FLOP bound {np.median(c.bounds):.1f} s, ratio"
            f" {conv_ratios[c.name]:.2f} (the samples' ratios range from {min(ratios):.2f} to {max(ratios):.2f})",
            flush=True,
        )
    n_conv_samples = len(conv[0].seconds)
    unet_seconds = next(c.seconds for c in conv if c.name == "unet_seed003")
    del conv

    bench_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A training run's own peak memory: the CLI training the canonical model for one epoch in a fresh process,
    # which reports its VmHWM (getrusage's child figures include the parent's memory at fork time on Linux).
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["train", "--dataset", "mnist", "--model", "mlp", "--latent-dim", "20", "--epochs", "1",
                "--data-root", args.root, "--out", tmp + "/run", "--quiet"]  # fmt: skip
        child = subprocess.run(
            [sys.executable, "-c", CHILD_PEAK_RSS, *argv], check=True, capture_output=True, text=True
        )
    peak_rss_mib = int(child.stdout.strip().splitlines()[-1]) / 1024
    print(
        f"peak RSS of a training run (vaelib train, MLP, 1 epoch): {peak_rss_mib:.0f} MiB; this benchmark process: {bench_rss_mib:.0f} MiB"
    )
    result = {
        "speedup_vs_reference": round(ref_s / our_s, 3),
        "reference_s_per_epoch": round(ref_s, 3),
        "vaelib_s_per_epoch": round(our_s, 3),
        "reference_test_loss": round(ref_loss, 3),
        "vaelib_test_loss": round(our_loss, 3),
        "reference_test_losses": [round(v, 3) for v in ref_losses],
        "vaelib_test_losses": [round(v, 3) for v in our_losses],
        "epochs": args.epochs,
        "conv_samples": n_conv_samples,
        "conv_examples": len(x_sub),
        "flop_bound_s_per_epoch_bs128": round(bound_128, 3),
        "vaelib_s_per_epoch_bs512": round(s_512, 3),
        "flop_bound_s_per_epoch_bs512": round(bound_512, 3),
        "flop_bound_ratio_bs512": round(s_512 / bound_512, 3),
        "conv_flop_bound_ratios": {k: round(v, 3) for k, v in conv_ratios.items()},
        "conv_flop_bound_ratio": round(max(v for k, v in conv_ratios.items() if k.startswith("conv")), 3),
        "unet_flop_bound_ratio": round(conv_ratios["unet_seed003"], 3),
        "unet_s_per_epoch": round(float(np.median(unet_seconds)), 3),
        "conv_flop_bound_ratio_ranges": {k: [round(v, 3) for v in r] for k, r in conv_ranges.items()},
        # glibc's allocator as vaelib sets it (vaelib.MALLOC_SETTINGS): freed memory kept, not faulted in again
        "conv_minor_faults_per_step": {k: round(v, 1) for k, v in conv_faults.items()},
        "malloc_settings": vaelib.MALLOC_APPLIED,
        "matmul_gflops": round(peak_flops / 1e9, 1),
        "matmul_gflops_bs512": round(roof_512 / 1e9, 1),
        "threads": torch.get_num_threads(),
        "peak_rss_mib": round(peak_rss_mib, 1),
        "benchmark_process_rss_mib": round(bench_rss_mib, 1),
    }
    write_assets(result, Path(args.assets))
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    vaelib.restart_with_openmp_spin()
    main()
