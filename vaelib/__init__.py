"""vaelib: Variational Autoencoders on MNIST and Fashion-MNIST, measured honestly."""

import os

# OpenMP worker threads that go to sleep between the many small parallel regions of a training step pay a
# wake-up latency every time (about 25% of an MLP step at batch 128 on 2 cores). A bounded spin keeps them
# awake for a few milliseconds, then they sleep, so an idle process does not burn a core. libgomp reads this
# when torch is first imported: import vaelib before torch for it to apply. An explicit setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "10000000")


def restart_with_openmp_spin() -> None:
    """Re-execute this script if it started without GOMP_SPINCOUNT and torch loaded before vaelib could set it.

    For scripts that import torch first (the benchmarks): without the spin their timings would be of a slower
    configuration than the one vaelib's CLI, notebooks and `make` targets run with."""
    import sys

    try:
        with open("/proc/self/environ", "rb") as f:
            started_with_spin = any(v.startswith(b"GOMP_SPINCOUNT=") for v in f.read().split(b"\0"))
    except OSError:  # not Linux: nothing to check
        return
    if not started_with_spin and "torch" in sys.modules:
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # inherits os.environ, spin included


__version__ = "0.1.0"
