"""One typed tracking session: MlflowClient, URIs, retry policy and batched logging, passed explicitly.

Nothing here changes process-wide MLflow state: calls go through `session.client` with explicit run ids.
MLflow's own HTTP retry (7 attempts, backoff factor 2) can wait minutes per call; a session retries whole
calls itself instead (`quiet_mlflow_http_retries`), so a dead server fails in seconds with its URI named.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from jupyter_mlops.core.error_kinds import ErrorKind, classify, is_unreachable
from jupyter_mlops.core.errors import StoreUnreachable

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

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
Batch = tuple[list["Param"], list["Metric"], list["RunTag"]]


def quiet_mlflow_http_retries() -> None:
    """Let the session's retry loop decide, not MLflow's (unless the user set MLflow's variables).

    MLflow reads these per request from the environment and offers no per-client setting.
    """
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


def quiet_mlflow_run_urls() -> None:
    """Stop `MlflowClient.set_terminated` printing each run's URL (unless the user set MLflow's variable).

    MLflow 3 prints "View run ... at" on every end of a run against a server and fetches the whole run
    (`get_run`) to do it: a fourth REST call per fan-out child run, the heaviest of the four on the server,
    and two lines of output per child. Fan-out prints its own summary with the run ids.
    """
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")


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


def clip(value: object, limit: int) -> str:
    """A value as text within MLflow's length limit for params/tags."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def batches(params: Sequence[Param], metrics: Sequence[Metric], tags: Sequence[RunTag]) -> list[Batch]:
    """Split entities into `log_batch` calls within MLflow's limits (100 params, 100 tags, 1000 in all)."""
    calls: list[Batch] = []
    rest_params, rest_metrics, rest_tags = list(params), list(metrics), list(tags)
    while rest_params or rest_metrics or rest_tags or not calls:
        batch_params, rest_params = rest_params[:MAX_BATCH_PARAMS], rest_params[MAX_BATCH_PARAMS:]
        batch_tags, rest_tags = rest_tags[:MAX_BATCH_TAGS], rest_tags[MAX_BATCH_TAGS:]
        room = MAX_BATCH_ENTITIES - len(batch_params) - len(batch_tags)
        batch_metrics, rest_metrics = rest_metrics[:room], rest_metrics[room:]
        calls.append((batch_params, batch_metrics, batch_tags))
    return calls


@dataclass(frozen=True)
class TrackingSession:
    """Where tracking goes and how calls to it behave; build one per command and pass it down.

    `unavailable` builds the exception raised when the store never answered (the CLI passes its own, which
    carries an exit code; the default is the panel's 503 `StoreUnreachable`).
    """

    tracking_uri: str
    registry_uri: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_env)
    unavailable: Callable[[str], Exception] = StoreUnreachable

    @cached_property
    def client(self) -> MlflowClient:
        """The one MlflowClient of this session (built on first use; safe to share between threads)."""
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri)

    def child_environment(self) -> dict[str, str]:
        """Variables a child process (kernel, pool worker, scheduled command) needs to log to this store."""
        env = {"MLFLOW_TRACKING_URI": self.tracking_uri}
        if self.registry_uri:
            env["MLFLOW_REGISTRY_URI"] = self.registry_uri
        return env

    def call(self, what: str, action: Callable[[MlflowClient], T], *, keep: str = "") -> T:
        """Run `action(client)`; retry with exponential backoff while the store does not answer.

        `what` completes "did not answer while trying to ..."; `keep` says what is kept on disk.
        """
        policy = self.retry
        delay = policy.first_delay
        for attempt in range(1, policy.attempts + 1):
            try:
                return action(self.client)
            except Exception as error:
                if not is_unreachable(error):
                    raise
                if attempt == policy.attempts:
                    kept = f"; {keep}" if keep else ""
                    raise self.unavailable(
                        f"MLflow tracking server {self.tracking_uri} did not answer while trying to {what} "
                        f"({policy.attempts} attempts){kept}"
                    ) from error
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def log_batch(
        self,
        run_id: str,
        *,
        params: Mapping[str, object] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, object] | None = None,
        history: Mapping[str, Sequence[float]] | None = None,
        step: int = 0,
        keep: str = "",
    ) -> None:
        """Params, metrics (or whole metric histories: step = position) and tags in as few `log_batch`
        calls as MLflow's limits allow, each retried."""
        from mlflow.entities import Metric, Param, RunTag

        timestamp = int(time.time() * 1000)
        param_entities = [Param(key, clip(value, MAX_PARAM_VALUE)) for key, value in (params or {}).items()]
        metric_entities = [
            Metric(key, float(value), timestamp, step) for key, value in (metrics or {}).items()
        ]
        for key, values in (history or {}).items():
            metric_entities += [
                Metric(key, float(value), timestamp, position) for position, value in enumerate(values)
            ]
        tag_entities = [RunTag(key, clip(value, MAX_TAG_VALUE)) for key, value in (tags or {}).items()]
        if not (param_entities or metric_entities or tag_entities):
            return
        for batch_params, batch_metrics, batch_tags in batches(param_entities, metric_entities, tag_entities):
            self.call(
                f"log {len(batch_params) + len(batch_metrics) + len(batch_tags)} values to run {run_id}",
                lambda client, p=batch_params, m=batch_metrics, t=batch_tags: client.log_batch(
                    run_id, metrics=m, params=p, tags=t
                ),
                keep=keep,
            )

    def ensure_experiment(self, name: str) -> str:
        """The id of experiment `name`, made or restored if needed (a first call proves the store is up)."""

        def lookup(client: MlflowClient) -> str:
            experiment = client.get_experiment_by_name(name)
            if experiment is not None:
                if experiment.lifecycle_stage == "deleted":
                    client.restore_experiment(experiment.experiment_id)
                return str(experiment.experiment_id)
            try:
                return str(client.create_experiment(name))
            except Exception as error:
                if classify(error) is not ErrorKind.ALREADY_EXISTS:
                    raise
                created = client.get_experiment_by_name(name)  # made meanwhile by another process
                if created is None:
                    raise
                return str(created.experiment_id)

        return self.call(f"open experiment {name!r}", lookup)
