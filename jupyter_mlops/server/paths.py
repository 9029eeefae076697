"""Notebook paths from requests: relative to the Jupyter root, never escaping it; path → experiment name."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jupyter_mlops.core.errors import BadRequest, NotFound
from jupyter_mlops.core.experiments import experiment_name_for


def resolve_in_root(root_dir: str | os.PathLike[str], relative: str | None) -> Path:
    """The real path of `relative` inside the Jupyter root; BadRequest when it would leave the root."""
    if relative is None or not relative.strip():
        raise BadRequest("notebook (a path relative to the Jupyter root) is required.")
    cleaned = relative.strip().replace("\\", "/")
    if cleaned.startswith("/") or Path(cleaned).is_absolute() or "\x00" in cleaned:
        raise BadRequest(f"Notebook path {relative!r} must be relative to the Jupyter root.")
    root = Path(root_dir).resolve()
    candidate = (root / cleaned).resolve()
    if candidate != root and root not in candidate.parents:
        raise BadRequest(f"Notebook path {relative!r} points outside the Jupyter root; refused.")
    return candidate


def notebook_metadata(path: Path) -> dict[str, Any]:
    """The notebook's top-level metadata (empty for non-notebook files or unreadable JSON)."""
    if path.suffix != ".ipynb":
        return {}
    try:
        with path.open(encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return {}
    metadata = document.get("metadata") if isinstance(document, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def notebook_experiment_name(root_dir: str | os.PathLike[str], relative: str) -> str:
    """The experiment name of a notebook given relative to the root (its metadata override wins)."""
    path = resolve_in_root(root_dir, relative)
    if not path.is_file():
        raise NotFound(f"Notebook {relative!r} does not exist under the Jupyter root.")
    return experiment_name_for(path, notebook_metadata(path), root=Path(root_dir).resolve())
