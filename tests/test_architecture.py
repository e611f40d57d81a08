"""The library's shape: imports flow one way, from the bottom layer up, with no cycle (not even inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vaelib
from vaelib.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    IncompleteRunError,
    RunConflictError,
    TrainingDiverged,
    VaelibError,
)

PACKAGE = Path(vaelib.__file__).parent

# Lowest first. A module may import modules of its own layer or below, never above.
LAYERS = [
    {"errors", "io", "device", "config_check", "timing"},  # the bottom: imports nothing of vaelib but itself
    {"data", "layers", "plots"},
    {"models", "losses"},
    {"train", "classifier", "sharp", "metrics", "callbacks"},
    {"runs", "latent"},
    {"evaluate", "experiments", "claims", "findings", "rubrics"},
    {"report", "explorer"},
    {"measures", "notebooks", "pool"},
    {"cli_train", "cli", "__main__", "__init__"},
]
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def vaelib_imports(path: Path) -> set[str]:
    """Every vaelib module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "vaelib":
            if node.module == "vaelib":
                found |= {a.name for a in node.names}  # from vaelib import data, report
            else:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("vaelib.")}
    return found


GRAPH = {p.stem: vaelib_imports(p) for p in PACKAGE.glob("*.py")}
for _sub in (d for d in PACKAGE.iterdir() if (d / "__init__.py").exists()):  # a subpackage counts as one module
    GRAPH[_sub.name] = set().union(*(vaelib_imports(p) for p in _sub.glob("*.py"))) - {_sub.name}


def test_every_module_has_a_layer():
    assert set(GRAPH) == set(RANK), "place new modules in LAYERS (and remove deleted ones)"


def test_imports_flow_downward():
    upward = [f"{m} (layer {RANK[m]}) imports {d} (layer {RANK[d]})" for m, deps in GRAPH.items() for d in deps
              if RANK[d] > RANK[m]]  # fmt: skip
    assert upward == []


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(GRAPH[m] - {m}):
            if state.get(d) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path[path.index(d) :], d]))
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])


def test_the_bottom_layer_imports_nothing_above_it():
    for m in LAYERS[0]:
        assert GRAPH[m] <= LAYERS[0], f"{m} imports {GRAPH[m] - LAYERS[0]}"


def test_one_error_family_keeps_the_builtin_bases():
    for cls in (ConfigError, DataError, CheckpointError, TrainingDiverged, RunConflictError, IncompleteRunError):
        assert issubclass(cls, VaelibError)
    # callers that caught the built-in types keep working
    assert issubclass(ConfigError, ValueError) and issubclass(CheckpointError, ValueError)
    assert issubclass(TrainingDiverged, RuntimeError) and issubclass(IncompleteRunError, RuntimeError)
