"""Per-layer timings behind `vaelib.layers`: each fast layer against its torch.nn parent, same weights, same input.

Prints median milliseconds of forward and of forward + backward for the conv VAEs' layers that `vaelib.layers`
changes, at their training batch sizes (seed 002's conv-BN at 128, seed 000's conv at 512), interleaved in one
process, and the largest output difference. The whole-model effect is in `bench_train.py` (`conv_flop_bound_ratios`).

Run: `make bench-layers` (or `python benchmarks/bench_layers.py`).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import vaelib
from vaelib.layers import CPUConv2d, CPUConvTranspose2d, PhaseConvTranspose2d, SameConv2d


def _once(fn, reps: int) -> float:
    """Mean milliseconds of `reps` calls of `fn`."""
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps * 1000


def compare(
    name: str, parent: nn.Module, fast: nn.Module, batch: int, in_shape, reps: int, rounds: int, input_grad=True
) -> None:
    """Time parent vs fast (same weights) on one channels-last input; print the medians."""
    fast.load_state_dict(parent.state_dict())
    parent, fast = (m.to(memory_format=torch.channels_last) for m in (parent, fast))
    x = torch.randn(batch, *in_shape).contiguous(memory_format=torch.channels_last).requires_grad_(input_grad)
    y = parent(x)
    grad = torch.randn_like(y)
    diff = (y - fast(x)).abs().max().item()
    cases = {
        "forward": (lambda: parent(x), lambda: fast(x)),
        "forward+backward": (lambda: parent(x).backward(grad), lambda: fast(x).backward(grad)),
    }
    for label, (f_parent, f_fast) in cases.items():
        for f in (f_parent, f_fast):  # warm-up: oneDNN builds its kernels on first use
            f()
        times = {"parent": [], "fast": []}
        for _ in range(rounds):  # interleaved, so drifts of the machine's speed hit both alike
            times["parent"].append(_once(f_parent, reps))
            times["fast"].append(_once(f_fast, reps))
        p, f = statistics.median(times["parent"]), statistics.median(times["fast"])
        print(f"{name:52s} {label:17s} torch.nn {p:8.2f} ms   vaelib {f:8.2f} ms   x{p / f:.2f}", flush=True)
    print(f"{name:52s} largest output difference {diff:.1e}", flush=True)


# (label, torch.nn parent, vaelib layer, constructor arguments, batch, input shape [C, H, W], calls per round)
CASES = [
    ("ConvTranspose2d 32->1, k4 s2, 14->28, batch 128", nn.ConvTranspose2d, PhaseConvTranspose2d, (32, 1, 4, 2, 1),
     128, (32, 14, 14), 20),
    ("Conv2d 32->1, k3 same, 28x28, batch 512", nn.Conv2d, SameConv2d, (32, 1, 3, 1, 1), 512, (32, 28, 28), 3),
    # The rest only change the backward (the bias gradient as a sum; a first layer gets no input gradient), so
    # their forwards should tie.
    ("Conv2d 1->32, k3 s2, 28->14, batch 128 (first)", nn.Conv2d, CPUConv2d, (1, 32, 3, 2, 1), 128, (1, 28, 28), 20),
    ("Conv2d 32->64, k3 s2, 14->7, batch 128", nn.Conv2d, CPUConv2d, (32, 64, 3, 2, 1), 128, (32, 14, 14), 20),
    ("ConvTranspose2d 64->32, k4 s2, 7->14, batch 128", nn.ConvTranspose2d, CPUConvTranspose2d, (64, 32, 4, 2, 1),
     128, (64, 7, 7), 20),
    ("Conv2d 32->64, k3 s2, 28->14, batch 512", nn.Conv2d, CPUConv2d, (32, 64, 3, 2, 1), 512, (32, 28, 28), 3),
    ("Conv2d 64->64, k3 s1, 14x14, batch 512", nn.Conv2d, CPUConv2d, (64, 64, 3, 1, 1), 512, (64, 14, 14), 3),
    ("ConvTranspose2d 64->32, k3 s2 op1, 14->28, batch 512", nn.ConvTranspose2d, CPUConvTranspose2d,
     (64, 32, 3, 2, 1, 1), 512, (64, 14, 14), 3),
]  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds (median reported)")
    args = p.parse_args()
    torch.manual_seed(0)
    print(f"threads {torch.get_num_threads()}", flush=True)
    for label, parent, fast, conf, batch, in_shape, reps in CASES:
        # The image (one channel) needs no gradient: a first layer is timed as training runs it.
        compare(label, parent(*conf), fast(*conf), batch, in_shape, reps, args.rounds, input_grad=in_shape[0] > 1)


if __name__ == "__main__":
    vaelib.restart_with_openmp_spin()
    main()
