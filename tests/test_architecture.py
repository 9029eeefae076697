"""Imports run one way: faces → core (core, retraining, serving, environments) → converters.

See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FACES = (
    "jupyter_mlops.server",
    "jupyter_mlops.widgets",
    "jupyter_mlops.cli",
    "jupyter_mlops.notebook_run",
    "jupyter_mlops.hub",
)
LAYERS: dict[str, tuple[str, ...]] = {
    # folder: module prefixes it must never import
    "converters": ("jupyter_mlops",),
    "jupyter_mlops/core": (
        *FACES,
        "jupyter_mlops.retraining",
        "jupyter_mlops.serving",
        "jupyter_mlops.environments",
    ),
    "jupyter_mlops/retraining": FACES,
    "jupyter_mlops/serving": FACES,
    "jupyter_mlops/environments": FACES,
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, lazy imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_no_import_runs_back_up(folder: str) -> None:
    forbidden = LAYERS[folder]
    backward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, module in imported_modules(path)
        if any(module == prefix or module.startswith(f"{prefix}.") for prefix in forbidden)
    ]
    assert backward == []


def test_the_rule_sees_a_backward_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from jupyter_mlops.server import handlers\n")
    assert imported_modules(probe) == [(2, "jupyter_mlops.server")]
