"""Which MLflow experiment and store a notebook's runs belong to — one rule shared by every part.

The panel, `jupyter_mlops.start_run()`, `jupyter-mlops run` and the packages nb2prod writes all log a
notebook's runs to the same experiment (the rule itself is `converters.experiment_naming`, since nb2prod
bakes it into the packages it writes).
"""

from __future__ import annotations

import os
from pathlib import Path

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
