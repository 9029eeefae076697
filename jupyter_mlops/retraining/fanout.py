"""Fan-out: one parent MLflow run, one child run per parameter set, a local process pool.

Package targets run `pipeline.run_steps(**params)` in the pool's processes (no kernel, no MLflow in the
workers); notebook targets run papermill once per set. The parent process logs the child runs from a few
threads as results arrive, so tracking overlaps with computing; models are logged for the best set of each
group (or all, or none). A failing set fails its own child run only.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.mlflow_io import (
    clip,
    ensure_experiment,
    log_batch,
    quiet_mlflow_http_retries,
    with_retries,
)
from jupyter_mlops.retraining.models import load_pickled, log_sklearn_model
from jupyter_mlops.retraining.notebook_runner import EXECUTED_ARTIFACT_DIR, TAG_PREFIX, RunOptions
from jupyter_mlops.retraining.parameter_sets import ParameterSets, read_grid, read_rows
from jupyter_mlops.retraining.params import resolve
from jupyter_mlops.retraining.provenance import default_output_dir, git_commit, timestamp
from jupyter_mlops.retraining.target import NotebookTarget, PackageTarget, Target, load_target

LOGGING_THREADS = 8


@dataclass
class FanoutRequest:
    """`jupyter-mlops run TARGET --grid FILE | --param-file FILE [--workers N]` and its options."""

    target: str | Path
    parameters: Sequence[tuple[str, str]]
    options: RunOptions
    grid: Path | None = None
    param_file: Path | None = None
    workers: int | None = None
    group_by: str | None = None
    metric: str | None = None
    greater_is_better: bool = True
    log_models: str = "best"


@dataclass
class SetOutcome:
    """What one parameter set produced in a worker."""

    index: int
    parameters: dict[str, object]
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    error_detail: str = ""
    duration_seconds: float = 0.0
    model: object | None = None
    model_path: str | None = None
    executed_notebook: str | None = None
    run_id: str | None = None


# -- workers (module level so the pool can pickle them) ---------------------------------------------------

_WORKER_TARGET: Target | None = None


def _init_worker(kind: str, path: str) -> None:
    global _WORKER_TARGET
    _WORKER_TARGET = load_target(path)


def _as_float(value: object) -> float | None:
    import numbers

    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def _package_set(index: int, parameters: dict[str, object], keep_model: bool) -> SetOutcome:
    target = _WORKER_TARGET
    assert isinstance(target, PackageTarget)
    started = time.monotonic()
    outcome = SetOutcome(index, parameters)
    printed = io.StringIO()  # 200 sets printing at once would bury the progress bar; kept for failures
    try:
        with contextlib.redirect_stdout(printed):
            outputs = target.pipeline.run_steps(**parameters)
    except Exception as error:
        outcome.error = f"{type(error).__name__}: {error}"
        outcome.error_detail = printed.getvalue()[-2000:] + traceback.format_exc(limit=5)
    else:
        raw_metrics = outputs.get("metrics", {}) or {}
        outcome.metrics = {
            name: value for name, raw in raw_metrics.items() if (value := _as_float(raw)) is not None
        }
        if keep_model and target.model_variable:
            outcome.model = outputs.get(target.model_variable)
    outcome.duration_seconds = time.monotonic() - started
    return outcome


def _notebook_set(
    index: int, parameters: dict[str, object], output_dir: str, capture_root: str
) -> SetOutcome:
    from jupyter_mlops.retraining.notebook_exec import execute

    target = _WORKER_TARGET
    assert isinstance(target, NotebookTarget)
    output_path = Path(output_dir) / f"{target.path.stem}-set{index:04d}.ipynb"
    execution = execute(target, parameters, output_path, Path(capture_root) / f"set{index:04d}")
    outcome = SetOutcome(index, parameters, duration_seconds=execution.duration_seconds)
    outcome.executed_notebook = str(output_path)
    if execution.failure is not None:
        outcome.error = execution.failure.describe(target.path)
    else:
        outcome.metrics = dict(execution.captured.metrics)
        outcome.model_path = execution.captured.model_path if execution.captured.model_is_sklearn else None
    return outcome


# -- parent -----------------------------------------------------------------------------------------------


def load_sets(request: FanoutRequest, target: Target) -> ParameterSets:
    """The validated parameter sets, with the `-p` values applied to every set."""
    base = resolve(target.spec, request.parameters, where="-p")
    if request.grid is not None:
        sets = read_grid(request.grid, target.spec)
    else:
        assert request.param_file is not None
        sets = read_rows(request.param_file, target.spec)
    group_by = request.group_by or sets.group_by
    if group_by is not None and target.spec.get(group_by) is None:
        raise BadInputError(
            f"--group-by {group_by!r} is not a parameter; valid parameters: {', '.join(target.spec.names)}"
        )
    return ParameterSets([{**base, **one} for one in sets.sets], group_by)


class ChildLogger:
    """Logs child runs from a few threads while the pool computes."""

    def __init__(
        self, uri: str, experiment_id: str, parent_id: str, target: Target, defaults: dict[str, object]
    ):
        from mlflow import MlflowClient

        self.uri = uri
        self.client = MlflowClient(uri)
        self.experiment_id = experiment_id
        self.parent_id = parent_id
        self.target = target
        self.defaults = defaults
        self.threads = ThreadPoolExecutor(LOGGING_THREADS, thread_name_prefix="jupyter-mlops-log")

    def submit(self, outcome: SetOutcome) -> Future[SetOutcome]:
        """Log one finished set as a child run (FINISHED or FAILED)."""
        return self.threads.submit(self._log, outcome)

    def _log(self, outcome: SetOutcome) -> SetOutcome:
        tags = {
            "mlflow.parentRunId": self.parent_id,
            f"{TAG_PREFIX}.fanout.set": str(outcome.index),
            f"{TAG_PREFIX}.target": str(self.target.path),
        }
        run = with_retries(
            lambda: self.client.create_run(
                self.experiment_id, run_name=f"{self.target.display_name}-set{outcome.index:04d}", tags=tags
            ),
            what="create a child run",
            uri=self.uri,
        )
        outcome.run_id = run.info.run_id
        metrics = {**outcome.metrics, "duration_seconds": round(outcome.duration_seconds, 4)}
        extra_tags: dict[str, object] = {}
        if outcome.error:
            extra_tags[f"{TAG_PREFIX}.error"] = clip(outcome.error, 5000)
            if outcome.error_detail:
                extra_tags[f"{TAG_PREFIX}.error.detail"] = clip(outcome.error_detail, 5000)
        log_batch(
            self.client,
            outcome.run_id,
            uri=self.uri,
            params={**self.defaults, **outcome.parameters},
            metrics=metrics,
            tags=extra_tags,
        )
        if outcome.executed_notebook and Path(outcome.executed_notebook).exists():
            with_retries(
                lambda: self.client.log_artifact(
                    outcome.run_id, outcome.executed_notebook, EXECUTED_ARTIFACT_DIR
                ),
                what="upload an executed notebook",
                uri=self.uri,
            )
        status = "FAILED" if outcome.error else "FINISHED"
        with_retries(
            lambda: self.client.set_terminated(outcome.run_id, status), what="end a child run", uri=self.uri
        )
        return outcome

    def close(self) -> None:
        """Wait for pending logging."""
        self.threads.shutdown(wait=True)


def better(value: float, other: float, greater_is_better: bool) -> bool:
    """Whether `value` beats `other` in the metric's direction."""
    return value > other if greater_is_better else value < other


