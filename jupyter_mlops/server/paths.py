"""Notebook paths from requests: API paths inside the Jupyter root, read through the server's contents
manager (so any contents manager works, not only files on disk); path → experiment name."""

from __future__ import annotations

import posixpath
import typing
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from tornado.web import HTTPError

from jupyter_mlops.core.errors import BadRequest, NotFound
from jupyter_mlops.core.experiments import EXPERIMENT_METADATA_FIELD, METADATA_KEY, experiment_override

if typing.TYPE_CHECKING:
    from jupyter_server.services.contents.manager import ContentsManager


def api_path(relative: str | None, field: str = "notebook") -> str:
    """The normalised contents-API path of `relative`; BadRequest when it is absolute or leaves the root."""
    if relative is None or not relative.strip():
        raise BadRequest(f"{field} (a path relative to the Jupyter root) is required.")
    cleaned = relative.strip().replace("\\", "/")
    label = f"{field.capitalize()} path"
    if cleaned.startswith("/") or Path(cleaned).is_absolute() or "\x00" in cleaned:
        raise BadRequest(f"{label} {relative!r} must be relative to the Jupyter root.")
    normalised = posixpath.normpath(cleaned)
    if normalised == ".." or normalised.startswith("../"):
        raise BadRequest(f"{label} {relative!r} points outside the Jupyter root; refused.")
    return normalised


def disk_root(contents_manager: ContentsManager) -> Path:
    """The folder on disk the contents manager serves (resolved); BadRequest for a manager that keeps
    notebooks elsewhere (nb2prod reads and writes files)."""
    root = getattr(contents_manager, "root_dir", None)
    if not hasattr(contents_manager, "_get_os_path") or not root:
        raise BadRequest(
            "Convert to Production reads and writes files on the server's disk; this server's contents "
            f"manager ({type(contents_manager).__name__}) keeps notebooks elsewhere. Download the notebook "
            "and run nb2prod on it."
        )
    return Path(root).resolve()


def os_path_in_root(root: Path, path: str, field: str) -> Path:
    """The file-system path of API `path` under `root`, symlinks resolved; BadRequest when a symlink
    leads out of the root."""
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root):
        raise BadRequest(f"{field.capitalize()} path {path!r} points outside the Jupyter root; refused.")
    return resolved


async def require_notebook(contents_manager: ContentsManager, path: str) -> None:
    """NotFound unless the contents manager has a file at API `path`."""
    try:
        is_file = await ensure_async(contents_manager.file_exists(path))
    except HTTPError:
        is_file = False
    if not is_file:
        raise NotFound(f"Notebook {path!r} does not exist under the Jupyter root.")


async def notebook_file(contents_manager: ContentsManager, path: str) -> Path:
    """The file on disk of the notebook at API `path` (NotFound when missing)."""
    root = disk_root(contents_manager)
    await require_notebook(contents_manager, path)
    return os_path_in_root(root, path, "notebook")


def checked_metadata(metadata: Any, notebook: str) -> dict[str, Any]:
    """The notebook's metadata, BadRequest when its `jupyter_mlops` section has the wrong shape."""
    if not isinstance(metadata, dict):
        return {}
    section = metadata.get(METADATA_KEY)
    example = f'{{"{METADATA_KEY}": {{"{EXPERIMENT_METADATA_FIELD}": "team/name"}}}}'
    if section is not None and not isinstance(section, dict):
        raise BadRequest(
            f"Notebook {notebook!r}: metadata {METADATA_KEY!r} must be an object like {example}; "
            f"got {section!r}."
        )
    name = (section or {}).get(EXPERIMENT_METADATA_FIELD)
    if name is not None and not isinstance(name, str):
        raise BadRequest(
            f"Notebook {notebook!r}: metadata {METADATA_KEY}.{EXPERIMENT_METADATA_FIELD} must be a string "
            f"(the experiment name); got {name!r}."
        )
    return metadata


async def read_notebook_metadata(contents_manager: ContentsManager, path: str) -> dict[str, Any]:
    """The top-level metadata of the notebook at API `path` (empty for other files or unreadable JSON)."""
    await require_notebook(contents_manager, path)
    if not path.endswith(".ipynb"):
        return {}
    try:
        model = await ensure_async(contents_manager.get(path, content=True, type="notebook"))
    except HTTPError as error:
        if error.status_code == 404:
            raise NotFound(f"Notebook {path!r} does not exist under the Jupyter root.") from None
        return {}  # not valid notebook JSON: named after its path, as before
    content = model.get("content")
    return checked_metadata(content.get("metadata") if isinstance(content, dict) else None, path)


async def notebook_experiment_name(contents_manager: ContentsManager, relative: str) -> str:
    """The experiment name of a notebook given relative to the root (its metadata override wins)."""
    path = api_path(relative)
    metadata = await read_notebook_metadata(contents_manager, path)
    # `experiment_name_for`'s rule, with the API path as the path relative to the Jupyter root
    return experiment_override(metadata) or path
