"""The MLflow calls retraining makes: batched, and retried with backoff when the server does not answer.

MLflow's own HTTP retry (7 attempts, backoff factor 2) can wait minutes per call; retraining turns it down and
retries whole calls itself, so a dead server fails in seconds with its URI named.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jupyter_mlops.retraining.errors import TrackingUnavailableError

RETRIES_ENV = "JUPYTER_MLOPS_TRACKING_RETRIES"
BACKOFF_ENV = "JUPYTER_MLOPS_TRACKING_BACKOFF"
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF_SECONDS = 1.0
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 5000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_ENTITIES = 1000

T = TypeVar("T")


def quiet_mlflow_http_retries() -> None:
    """Let our retry loop decide, not MLflow's (unless the user set MLflow's variables explicitly)."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a tracking call is retried."""

    attempts: int = DEFAULT_RETRIES + 1
    first_delay: float = DEFAULT_BACKOFF_SECONDS

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """The policy set by JUPYTER_MLOPS_TRACKING_RETRIES / _BACKOFF (seconds), else the defaults."""
        retries = int(os.environ.get(RETRIES_ENV, DEFAULT_RETRIES))
        backoff = float(os.environ.get(BACKOFF_ENV, DEFAULT_BACKOFF_SECONDS))
        return cls(attempts=max(1, retries + 1), first_delay=max(0.0, backoff))


def is_unreachable(error: BaseException) -> bool:
    """Whether an error means the server did not answer (connection refused/reset, timeout, 5xx)."""
    import requests
    from mlflow.exceptions import MlflowException

    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError)):
        return True
    if isinstance(error, MlflowException):
        text = str(error)
        markers = (
            "Max retries exceeded",
            "Connection refused",
            "ConnectionError",
            "Failed to establish",
            "Read timed out",
            "RemoteDisconnected",
            "Connection aborted",
            "response code 50",
            "TEMPORARILY_UNAVAILABLE",
        )
        return any(marker in text for marker in markers)
    return False


def with_retries(
    action: Callable[[], T], *, what: str, uri: str, policy: RetryPolicy | None = None, keep: str = ""
) -> T:
    """Run one tracking call; retry with exponential backoff while the server is unreachable."""
    policy = policy or RetryPolicy.from_env()
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        try:
            return action()
        except Exception as error:
            if not is_unreachable(error):
                raise
            if attempt == policy.attempts:
                kept = f"; {keep}" if keep else ""
                raise TrackingUnavailableError(
                    f"MLflow tracking server {uri} did not answer while trying to {what} "
                    f"({policy.attempts} attempts){kept}"
                ) from error
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def clip(value: object, limit: int) -> str:
    """A value as text within MLflow's length limit for params/tags."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def batches(params: list[object], metrics: list[object], tags: list[object]) -> list[tuple[list, list, list]]:
    """Split entities into `log_batch` calls within MLflow's limits (100 params, 100 tags, 1000 in all)."""
    calls: list[tuple[list, list, list]] = []
    params, metrics, tags = list(params), list(metrics), list(tags)
    while params or metrics or tags or not calls:
        batch_params, params = params[:MAX_BATCH_PARAMS], params[MAX_BATCH_PARAMS:]
        batch_tags, tags = tags[:MAX_BATCH_TAGS], tags[MAX_BATCH_TAGS:]
        room = MAX_BATCH_ENTITIES - len(batch_params) - len(batch_tags)
        batch_metrics, metrics = metrics[:room], metrics[room:]
        calls.append((batch_params, batch_metrics, batch_tags))
    return calls


def log_batch(
    client: object,
    run_id: str,
    *,
    uri: str,
    params: Mapping[str, object] | None = None,
    metrics: Mapping[str, float] | None = None,
    tags: Mapping[str, object] | None = None,
    history: Mapping[str, Sequence[float]] | None = None,
    step: int = 0,
    keep: str = "",
) -> None:
    """Params, metrics (or whole metric histories: step = position) and tags in as few `log_batch` calls as
    MLflow's limits allow, each retried."""
    from mlflow.entities import Metric, Param, RunTag

    timestamp = int(time.time() * 1000)
    param_entities = [Param(key, clip(value, MAX_PARAM_VALUE)) for key, value in (params or {}).items()]
    metric_entities = [Metric(key, float(value), timestamp, step) for key, value in (metrics or {}).items()]
    for key, values in (history or {}).items():
        metric_entities += [
            Metric(key, float(value), timestamp, position) for position, value in enumerate(values)
        ]
    tag_entities = [RunTag(key, clip(value, MAX_TAG_VALUE)) for key, value in (tags or {}).items()]
    if not (param_entities or metric_entities or tag_entities):
        return
    for batch_params, batch_metrics, batch_tags in batches(param_entities, metric_entities, tag_entities):
        with_retries(
            lambda p=batch_params, m=batch_metrics, t=batch_tags: client.log_batch(  # type: ignore[attr-defined]
                run_id, metrics=m, params=p, tags=t
            ),
            what=f"log {len(batch_params) + len(batch_metrics) + len(batch_tags)} values to run {run_id}",
            uri=uri,
            keep=keep,
        )


def ensure_experiment(client: object, name: str, *, uri: str) -> str:
    """The id of experiment `name`, created if missing (the first call: it proves the server answers)."""
    from mlflow.exceptions import MlflowException

    def lookup() -> str:
        experiment = client.get_experiment_by_name(name)  # type: ignore[attr-defined]
        if experiment is not None:
            if experiment.lifecycle_stage == "deleted":
                client.restore_experiment(experiment.experiment_id)  # type: ignore[attr-defined]
            return str(experiment.experiment_id)
        try:
            return str(client.create_experiment(name))  # type: ignore[attr-defined]
        except MlflowException as error:
            if "RESOURCE_ALREADY_EXISTS" in str(error) or "already exists" in str(error):
                return str(client.get_experiment_by_name(name).experiment_id)  # type: ignore[attr-defined]
            raise

    return with_retries(lookup, what=f"open experiment {name!r}", uri=uri)