def best_per_group(
    outcomes: list[SetOutcome], metric: str | None, group_by: str | None, greater_is_better: bool
) -> dict[object, SetOutcome]:
    """The best successful set per value of `group_by` (one group when None)."""
    best: dict[object, SetOutcome] = {}
    if metric is None:
        return best
    for outcome in outcomes:
        value = outcome.metrics.get(metric)
        if outcome.error or value is None:
            continue
        group = outcome.parameters.get(group_by) if group_by else "all"
        current = best.get(group)
        if current is None or better(value, current.metrics[metric], greater_is_better):
            best[group] = outcome
    return best


def summary_table(
    outcomes: list[SetOutcome], best: dict[object, SetOutcome], metric: str | None, group_by: str | None
) -> str:
    """Plain-text table: failures, then the best set per group."""
    lines: list[str] = []
    failed = [outcome for outcome in outcomes if outcome.error]
    lines.append(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} parameter sets finished, {len(failed)} failed"
    )
    for outcome in failed:
        lines.append(
            f"  FAILED set {outcome.index} {outcome.parameters}: {outcome.error} (run {outcome.run_id})"
        )
    if metric and best:
        varying = sorted({name for outcome in outcomes for name in outcome.parameters})
        header = [group_by or "group", "set", metric, *[name for name in varying if name != group_by], "run"]
        rows = [
            [
                str(group),
                str(outcome.index),
                f"{outcome.metrics[metric]:.6g}",
                *[str(outcome.parameters.get(name)) for name in varying if name != group_by],
                str(outcome.run_id),
            ]
            for group, outcome in sorted(best.items(), key=lambda item: str(item[0]))
        ]
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
        lines.append(f"best set per {group_by or 'run'} by {metric}:")
        for row in [header, *rows]:
            lines.append(
                (
                    "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                ).rstrip()
            )
    elif metric is None:
        lines.append("(give --metric M to rank the sets and log the best model)")
    return "\n".join(lines)


def _pool(workers: int, target: Target) -> ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(target.kind, str(target.path)),
    )


