"""Run a package nb2prod generated, in a fresh interpreter, and see what it touched (for the safety tests)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

# Imports the package, checks the values it baked in against the expected ones (pickled: floats like
# inf survive), builds its command line, and runs the steps through main(["--no-mlflow"]).
RUNNER = """
import importlib, pickle, sys
package, expected_file = sys.argv[1], sys.argv[2]
with open(expected_file, "rb") as handle:
    expected = pickle.load(handle)
module = importlib.import_module(package)
pipeline = importlib.import_module(package + ".pipeline")
importlib.import_module(package + ".steps")
for name, value in expected.items():
    found = getattr(pipeline, name)
    assert found == value, f"{name}: {found!r} != {value!r}"
pipeline.build_parser().format_help()
sys.exit(module.main(["--no-mlflow"]))
"""


def files_under(root: Path) -> set[str]:
    """Every file and directory below `root`, as relative paths."""
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def run_generated(
    out_dir: Path, package: str, expected: dict[str, object] | None = None
) -> subprocess.CompletedProcess[str]:
    """`import PACKAGE` and run its steps without MLflow, from OUTDIR, writing no bytecode."""
    expected_file = out_dir.parent / "expected.pickle"
    expected_file.write_bytes(pickle.dumps(expected or {}))
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(out_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(out_dir.parent),
    }
    try:
        return subprocess.run(
            [sys.executable, "-c", RUNNER, package, str(expected_file)],
            cwd=out_dir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        expected_file.unlink()
