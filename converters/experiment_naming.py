"""The notebook → MLflow experiment naming rule, shared by every part.

It lives at the bottom layer because nb2prod bakes the name into the packages it writes; the core
(`jupyter_mlops.core.experiments`) hands it on to the panel, `start_run()` and `jupyter-mlops run`, so the
side panel shows a notebook's runs together whichever part logged them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from converters.errors import ConversionError
from converters.git_query import git_output

METADATA_KEY = "jupyter_mlops"
EXPERIMENT_METADATA_FIELD = "experiment"


def project_root(path: Path) -> Path | None:
    """Return the git work tree that holds `path`, or None outside git."""
    top = git_output(path, "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


class NotebookMetadataError(ConversionError):
    """The notebook's `jupyter_mlops` metadata is not `{"experiment": NAME}` (one-line message)."""


def metadata_experiment(metadata: dict[str, Any] | None) -> str | None:
    """The experiment named in the notebook metadata, or None; NotebookMetadataError when malformed."""
    section = (metadata or {}).get(METADATA_KEY)
    if section is None:
        return None
    if not isinstance(section, dict):
        raise NotebookMetadataError(
            f'notebook metadata {METADATA_KEY!r} must be an object like {{"experiment": "NAME"}}, '
            f"not {section!r:.60}"
        )
    name = section.get(EXPERIMENT_METADATA_FIELD)
    if name is None:
        return None
    if not isinstance(name, str):
        raise NotebookMetadataError(
            f"notebook metadata {METADATA_KEY}.{EXPERIMENT_METADATA_FIELD} must be a string, not {name!r:.60}"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise NotebookMetadataError(
            f"notebook metadata {METADATA_KEY}.{EXPERIMENT_METADATA_FIELD} is not valid Unicode "
            "(a lone surrogate); MLflow cannot store it"
        ) from None
    return name.strip() or None


def experiment_override(metadata: Any) -> str | None:
    """The experiment the notebook metadata names, ignoring metadata of another shape (kernel-side callers;
    nb2prod, `run` and the server refuse it instead, with `metadata_experiment`)."""
    try:
        return metadata_experiment(metadata if isinstance(metadata, dict) else None)
    except NotebookMetadataError:
        return None


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
    override = experiment_override(metadata)
    if override is not None:
        return override
    path = Path(notebook_path).resolve()
    base = Path(root).resolve() if root is not None else project_root(path)
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.name
