"""The one module that reads MLflow tracking data for the panel and the widget (through MlflowClient only).

Functions take an `MlflowClient` bound to the server's store and return the contract dataclasses of
`jupyter_mlops.core.contract`; user errors raise `jupyter_mlops.core.errors` exceptions.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from mlflow import MlflowClient
from mlflow.entities import Run, ViewType
from mlflow.exceptions import MlflowException

from jupyter_mlops.core.contract import (
    ArtifactEntry,
    ArtifactList,
    CompareResponse,
    Experiment,
    ExperimentsPage,
    LoggedModelInfo,
    MetricHistory,
    MetricPoint,
    ModelVersionRef,
    RunDetail,
    RunsPage,
    RunSummary,
    StoreKind,
)
from jupyter_mlops.core.drift_view import drift_summary
from jupyter_mlops.core.errors import BadRequest, NotFound, scrub_text

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
DEFAULT_MAX_POINTS = 1000
MAX_POINTS_LIMIT = 10000
MAX_COMPARE_RUNS = 20
LOGGED_MODEL_SOURCE = re.compile(r"^models:/(m-[0-9a-fA-F]+)/?$")
RUN_VIEWS = {"active": ViewType.ACTIVE_ONLY, "deleted": ViewType.DELETED_ONLY, "all": ViewType.ALL}
NO_MODEL_REASON = (
    "This run logged no model. In MLflow 3 a model is a LoggedModel: log one inside the run with "
    "mlflow.<flavor>.log_model(model, name='model'), then register it."
)


# ---------------------------------------------------------------- store description


def public_uri(uri: str) -> str:
    """The URI with any user name, password or secret query value removed (safe to show in a browser)."""
    return scrub_text(uri)


def store_kind(uri: str) -> StoreKind:
    """What kind of store a tracking URI names."""
    scheme = urlsplit(uri).scheme.lower()
    if uri.lower().startswith("databricks"):
        return "databricks"
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("", "file"):
        return "file"
    if scheme in ("http", "https"):
        return "http"
    if scheme.startswith("databricks"):
        return "databricks"
    return "other"


def ui_url(uri: str) -> str | None:
    """Base URL of the MLflow UI for an http(s) tracking server (credentials stripped), else None."""
    return public_uri(uri).rstrip("/") if store_kind(uri) == "http" else None


# ---------------------------------------------------------------- conversions


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def experiment_of(entity: Any) -> Experiment:
    """Contract form of an mlflow Experiment."""
    return Experiment(
        experiment_id=entity.experiment_id,
        name=entity.name,
        artifact_location=entity.artifact_location or "",
        lifecycle_stage=entity.lifecycle_stage,
        creation_time=entity.creation_time,
        last_update_time=entity.last_update_time,
        tags=dict(entity.tags or {}),
    )


def run_summary(run: Run) -> RunSummary:
    """Contract form of an mlflow Run as listed (model ids from the run's MLflow 3 outputs)."""
    info = run.info
    duration = info.end_time - info.start_time if info.end_time and info.start_time else None
    outputs = getattr(run, "outputs", None)
    model_ids = [output.model_id for output in outputs.model_outputs] if outputs else []
    return RunSummary(
        run_id=info.run_id,
        run_name=info.run_name or "",
        experiment_id=info.experiment_id,
        status=info.status,
        start_time=info.start_time,
        end_time=info.end_time,
        duration_ms=duration,
        user_id=info.user_id or "",
        lifecycle_stage=info.lifecycle_stage,
        params=dict(run.data.params),
        metrics={key: _finite(value) for key, value in run.data.metrics.items()},
        tags=dict(run.data.tags),
        model_ids=list(dict.fromkeys(model_ids)),
    )


# ---------------------------------------------------------------- experiments


def list_experiments(
    client: MlflowClient,
    filter_string: str | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
) -> ExperimentsPage:
    """One page of active experiments, newest first."""
    page = client.search_experiments(
        filter_string=filter_string or None,
        max_results=page_size(max_results),
        order_by=["creation_time DESC"],
        page_token=page_token or None,
    )
    return ExperimentsPage([experiment_of(item) for item in page], page_token_text(page.token))


def find_experiment(client: MlflowClient, name: str) -> Experiment | None:
    """The experiment with this name, or None."""
    found = client.get_experiment_by_name(name)
    return experiment_of(found) if found is not None else None


def ensure_experiment(client: MlflowClient, name: str) -> Experiment:
    """The experiment with this name, created when missing (a deleted one is restored)."""
    found = client.get_experiment_by_name(name)
    if found is None:
        try:
            client.create_experiment(name)
        except MlflowException as error:
            if error.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        found = client.get_experiment_by_name(name)
    elif found.lifecycle_stage == "deleted":
        client.restore_experiment(found.experiment_id)
        found = client.get_experiment(found.experiment_id)
    assert found is not None
    return experiment_of(found)


# ---------------------------------------------------------------- runs


def page_token_text(token: str | bytes | None) -> str | None:
    """MLflow's next-page token as JSON-safe text (SQL stores hand it out as base64 bytes)."""
    if not token:
        return None
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


def page_size(max_results: int | None, default: int = DEFAULT_PAGE_SIZE, limit: int = MAX_PAGE_SIZE) -> int:
    """Validate a requested page size."""
    if max_results is None:
        return default
    if not 1 <= max_results <= limit:
        raise BadRequest(f"max_results must be between 1 and {limit}; got {max_results}.")
    return max_results


def split_order_by(order_by: str | Sequence[str] | None) -> list[str] | None:
    """`'metrics.acc DESC, start_time'` → MLflow's order_by list (commas inside backticks kept)."""
    if order_by is None:
        return None
    if not isinstance(order_by, str):
        return [item for item in order_by if item.strip()] or None
    items, current, quoted = [], "", False
    for char in order_by:
        if char == "`":
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return [item for item in items if item] or None


def search_runs_page(
    client: MlflowClient,
    experiment_id: str,
    filter_string: str | None = None,
    order_by: str | Sequence[str] | None = None,
    page_token: str | None = None,
    max_results: int | None = None,
    run_view: str | None = None,
) -> RunsPage:
    """One page of an experiment's runs: MLflow search syntax, server-side sort, MLflow page tokens."""
    if not experiment_id:
        raise BadRequest("experiment_id is required.")
    if run_view is not None and run_view not in RUN_VIEWS:
        raise BadRequest(f"run_view must be one of {', '.join(RUN_VIEWS)}; got {run_view!r}.")
    page = client.search_runs(
        experiment_ids=[experiment_id],
        filter_string=filter_string or "",
        run_view_type=RUN_VIEWS[run_view or "active"],
        max_results=page_size(max_results),
        order_by=split_order_by(order_by) or ["attributes.start_time DESC"],
        page_token=page_token or None,
    )
    runs = [run_summary(run) for run in page]
    return RunsPage(
        runs=runs,
        next_page_token=page_token_text(page.token),
        param_keys=sorted({key for run in runs for key in run.params}),
        metric_keys=sorted({key for run in runs for key in run.metrics}),
    )


def get_run(client: MlflowClient, run_id: str) -> Run:
    """The run, or NotFound naming the id."""
    try:
        return client.get_run(run_id)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(f"Run {run_id!r} does not exist in this MLflow store.", str(error)) from error
        raise


def model_id_of_version(version: Any) -> str | None:
    """A model version's LoggedModel id (MLflow's REST answer omits it; its `models:/m-…` source has it)."""
    found = getattr(version, "model_id", None)
    if found:
        return str(found)
    match = LOGGED_MODEL_SOURCE.match(getattr(version, "source", "") or "")
    return match.group(1) if match else None


def _registered_versions_by_model(client: MlflowClient, run_id: str) -> dict[str, list[ModelVersionRef]]:
    versions = client.search_model_versions(filter_string=f"run_id = '{run_id}'", max_results=200)
    found: dict[str, list[ModelVersionRef]] = {}
    for version in versions:
        model_id = model_id_of_version(version)
        if model_id:
            found.setdefault(model_id, []).append(ModelVersionRef(version.name, str(version.version)))
    return found


def run_models(client: MlflowClient, run: Run) -> list[LoggedModelInfo]:
    """The MLflow 3 LoggedModels a run produced (logged-model search, plus the run's model outputs)."""
    run_id = run.info.run_id
    found = list(
        client.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string=f"source_run_id = '{run_id}'",
            max_results=100,
        )
    )
    known = {model.model_id for model in found}
    outputs = getattr(run, "outputs", None)
    for output in outputs.model_outputs if outputs else []:
        if output.model_id not in known:
            try:
                found.append(client.get_logged_model(output.model_id))
            except MlflowException:
                continue
            known.add(output.model_id)
    registered = _registered_versions_by_model(client, run_id) if found else {}
    return [
        LoggedModelInfo(
            model_id=model.model_id,
            name=model.name,
            model_uri=model.model_uri,
            artifact_location=model.artifact_location or "",
            status=str(getattr(model.status, "value", model.status)),
            creation_time=model.creation_timestamp,
            source_run_id=model.source_run_id,
            registered_versions=registered.get(model.model_id, []),
        )
        for model in sorted(found, key=lambda item: item.creation_timestamp or 0)
    ]


