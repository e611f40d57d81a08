"""vaelib: Variational Autoencoders on MNIST and Fashion-MNIST, measured honestly."""

import os

# OpenMP worker threads that go to sleep between the many small parallel regions of a training step pay a
# wake-up latency every time (about 25% of an MLP step at batch 128 on 2 cores). A bounded spin keeps them
# awake for a few milliseconds, then they sleep, so an idle process does not burn a core. libgomp reads this
# when torch is first imported: import vaelib before torch for it to apply. An explicit setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "10000000")

# glibc serves every allocation above its mmap threshold (at most 32 MiB, adapted as it goes) with fresh pages
# and unmaps them on free: a conv VAE at batch 512 allocates activations of ~50 MB each step, so each step faulted
# in ~100k pages again (a fifth of seed 000's epoch spent in the kernel). Raising the threshold above any tensor
# the report allocates, and never trimming the heap, keeps freed memory for the next step; results are
# bit-identical (only where memory comes from changes). Applied at import, whatever started Python (CLI,
# papermill, nbconvert, JupyterLab, benchmarks); VAELIB_MALLOC=system keeps glibc's defaults.
MALLOC_SETTINGS = {"M_MMAP_THRESHOLD": 1 << 30, "M_TRIM_THRESHOLD": 1 << 30, "M_TOP_PAD": 64 << 20}
_MALLOPT_PARAMS = {"M_TRIM_THRESHOLD": -1, "M_TOP_PAD": -2, "M_MMAP_THRESHOLD": -3}  # glibc's <malloc.h>


def keep_freed_memory() -> dict[str, int]:
    """Apply MALLOC_SETTINGS with glibc's mallopt; returns what was applied ({} off glibc or when opted out)."""
    if os.environ.get("VAELIB_MALLOC", "keep") == "system":
        return {}
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt): its allocator as it is
        return {}
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return {k: v for k, v in MALLOC_SETTINGS.items() if mallopt(_MALLOPT_PARAMS[k], v) == 1}


MALLOC_APPLIED = keep_freed_memory()


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