def run_fanout(request: FanoutRequest, echo: Callable[[str], None] = print) -> int:
    """Run every parameter set; return the number of sets that failed."""
    from mlflow import MlflowClient
    from tqdm import tqdm

    quiet_mlflow_http_retries()
    target = load_target(request.target)
    sets = load_sets(request, target)
    if request.metric is None and request.log_models == "best":
        echo("note: no --metric given, so no best set is ranked and no model is logged")
    uri = request.options.tracking_uri
    os.environ["MLFLOW_TRACKING_URI"] = uri
    client = MlflowClient(uri)
    experiment_name = request.options.experiment_name or target.default_experiment
    experiment_id = ensure_experiment(client, experiment_name, uri=uri)
    parent_tags = {
        f"{TAG_PREFIX}.runner": "jupyter-mlops run (fan-out)",
        f"{TAG_PREFIX}.target": str(target.path),
        f"{TAG_PREFIX}.fanout.sets": str(len(sets.sets)),
    }
    commit = git_commit(target.path)
    if commit:
        parent_tags["mlflow.source.git.commit"] = commit
    parent = with_retries(
        lambda: client.create_run(
            experiment_id,
            run_name=request.options.run_name or f"{target.display_name}-fanout-{timestamp()}",
            tags=parent_tags,
        ),
        what=f"create the parent run in experiment {experiment_name!r}",
        uri=uri,
    )
    parent_id = parent.info.run_id
    workers = request.workers or os.cpu_count() or 1
    keep_models = request.log_models == "all" or (request.log_models == "best" and request.metric is not None)
    output_dir = (request.options.output_dir or default_output_dir()) / f"fanout-{parent_id[:8]}"
    capture_root = Path(tempfile.mkdtemp(prefix="jupyter-mlops-fanout-"))
    echo(
        f"parent run {parent_id}: {len(sets.sets)} parameter sets on {workers} worker(s), "
        f"experiment {experiment_name!r}"
    )
    started = time.monotonic()
    outcomes: list[SetOutcome] = []
    try:
        with _pool(workers, target) as pool:
            if isinstance(target, PackageTarget):
                futures = [
                    pool.submit(_package_set, index, one, keep_models) for index, one in enumerate(sets.sets)
                ]
            else:
                output_dir.mkdir(parents=True, exist_ok=True)
                futures = [
                    pool.submit(_notebook_set, index, one, str(output_dir), str(capture_root))
                    for index, one in enumerate(sets.sets)
                ]
            logger = ChildLogger(uri, experiment_id, parent_id, target, target.spec.defaults())
            if keep_models:  # the first model log imports mlflow.sklearn + skops (seconds): overlap it
                logger.threads.submit(_warm_up_model_logging)
            logged: list[Future[SetOutcome]] = []
            with tqdm(total=len(futures), desc="parameter sets", unit="set", leave=False) as progress:
                for future in as_completed(futures):
                    try:
                        outcome = future.result()
                    except Exception as error:  # a worker process died: that set failed, the rest go on
                        index = futures.index(future)
                        outcome = SetOutcome(index, sets.sets[index], error=f"worker died: {error}")
                    logged.append(logger.submit(outcome))
                    progress.update(1)
            outcomes = sorted((future.result() for future in logged), key=lambda outcome: outcome.index)
            logger.close()
        best = best_per_group(outcomes, request.metric, sets.group_by, request.greater_is_better)
        _log_models(outcomes, best, request, target, uri)
        failed = sum(1 for outcome in outcomes if outcome.error)
        parent_metrics = {
            "sets_total": len(outcomes),
            "sets_failed": failed,
            "wall_seconds": time.monotonic() - started,
        }
        if request.metric and best:
            values = [outcome.metrics[request.metric] for outcome in best.values()]
            parent_metrics[f"best_{request.metric}"] = (
                max(values) if request.greater_is_better else min(values)
            )
        log_batch(client, parent_id, uri=uri, metrics=parent_metrics, params=_common_params(outcomes))
        with_retries(lambda: client.set_terminated(parent_id, "FINISHED"), what="end the parent run", uri=uri)
    finally:
        shutil.rmtree(capture_root, ignore_errors=True)
    echo(summary_table(outcomes, best, request.metric, sets.group_by))
    echo(f"parent run {parent_id} in {time.monotonic() - started:.1f} s")
    return failed


