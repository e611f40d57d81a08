"""One writer per run directory: real processes race for a run, a killed holder frees it, a diverged run says what
it left (synthetic data)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from filelock import FileLock
from helpers import run_config

from vaelib.errors import TrainingDiverged
from vaelib.io import LOCK_FILES, exclusive
from vaelib.runs import run_dir_for, train_run
from vaelib.train import Callback

TESTS = Path(__file__).parent

# A process that asks the run cache for the tiny run, slowly (a second per epoch), and says where its run came from.
RACER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from conftest import tiny_mnist_spec
    from helpers import run_config
    from vaelib import data
    from vaelib.runs import get_or_train
    from vaelib.train import Callback

    data.DATASETS["mnist"] = tiny_mnist_spec()[0]

    class Slow(Callback):
        epochs = 0

        def on_epoch_end(self, trainer, row):
            Slow.epochs += 1
            time.sleep(1.0)

    run = get_or_train(run_config(), {runs!r}, {root!r}, quiet=True, callbacks=[Slow()])
    print("run of", run.metrics["epochs"], "epochs, trained here:", Slow.epochs)
    """
)


def _spawn(script: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def test_two_processes_race_for_one_run_and_exactly_one_trains(tiny_root, tmp_path):
    root, _ = tiny_root
    runs = tmp_path / "runs"
    run_dir = run_dir_for(run_config(), runs)
    script = RACER.format(tests=str(TESTS), runs=str(runs), root=str(root))
    first = _spawn(script)
    _wait_for(run_dir / LOCK_FILES[1])  # the first holds the lock: the second must wait for it
    second = _spawn(script)
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert out1.strip() == "run of 2 epochs, trained here: 2"
    assert f"waiting for {run_dir.name}: trained by pid {first.pid}" in err2
    assert out2.strip() == "run of 2 epochs, trained here: 0"  # loaded the finished run from the cache
    history = (run_dir / "history.csv").read_text().splitlines()
    assert len(history) == 3  # header and two epochs: nothing trained twice


def test_a_holder_killed_with_sigkill_releases_the_lock(tmp_path):
    folder = tmp_path / "run"
    holder = _spawn(
        f"import sys, time; sys.path.insert(0, {str(TESTS)!r})\n"
        "from vaelib.io import exclusive\n"
        f"with exclusive({str(folder)!r}):\n    print('held', flush=True); time.sleep(600)\n"
    )
    assert holder.stdout.readline().strip() == "held"
    lock = FileLock(folder / LOCK_FILES[0])
    with pytest.raises(Exception, match="could not be acquired"):  # held: a try gives up
        lock.acquire(timeout=0.2)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    lock.acquire(timeout=5)  # the OS dropped the dead holder's lock: no stale lock
    lock.release()


def test_exclusive_is_reentrant_in_one_process(tmp_path):
    with exclusive(tmp_path / "run"), exclusive(tmp_path / "run"):  # a locked caller that locks again
        assert (tmp_path / "run" / LOCK_FILES[1]).read_text().startswith(f"trained by pid {os.getpid()}")


class PoisonAt(Callback):
    """Fill the weights with NaN after optimizer step `step` (or after epoch `epoch`, its checkpoint written): the
    next step's loss is not finite."""

    def __init__(self, step: int | None = None, epoch: int | None = None):
        self.step, self.epoch = step, epoch

    def poison(self, trainer) -> None:
        with torch.no_grad():
            for p in trainer.model.parameters():
                p.fill_(float("nan"))

    def on_step_end(self, trainer, step, loss):
        if step == self.step:
            self.poison(trainer)

    def on_epoch_end(self, trainer, row):
        if row["epoch"] == self.epoch:
            self.poison(trainer)


def test_a_run_diverging_in_its_first_epoch_names_only_files_that_exist(tiny_root, tmp_path):
    root, _ = tiny_root
    cfg = run_config()  # 30 images at batch 16: two steps an epoch
    out = tmp_path / "run"
    with pytest.raises(TrainingDiverged) as e:
        train_run(cfg, out, root, quiet=True, callbacks=[PoisonAt(1)])
    msg = str(e.value)
    assert "at step 2 of 2 in epoch 1" in msg  # the first non-finite step, not the end of the epoch
    assert not (out / "checkpoint.pt").exists() and "no checkpoint was written" in msg and "kept" not in msg
    assert msg.endswith(f"{out} holds config.json")


def test_a_run_diverging_later_points_at_its_last_good_checkpoint(tiny_root, tmp_path):
    root, _ = tiny_root
    out = tmp_path / "run"
    with pytest.raises(TrainingDiverged) as e:
        train_run(run_config(), out, root, quiet=True, callbacks=[PoisonAt(epoch=1)])
    msg = str(e.value)
    assert "at step 1 of 2 in epoch 2" in msg
    assert f"the last good checkpoint (epoch 1) is kept at {out / 'checkpoint.pt'}" in msg
    assert msg.endswith("holds checkpoint.pt, config.json, history.csv")
