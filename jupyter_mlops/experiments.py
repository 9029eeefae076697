"""Which MLflow experiment and store a notebook's runs belong to — one rule shared by every part.

The panel, `jupyter_mlops.start_run()`, `jupyter-mlops run` and the packages nb2prod writes all log a
notebook's runs to the same experiment, so the side panel shows them together.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_mlops.git_query import git_output

METADATA_KEY = "jupyter_mlops"
EXPERIMENT_METADATA_FIELD = "experiment"
DEFAULT_STORE_FILE = "mlflow.db"


def project_root(path: Path) -> Path | None:
    """Return the git work tree that holds `path`, or None outside git."""
    top = git_output(path, "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


def experiment_name_for(
    notebook_path: str | os.PathLike[str],
    metadata: dict[str, Any] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> str:
    """Name of the notebook's experiment.

    The notebook metadata `{"jupyter_mlops": {"experiment": NAME}}` wins; otherwise the notebook's path
    relative to `root` (the Jupyter root), else to its git work tree, else its bare file name — as
    Databricks names a notebook's experiment after its workspace path.
    """
    override = ((metadata or {}).get(METADATA_KEY) or {}).get(EXPERIMENT_METADATA_FIELD)
    if isinstance(override, str) and override.strip():
        return override.strip()
    path = Path(notebook_path).resolve()
    base = Path(root).resolve() if root is not None else project_root(path)
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.name


def default_tracking_uri(folder: str | os.PathLike[str] | None = None) -> str:
    """`MLFLOW_TRACKING_URI` if set, else the embedded SQLite store `mlflow.db` in `folder` (or cwd)."""
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    base = Path(folder) if folder is not None else Path.cwd()
    return f"sqlite:///{(base / DEFAULT_STORE_FILE).resolve()}"
