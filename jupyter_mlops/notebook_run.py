"""`jupyter_mlops.start_run()`: inside a notebook, open an MLflow run in the notebook's own experiment.

The kernel learns its notebook from Jupyter — the `JPY_SESSION_NAME` variable jupyter_server gives kernels it
starts, else the server's /api/sessions asked with this kernel's id — and logs to the same store as the
server's MLOps panel (the extension exports it to kernels), so `mlflow.log_*` calls show up in the panel.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

KERNEL_ID_PATTERN = re.compile(r"kernel-([0-9a-fA-F-]+)\.json$")
NOTEBOOK_TAG = "jupyter_mlops.notebook"


class NotebookPathUnknown(RuntimeError):
    """This kernel cannot tell which notebook it runs."""


def current_kernel_id() -> str | None:
    """This kernel's id (from its connection file name), or None outside a Jupyter kernel."""
    try:
        from ipykernel.connect import get_connection_file

        match = KERNEL_ID_PATTERN.search(get_connection_file())
    except Exception:  # not inside an ipykernel (plain python, tests)
        return None
    return match.group(1) if match else None


def running_servers() -> list[dict[str, Any]]:
    """The jupyter servers on this machine (from their runtime files)."""
    from jupyter_server.serverapp import list_running_servers

    return list(list_running_servers())


def path_from_servers(
    kernel_id: str, servers: Iterable[Mapping[str, Any]], timeout: float = 5.0
) -> Path | None:
    """Ask each server's /api/sessions which notebook runs `kernel_id`; its absolute path, or None."""
    for server in servers:
        url = str(server.get("url", "")).rstrip("/") + "/api/sessions"
        request = urllib.request.Request(url, headers={"Authorization": f"token {server.get('token', '')}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                sessions = json.load(response)
        except (OSError, ValueError):
            continue
        for session in sessions:
            if (session.get("kernel") or {}).get("id") == kernel_id and session.get("path"):
                return Path(str(server.get("root_dir", ""))).joinpath(session["path"]).resolve()
    return None


def find_notebook_path(servers: Iterable[Mapping[str, Any]] | None = None) -> Path:
    """The path of the notebook this kernel runs; NotebookPathUnknown when Jupyter cannot say."""
    from_env = os.environ.get("JPY_SESSION_NAME")
    if from_env and Path(from_env).is_file():
        return Path(from_env).resolve()
    kernel_id = current_kernel_id()
    if kernel_id is not None:
        found = path_from_servers(kernel_id, running_servers() if servers is None else servers)
        if found is not None:
            return found
    raise NotebookPathUnknown(
        "jupyter_mlops.start_run() could not tell which notebook this kernel runs (no JPY_SESSION_NAME, and "
        "no Jupyter server knows this kernel). Pass it: start_run(notebook_path='path/to/notebook.ipynb')."
    )


def _metadata(path: Path) -> dict[str, Any]:
    from jupyter_mlops.core.experiments import notebook_metadata

    return notebook_metadata(path)


def start_run(
    notebook_path: str | os.PathLike[str] | None = None,
    *,
    experiment_name: str | None = None,
    tags: dict[str, str] | None = None,
    **start_run_kwargs: Any,
) -> Any:
    """Open an MLflow run in this notebook's experiment (same store and name as the MLOps panel).

    Use as `with jupyter_mlops.start_run(): ...`; extra keyword arguments go to `mlflow.start_run`.
    """
    import mlflow

    from jupyter_mlops.core.experiments import default_tracking_uri, experiment_name_for

    path = Path(notebook_path).resolve() if notebook_path else find_notebook_path()
    root_text = os.environ.get("JUPYTER_MLOPS_ROOT_DIR")
    root = Path(root_text).resolve() if root_text else None
    tracking_uri = os.environ.get("JUPYTER_MLOPS_TRACKING_URI") or default_tracking_uri(root or path.parent)
    mlflow.set_tracking_uri(tracking_uri)
    registry_uri = os.environ.get("JUPYTER_MLOPS_REGISTRY_URI")
    if registry_uri:
        mlflow.set_registry_uri(registry_uri)
    name = experiment_name or experiment_name_for(path, _metadata(path), root=root)
    experiment = mlflow.set_experiment(name)
    relative = path.relative_to(root).as_posix() if root is not None and root in path.parents else str(path)
    run_tags = {"mlflow.source.name": str(path), "mlflow.source.type": "NOTEBOOK", NOTEBOOK_TAG: relative}
    run_tags.update(tags or {})
    return mlflow.start_run(experiment_id=experiment.experiment_id, tags=run_tags, **start_run_kwargs)
