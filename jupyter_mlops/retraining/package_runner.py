"""`jupyter-mlops run PKG`: call the nb2prod package's `pipeline.run(**params)` (contract 2), find its run."""

from __future__ import annotations

import os

from jupyter_mlops.retraining.errors import RunFailedError, TrackingUnavailableError
from jupyter_mlops.retraining.mlflow_io import (
    clip,
    ensure_experiment,
    is_unreachable,
    log_batch,
    with_retries,
)
from jupyter_mlops.retraining.models import model_uri_of_run
from jupyter_mlops.retraining.notebook_runner import TAG_PREFIX, RunOptions, RunResult
from jupyter_mlops.retraining.provenance import timestamp
from jupyter_mlops.retraining.target import PackageTarget


def _failed_run_id() -> str | None:
    """The run the pipeline had open when it raised (MLflow ends it FAILED on the way out)."""
    import mlflow

    last = mlflow.last_active_run()
    return last.info.run_id if last is not None else None


def run_package(target: PackageTarget, parameters: dict[str, object], options: RunOptions) -> RunResult:
    """Run the package's pipeline once, tracked by its own `run()`; raise RunFailedError when a step fails."""
    import mlflow
    from mlflow import MlflowClient

    uri = options.tracking_uri
    os.environ["MLFLOW_TRACKING_URI"] = uri
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    experiment_name = options.experiment_name or target.default_experiment
    experiment_id = ensure_experiment(client, experiment_name, uri=uri)
    run_name = options.run_name or f"{target.display_name}-{timestamp()}"
    try:
        run_id = str(target.pipeline.run(experiment_name=experiment_name, run_name=run_name, **parameters))
    except Exception as error:
        if is_unreachable(error):
            raise TrackingUnavailableError(
                f"MLflow tracking server {uri} did not answer while the pipeline {target.name} was logging "
                f"({type(error).__name__})"
            ) from error
        failed = _failed_run_id()
        if failed is not None:
            tags = {
                f"{TAG_PREFIX}.error.ename": type(error).__name__,
                f"{TAG_PREFIX}.error.evalue": clip(error, 5000),
            }
            log_batch(client, failed, uri=uri, tags=tags)
        where = f"; run {failed} marked FAILED" if failed else ""
        raise RunFailedError(
            f"pipeline {target.name} raised {type(error).__name__}: {error}{where}", run_id=failed
        ) from error
    extra = {
        f"{TAG_PREFIX}.runner": "jupyter-mlops run",
        f"{TAG_PREFIX}.target": str(target.path),
        **options.extra_tags,
    }
    log_batch(client, run_id, uri=uri, tags=extra)
    run = with_retries(lambda: client.get_run(run_id), what=f"read run {run_id}", uri=uri)
    return RunResult(
        run_id=run_id,
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        metrics=dict(run.data.metrics),
        model_uri=model_uri_of_run(client, run_id, uri=uri),
    )
