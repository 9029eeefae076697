"""The route table: every endpoint of the contract → its handler, under `<base_url>jupyter-mlops/`."""

from __future__ import annotations

import typing
from typing import Any

from jupyter_server.utils import url_path_join

from jupyter_mlops.core.contract import API_NAMESPACE, ENDPOINTS
from jupyter_mlops.server import handlers

if typing.TYPE_CHECKING:
    from jupyter_mlops.server.extension import JupyterMLOps

RUN_ID_PATTERN = r"(?P<run_id>[^/]+)"

HANDLERS: dict[str, type[handlers.MLOpsHandler]] = {
    "config": handlers.ConfigHandler,
    "experiments": handlers.ExperimentsHandler,
    "experiment": handlers.NotebookExperimentHandler,
    "runs": handlers.RunsHandler,
    "runs/{run_id}": handlers.RunHandler,
    "runs/{run_id}/metric-history": handlers.MetricHistoryHandler,
    "runs/{run_id}/artifacts": handlers.ArtifactsHandler,
    "compare": handlers.CompareHandler,
    "registered-models": handlers.RegisteredModelsHandler,
    "registered-models/versions": handlers.ModelVersionsHandler,
    "register": handlers.RegisterHandler,
    "aliases": handlers.AliasesHandler,
    "permissions": handlers.PermissionsHandler,
}


def route_pattern(base_url: str, path: str) -> str:
    """The tornado URL pattern of one contract path (`{run_id}` becomes a named group)."""
    return url_path_join(base_url, API_NAMESPACE, path.replace("{run_id}", RUN_ID_PATTERN)) + "/?$"


def route_table(base_url: str, extension: JupyterMLOps) -> list[tuple[str, type, dict[str, Any]]]:
    """Every route with its handler and the handler's init arguments."""
    paths = list(dict.fromkeys(endpoint.path for endpoint in ENDPOINTS))
    missing = [path for path in paths if path not in HANDLERS]
    if missing:
        raise RuntimeError(f"contract paths without a handler: {missing}")
    return [(route_pattern(base_url, path), HANDLERS[path], {"extension": extension}) for path in paths]
