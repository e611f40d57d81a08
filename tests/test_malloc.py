"""vaelib keeps freed memory instead of returning it to the OS (glibc's mallopt at import): applied in a fresh
process however Python started, measurably fewer page faults, and the same weights as glibc's defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import vaelib

TESTS = Path(__file__).parent
pytestmark = pytest.mark.skipif(not vaelib.MALLOC_APPLIED and sys.platform == "linux", reason="not glibc")

# A fresh process: import vaelib, then train seed 000's conv VAE for a few steps at batch 512 on noise (its
# activations, some 50 MB each, are what glibc maps afresh each step by default); print what was applied and the
# minor page faults per step after a warm-up step.
FAULTS = """
import resource, vaelib, torch
from vaelib.losses import Objective, ObjectiveConfig
from vaelib.models import ConvConfig, build_model
from vaelib.train import OptimConfig, Trainer
torch.manual_seed(0)
x = torch.rand(1024, 1, 28, 28)
tr = Trainer(build_model(ConvConfig(latent_dim=2)), Objective(ObjectiveConfig()), x[:512], None,
             OptimConfig(batch_size=512), device="cpu", quiet=True)
tr.train_epoch()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
tr.train_x = x
tr.steps_per_epoch = 2
tr.train_epoch()
print(sorted(vaelib.MALLOC_APPLIED), (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 2)
"""

# A fresh process trains the tiny trainer of tests/helpers.py and prints a digest of its final weights.
WEIGHTS = f"""
import sys, hashlib
sys.path.insert(0, {str(TESTS)!r})
import vaelib
from helpers import tiny_trainer
tr = tiny_trainer(epochs=2)
tr.fit()
h = hashlib.sha256()
for k, v in sorted(tr.model.state_dict().items()):
    h.update(v.numpy().tobytes())
print(h.hexdigest())
"""


def _python(code: str, **env: str) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "VAELIB_MALLOC"} | env
    return subprocess.run([sys.executable, "-c", code], env=full_env, check=True, capture_output=True, text=True).stdout


def test_a_fresh_process_keeps_freed_memory_and_faults_far_less():
    applied, kept_faults = _python(FAULTS).rsplit(maxsplit=1)
    assert applied == str(sorted(vaelib.MALLOC_SETTINGS))
    default_applied, default_faults = _python(FAULTS, VAELIB_MALLOC="system").rsplit(maxsplit=1)
    assert default_applied == "[]"
    # glibc's defaults map the large activations afresh every step (some 100k pages of 4 KiB); kept memory is reused
    # (a fifth of that in the second and third steps, none once warm: 262 per step over a 24-step epoch)
    assert int(default_faults) > 20_000 and int(kept_faults) < int(default_faults) / 3


def test_results_are_bit_identical_with_and_without_the_setting():
    assert _python(WEIGHTS) == _python(WEIGHTS, VAELIB_MALLOC="system")
