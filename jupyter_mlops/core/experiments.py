"""Which MLflow experiment and store a notebook's runs belong to — one rule shared by every part.

The panel, `jupyter_mlops.start_run()`, `jupyter-mlops run` and the packages nb2prod writes all log a
notebook's runs to the same experiment (the rule itself is `converters.experiment_naming`, since nb2prod
bakes it into the packages it writes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from converters.experiment_naming import (
    EXPERIMENT_METADATA_FIELD,
    METADATA_KEY,
    experiment_name_for,
    experiment_override,
    project_root,
)

__all__ = [
    "DEFAULT_STORE_FILE",
    "EXPERIMENT_METADATA_FIELD",
    "METADATA_KEY",
    "default_tracking_uri",
    "experiment_name_for",
    "experiment_override",
    "notebook_metadata",
    "project_root",
]

DEFAULT_STORE_FILE = "mlflow.db"


def default_tracking_uri(folder: str | os.PathLike[str] | None = None) -> str:
    """`MLFLOW_TRACKING_URI` if set, else the embedded SQLite store `mlflow.db` in `folder` (or cwd)."""
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    base = Path(folder) if folder is not None else Path.cwd()
    return f"sqlite:///{(base / DEFAULT_STORE_FILE).resolve()}"


def notebook_metadata(path: Path) -> dict[str, Any]:
    """The metadata of a notebook file on disk (empty for non-notebook files or unreadable JSON).

    For kernel-side callers (`start_run()`, the widget), which run beside the file; the server reads
    notebooks through its contents manager instead.
    """
    if path.suffix != ".ipynb":
        return {}
    try:
        with path.open(encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return {}
    metadata = document.get("metadata") if isinstance(document, dict) else None
    return metadata if isinstance(metadata, dict) else {}