def _warm_up_model_logging() -> None:
    """Import what logging a model needs while the pool computes."""
    import mlflow.sklearn  # noqa: F401
    import skops.io  # noqa: F401


def _common_params(outcomes: list[SetOutcome]) -> dict[str, object]:
    """Parameters with the same value in every set, logged on the parent run."""
    if not outcomes:
        return {}
    first = outcomes[0].parameters
    return {
        name: value for name, value in first.items() if all(o.parameters.get(name) == value for o in outcomes)
    }


def _log_models(
    outcomes: list[SetOutcome],
    best: dict[object, SetOutcome],
    request: FanoutRequest,
    target: Target,
    uri: str,
) -> None:
    """Log the models `--log-models` asks for and mark the best child runs."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    chosen = (
        outcomes
        if request.log_models == "all"
        else list(best.values())
        if request.log_models == "best"
        else []
    )
    best_ids = {outcome.index for outcome in best.values()}

    def log_one(outcome: SetOutcome) -> None:
        assert outcome.run_id is not None
        model = (
            outcome.model
            if outcome.model is not None
            else (load_pickled(outcome.model_path) if outcome.model_path else None)
        )
        if model is not None and not outcome.error:
            log_sklearn_model(model, outcome.run_id, uri=uri)
        if outcome.index in best_ids:
            log_batch(client, outcome.run_id, uri=uri, tags={f"{TAG_PREFIX}.fanout.best": "true"})

    with ThreadPoolExecutor(4) as threads:
        list(threads.map(log_one, [outcome for outcome in chosen if not outcome.error]))
