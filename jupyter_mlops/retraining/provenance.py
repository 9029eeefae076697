"""Where a run's code came from: git commit of the folder, output locations for executed notebooks."""

from __future__ import annotations

import os
import time
from pathlib import Path

from converters.git_query import git_output

OUTPUT_DIR_ENV = "JUPYTER_MLOPS_OUTPUT_DIR"


def git_commit(path: Path) -> str | None:
    """HEAD's commit of the git work tree holding `path`, or None outside git."""
    return git_output(path, "rev-parse", "HEAD")


def default_output_dir() -> Path:
    """Where executed notebooks are kept: $JUPYTER_MLOPS_OUTPUT_DIR, else ~/.cache/jupyter-mlops/runs."""
    configured = os.environ.get(OUTPUT_DIR_ENV)
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "jupyter-mlops" / "runs"


def timestamp() -> str:
    """UTC time for file and run names: 20261123-161500."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())
