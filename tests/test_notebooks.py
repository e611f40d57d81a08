"""The notebooks as a reader opens them: JupyterLab on the project's kernel, the parameters cell's profile."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from vaelib.notebooks import KERNEL, ensure_kernel, notebook_paths

ROOT = Path(__file__).parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_every_notebook_names_the_vaelib_kernel_and_reads_its_profile_from_the_environment():
    spec = json.loads((ensure_kernel() / "kernel.json").read_text())
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()  # the venv's Python
    for path in notebook_paths(ROOT):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == KERNEL, path.name
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert 'os.environ.get("VAELIB_PROFILE", "full")' in params.source, path.name
        # an injected `PROFILE = "full"` cell would override $VAELIB_PROFILE (nbconvert would run the full profile)
        assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name


@pytest.mark.slow
def test_lab_starts_on_its_port_with_the_notebooks_and_the_kernel_then_stops(tmp_path):
    port, token = _free_port(), "vaelib-test-token"
    env = {**os.environ, "JUPYTER_TOKEN": token, "VAELIB_ROOT": str(ROOT), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaelib", "lab", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status = _get(f"{base}/status?token={token}")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.poll() is not None else ""
                    pytest.fail(f"JupyterLab did not answer on port {port}: {out[-2000:]}")
                time.sleep(0.5)
        assert "started" in status
        specs = _get(f"{base}/kernelspecs?token={token}")["kernelspecs"]
        assert Path(specs[KERNEL]["spec"]["argv"][0]).resolve() == Path(sys.executable).resolve()
        contents = {item["name"] for item in _get(f"{base}/contents?token={token}")["content"]}
        assert {p.name for p in notebook_paths(ROOT)} <= contents  # the notebooks folder is the lab's root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with pytest.raises(OSError):  # stopped: nothing answers any more
        _get(f"{base}/status?token={token}")


def test_provenance_records_each_notebooks_machine_and_keeps_the_others(tmp_path):
    from vaelib.notebooks import record_provenance

    record_provenance(tmp_path, "03_latent_2d", "machine A")
    record_provenance(tmp_path, "04_beta")  # this machine
    facts = json.loads((tmp_path / "provenance.json").read_text())
    assert facts["03_latent_2d"] == "machine A" and "logical cores" in facts["04_beta"]
    md = (tmp_path / "provenance.md").read_text()
    assert md.index("03_latent_2d") < md.index("04_beta") and "machine A" in md
