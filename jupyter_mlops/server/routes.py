"""The route table: every endpoint of the contract → its handler, under `<base_url>jupyter-mlops/`
(jupyter_server prefixes base_url when the extension app declares the table as its handlers)."""

from __future__ import annotations

from jupyter_server.utils import url_path_join

from jupyter_mlops.core.contract import API_NAMESPACE, ENDPOINTS
from jupyter_mlops.server import handlers

RUN_ID_PATTERN = r"(?P<run_id>[^/]+)"

HANDLERS: dict[str, type[handlers.MLOpsHandler]] = {
    "config": handlers.ConfigHandler,
    "experiments": handlers.ExperimentsHandler,
    "experiment": handlers.NotebookExperimentHandler,
    "runs": handlers.RunsHandler,
    "runs/{run_id}": handlers.RunHandler,
    "runs/{run_id}/metric-history": handlers.MetricHistoryHandler,
    "runs/{run_id}/artifacts": handlers.ArtifactsHandler,
    "runs/{run_id}/drift-report": handlers.DriftReportHandler,
    "compare": handlers.CompareHandler,
    "registered-models": handlers.RegisteredModelsHandler,
    "registered-models/versions": handlers.ModelVersionsHandler,
    "register": handlers.RegisterHandler,
    "aliases": handlers.AliasesHandler,
    "permissions": handlers.PermissionsHandler,
    "models/signature": handlers.ModelSignatureHandler,
    "convert": handlers.ConvertHandler,
    "convert/plan": handlers.PipelinePlanHandler,
    "convert/tests": handlers.PytestJobsHandler,
    "fleet": handlers.FleetHandler,
    "schedules": handlers.SchedulesHandler,
    "schedules/options": handlers.ScheduleOptionsHandler,
    "schedules/preview": handlers.CronPreviewHandler,
}


def route_pattern(path: str) -> str:
    """The tornado URL pattern of one contract path below base_url (`{run_id}` becomes a named group)."""
    return url_path_join(API_NAMESPACE, path.replace("{run_id}", RUN_ID_PATTERN)) + "/?$"


def route_table() -> list[tuple[str, type[handlers.MLOpsHandler]]]:
    """Every route with its handler; RuntimeError when a contract path has none."""
    paths = list(dict.fromkeys(endpoint.path for endpoint in ENDPOINTS))
    missing = [path for path in paths if path not in HANDLERS]
    if missing:
        raise RuntimeError(f"contract paths without a handler: {missing}")
    return [(route_pattern(path), HANDLERS[path]) for path in paths]
