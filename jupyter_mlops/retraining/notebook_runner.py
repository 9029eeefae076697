"""`jupyter-mlops run NOTEBOOK`: papermill in one MLflow run — params, metrics, model, executed notebook."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from jupyter_mlops.core.session import TrackingSession, clip
from jupyter_mlops.retraining.errors import RunFailedError
from jupyter_mlops.retraining.models import load_pickled, log_sklearn_model
from jupyter_mlops.retraining.outcome import CellFailure, ExecutionPlace, Outcome
from jupyter_mlops.retraining.params import ParameterSpec
from jupyter_mlops.retraining.provenance import default_output_dir, git_commit, timestamp

TAG_PREFIX = "jupyter_mlops"
EXECUTED_ARTIFACT_DIR = "executed_notebook"


@dataclass
class RunResult:
    """A finished tracked run: its id, model URI (if a model was logged), metrics, kept notebook."""

    run_id: str
    experiment_id: str
    experiment_name: str
    metrics: dict[str, float] = field(default_factory=dict)
    model_uri: str | None = None
    executed_notebook: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunOptions:
    """Options of one tracked run."""

    tracking_uri: str
    experiment_name: str | None = None
    run_name: str | None = None
    output_dir: Path | None = None
    kernel_name: str | None = None
    cell_timeout: float | None = None
    extra_tags: dict[str, str] = field(default_factory=dict)


class NotebookToTrack(Protocol):
    """What a tracked notebook run reads of its target (target.NotebookTarget has it)."""

    path: Path
    spec: ParameterSpec
    source_sha256: str
    model_variable: str | None

    @property
    def default_experiment(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    def execute(self, parameters: dict[str, object], place: ExecutionPlace) -> Outcome: ...


def source_tags(target: NotebookToTrack) -> dict[str, str]:
    """Provenance tags of a notebook run (MLflow's reserved source tags plus ours)."""
    tags = {
        "mlflow.source.name": str(target.path),
        "mlflow.source.type": "NOTEBOOK",
        f"{TAG_PREFIX}.runner": "jupyter-mlops run",
        f"{TAG_PREFIX}.target": str(target.path),
        f"{TAG_PREFIX}.source_sha256": target.source_sha256,
    }
    commit = git_commit(target.path)
    if commit:
        tags["mlflow.source.git.commit"] = commit
    return tags


def failure_tags(failure: CellFailure) -> dict[str, str]:
    """The cell number and error of a failed execution, as run tags."""
    tags = {
        f"{TAG_PREFIX}.error.ename": failure.ename,
        f"{TAG_PREFIX}.error.evalue": clip(failure.evalue, 5000),
    }
    if failure.cell_index is not None:
        tags[f"{TAG_PREFIX}.error.cell"] = str(failure.cell_index)
    if failure.execution_count is not None:
        tags[f"{TAG_PREFIX}.error.execution_count"] = str(failure.execution_count)
    return tags


def log_outcome(
    session: TrackingSession, run_id: str, target: NotebookToTrack, outcome: Outcome, *, keep: str
) -> tuple[str | None, list[str]]:
    """Metrics, executed notebook and model of one execution into `run_id`; returns (model URI, warnings)."""
    warnings = list(outcome.problems)
    metrics = dict(outcome.metrics)
    metrics["duration_seconds"] = round(outcome.duration_seconds, 3)
    tags: dict[str, object] = {f"{TAG_PREFIX}.duration_seconds": f"{outcome.duration_seconds:.3f}"}
    if outcome.failure is not None:
        tags.update(failure_tags(outcome.failure))
    if warnings:
        tags[f"{TAG_PREFIX}.capture.problems"] = "; ".join(warnings)
    session.log_batch(run_id, metrics=metrics, tags=tags, keep=keep)
    notebook = outcome.executed_notebook
    if notebook and Path(notebook).exists():
        session.call(
            f"upload the executed notebook to run {run_id}",
            lambda client: client.log_artifact(run_id, notebook, EXECUTED_ARTIFACT_DIR),
            keep=keep,
        )
    model_uri: str | None = None
    if outcome.model_path:
        model_uri = log_sklearn_model(
            load_pickled(outcome.model_path), run_id, session, keep=keep, input_example=outcome.input_example
        )
    elif outcome.model_type:
        warnings.append(
            f"model variable {target.model_variable!r} holds a {outcome.model_type}, not a scikit-learn "
            "estimator; it was not logged"
        )
    return model_uri, warnings


def run_notebook(
    target: NotebookToTrack, parameters: dict[str, object], options: RunOptions, session: TrackingSession
) -> RunResult:
    """Execute the notebook with papermill inside one MLflow run; raise RunFailedError if a cell fails."""
    experiment_name = options.experiment_name or target.default_experiment
    experiment_id = session.ensure_experiment(experiment_name)
    run_name = options.run_name or f"{target.display_name}-{timestamp()}"
    effective = {**target.spec.defaults(), **parameters}
    run = session.call(
        f"create a run in experiment {experiment_name!r}",
        lambda client: client.create_run(
            experiment_id, run_name=run_name, tags={**source_tags(target), **options.extra_tags}
        ),
    )
    run_id = run.info.run_id
    output_dir = options.output_dir or default_output_dir()
    output_path = (output_dir / f"{target.path.stem}-{timestamp()}-{run_id[:8]}.ipynb").resolve()
    keep = f"the executed notebook is kept at {output_path}"
    session.log_batch(run_id, params=effective, tags={f"{TAG_PREFIX}.executed_notebook": str(output_path)})
    capture_folder = Path(tempfile.mkdtemp(prefix="jupyter-mlops-capture-"))
    place = ExecutionPlace(output_path, capture_folder, options.kernel_name, options.cell_timeout)
    try:
        outcome = target.execute(parameters, place)
        model_uri, warnings = log_outcome(session, run_id, target, outcome, keep=keep)
        status = "FINISHED" if outcome.error is None else "FAILED"
        session.call(
            f"mark run {run_id} {status}", lambda client: client.set_terminated(run_id, status), keep=keep
        )
    finally:
        shutil.rmtree(capture_folder, ignore_errors=True)
    if outcome.error is not None:
        raise RunFailedError(
            f"{outcome.error}\nrun {run_id} marked FAILED; executed notebook: {output_path}",
            run_id=run_id,
            executed_notebook=str(output_path),
        )
    return RunResult(
        run_id=run_id,
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        metrics=dict(outcome.metrics),
        model_uri=model_uri,
        executed_notebook=str(output_path),
        warnings=warnings,
    )