def run_detail(client: MlflowClient, run_id: str) -> RunDetail:
    """One run: its summary, root artifacts and LoggedModels, and why Register is unavailable if it is."""
    run = get_run(client, run_id)
    models = run_models(client, run)
    ready = [model for model in models if model.status.upper() == "READY"]
    reason = None
    if not models:
        reason = NO_MODEL_REASON
    elif not ready:
        first = models[0]
        reason = (
            f"The run's model {first.model_id} is {first.status}, not READY; it cannot be registered yet."
        )
    summary = run_summary(run)
    return RunDetail(
        run=summary,
        artifacts=_artifact_entries(client, run_id, None),
        models=models,
        register_disabled_reason=reason,
        drift=drift_summary(summary),
    )


# ---------------------------------------------------------------- artifacts


def clean_artifact_path(path: str | None) -> str | None:
    """A relative artifact folder, or BadRequest for absolute paths and `..`."""
    if path is None or path.strip() in ("", ".", "/"):
        return None
    candidate = path.strip().replace("\\", "/")
    if candidate.startswith("/") or ".." in candidate.split("/"):
        raise BadRequest(f"Artifact path {path!r} must be relative to the run's artifact root, without '..'.")
    return posixpath.normpath(candidate)


def _artifact_entries(client: MlflowClient, run_id: str, path: str | None) -> list[ArtifactEntry]:
    return [
        ArtifactEntry(path=item.path, is_dir=bool(item.is_dir), file_size=item.file_size)
        for item in client.list_artifacts(run_id, path)
    ]


