"""`jupyter-mlops run PKG`: call the nb2prod package's `pipeline.run(**params)` (contract 2), find its run."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Protocol

from jupyter_mlops.core.error_kinds import is_unreachable
from jupyter_mlops.core.session import TrackingSession, clip
from jupyter_mlops.retraining.errors import RetrainingError, RunFailedError, TrackingUnavailableError
from jupyter_mlops.retraining.models import model_uri_of_run
from jupyter_mlops.retraining.notebook_runner import TAG_PREFIX, RunOptions, RunResult
from jupyter_mlops.retraining.provenance import timestamp


class PackageToTrack(Protocol):
    """What a tracked package run reads of its target (target.PackageTarget has it)."""

    path: Path
    name: str
    pipeline: ModuleType

    @property
    def default_experiment(self) -> str: ...

    @property
    def display_name(self) -> str: ...


def _failed_run_id() -> str | None:
    """The run the pipeline had open when it raised (MLflow ends it FAILED on the way out)."""
    import mlflow

    last = mlflow.last_active_run()
    return last.info.run_id if last is not None else None


@contextlib.contextmanager
def package_environment(session: TrackingSession) -> Iterator[None]:
    """The session's URIs in the environment for the duration of the package's own `run()` only.

    Contract 2 has the package read `MLFLOW_TRACKING_URI` (it runs standalone too); the previous values are
    restored afterwards, so nothing outlives the call.
    """
    wanted = session.child_environment()
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _pipeline_failure(
    target: PackageToTrack, session: TrackingSession, error: Exception, failed: str | None
) -> RetrainingError:
    """The error to raise for a pipeline that raised; its failed run (if any) gets the error as tags."""
    if is_unreachable(error):
        return TrackingUnavailableError(
            f"MLflow tracking server {session.tracking_uri} did not answer while the pipeline "
            f"{target.name} was logging ({type(error).__name__})"
        )
    if failed is not None:
        tags = {
            f"{TAG_PREFIX}.error.ename": type(error).__name__,
            f"{TAG_PREFIX}.error.evalue": clip(error, 5000),
        }
        session.log_batch(failed, tags=tags)
    where = f"; run {failed} marked FAILED" if failed else ""
    return RunFailedError(
        f"pipeline {target.name} raised {type(error).__name__}: {error}{where}", run_id=failed
    )


def run_package(
    target: PackageToTrack, parameters: dict[str, object], options: RunOptions, session: TrackingSession
) -> RunResult:
    """Run the package's pipeline once, tracked by its own `run()`; raise RunFailedError when a step fails."""
    experiment_name = options.experiment_name or target.default_experiment
    experiment_id = session.ensure_experiment(experiment_name)
    run_name = options.run_name or f"{target.display_name}-{timestamp()}"
    with package_environment(session):
        try:
            run_id = str(
                target.pipeline.run(experiment_name=experiment_name, run_name=run_name, **parameters)
            )
        except Exception as error:
            failure: Exception | None = error
            failed = None if is_unreachable(error) else _failed_run_id()
        else:
            failure = None
    if failure is not None:
        raise _pipeline_failure(target, session, failure, failed) from failure
    extra = {
        f"{TAG_PREFIX}.runner": "jupyter-mlops run",
        f"{TAG_PREFIX}.target": str(target.path),
        **options.extra_tags,
    }
    session.log_batch(run_id, tags=extra)
    run = session.call(f"read run {run_id}", lambda client: client.get_run(run_id))
    return RunResult(
        run_id=run_id,
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        metrics=dict(run.data.metrics),
        model_uri=model_uri_of_run(session, run_id),
    )