def list_artifacts(client: MlflowClient, run_id: str, path: str | None = None) -> ArtifactList:
    """The entries of one artifact folder of a run."""
    folder = clean_artifact_path(path)
    get_run(client, run_id)
    return ArtifactList(run_id=run_id, path=folder or "", files=_artifact_entries(client, run_id, folder))


# ---------------------------------------------------------------- metric history


def sample_indices(values: Sequence[float | None], max_points: int) -> list[int]:
    """Indices to keep: first, last, evenly spaced between (as MLflow's UI) plus the minimum and maximum."""
    total = len(values)
    if total <= max_points:
        return list(range(total))
    finite = [(value, index) for index, value in enumerate(values) if value is not None]
    extremes = {min(finite)[1], max(finite)[1]} if finite else set()
    budget = max(2, max_points - len(extremes))
    stride = (total - 1) / (budget - 1)
    chosen = {round(position * stride) for position in range(budget)} | extremes
    return sorted(chosen)[:max_points] if len(chosen) > max_points else sorted(chosen)


def metric_history(
    client: MlflowClient, run_id: str, key: str, max_points: int | None = None
) -> MetricHistory:
    """A metric's history ordered by step, sampled to at most `max_points` points (spikes kept)."""
    if not key:
        raise BadRequest("key (the metric name) is required.")
    limit = page_size(max_points, default=DEFAULT_MAX_POINTS, limit=MAX_POINTS_LIMIT)
    if limit < 2:
        raise BadRequest(f"max_points must be between 2 and {MAX_POINTS_LIMIT}; got {limit}.")
    run = get_run(client, run_id)
    history = sorted(
        client.get_metric_history(run_id, key), key=lambda metric: (metric.step, metric.timestamp)
    )
    if not history and key not in run.data.metrics:
        known = ", ".join(sorted(run.data.metrics)) or "none"
        raise NotFound(f"Run {run_id} has no metric {key!r}. Its metrics: {known}.")
    points = [MetricPoint(int(item.step), int(item.timestamp), _finite(item.value)) for item in history]
    keep = sample_indices([point.value for point in points], limit)
    return MetricHistory(
        run_id=run_id,
        key=key,
        points=[points[index] for index in keep],
        total_points=len(points),
        sampled=len(keep) < len(points),
    )


# ---------------------------------------------------------------- compare


def parse_run_ids(run_ids: str | Iterable[str]) -> list[str]:
    """Comma-separated (or listed) run ids, deduplicated, 2..MAX_COMPARE_RUNS of them."""
    items = run_ids.split(",") if isinstance(run_ids, str) else list(run_ids)
    unique = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if not 2 <= len(unique) <= MAX_COMPARE_RUNS:
        raise BadRequest(f"Compare needs 2 to {MAX_COMPARE_RUNS} distinct run ids; got {len(unique)}.")
    return unique


def _differing(values: list[dict[str, Any]], keys: list[str]) -> list[str]:
    return [key for key in keys if len({repr(item.get(key)) for item in values}) > 1]


def compare_runs(client: MlflowClient, run_ids: str | Iterable[str]) -> CompareResponse:
    """Several runs side by side, with the params and metrics that differ between them."""
    runs = [run_summary(get_run(client, run_id)) for run_id in parse_run_ids(run_ids)]
    param_keys = sorted({key for run in runs for key in run.params})
    metric_keys = sorted({key for run in runs for key in run.metrics})
    return CompareResponse(
        runs=runs,
        param_keys=param_keys,
        metric_keys=metric_keys,
        differing_params=_differing([run.params for run in runs], param_keys),
        differing_metrics=_differing([run.metrics for run in runs], metric_keys),
    )
