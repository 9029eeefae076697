"""Fan-out: one parent MLflow run, one child run per parameter set, a local process pool.

Package targets run `pipeline.run_steps(**params)` in the pool's processes (no kernel, no MLflow
calls); notebook targets run papermill once per set. The parent logs each child run from a few threads as
results arrive (three REST calls per set: create with all tags, one log_batch, end), so tracking overlaps
computing and the calls' latency overlaps itself (against `mlflow server --workers N`, N > 1, each keep-alive
call waits ~40 ms on a delayed ACK: docs/retraining.md). Only small outcomes cross the process boundary: a
worker writes a model file only for sets that may be the best of their group. Models are logged for the best
set of each group (or all, or none). A failing set fails its own child run only.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_mlops.core.session import (
    MAX_TAG_VALUE,
    TrackingSession,
    clip,
    quiet_mlflow_http_retries,
    quiet_mlflow_run_urls,
)
from jupyter_mlops.retraining.errors import BadInputError, TrackingUnavailableError
from jupyter_mlops.retraining.models import load_pickled, log_sklearn_model, require_sklearn_extra
from jupyter_mlops.retraining.notebook_runner import EXECUTED_ARTIFACT_DIR, TAG_PREFIX, RunOptions
from jupyter_mlops.retraining.outcome import ExecutionPlace
from jupyter_mlops.retraining.parameter_sets import ParameterSets, read_grid, read_rows
from jupyter_mlops.retraining.params import resolve
from jupyter_mlops.retraining.provenance import default_output_dir, git_commit, timestamp
from jupyter_mlops.retraining.target import Target, load_target

LOGGING_THREADS = 8  # overlaps the REST calls' latency; the server, not the threads, bounds throughput


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
    model_path: str | None = None
    executed_notebook: str | None = None
    run_id: str | None = None


# -- workers (module level so the pool can pickle them) ---------------------------------------------------


@dataclass(frozen=True)
class ModelKeeping:
    """Which models workers keep (picklable: passed to the pool's initializer)."""

    target_path: str
    model_dir: str
    keep_models: str  # "all", "best" or "none"
    metric: str | None
    group_by: str | None
    greater_is_better: bool


@dataclass(frozen=True)
class ChildContext:
    """Where the parent logs child runs."""

    experiment_id: str
    parent_id: str
    target_path: str
    display_name: str
    defaults: dict[str, object]


@dataclass
class _Worker:
    target: Target
    context: ModelKeeping
    best: dict[object, float] = field(default_factory=dict)


_WORKER: _Worker | None = None


def _init_worker(context: ModelKeeping, environment: dict[str, str]) -> None:
    """Load the target once per worker process; its own environment names the tracking store (for the
    notebooks' kernels, which inherit it)."""
    global _WORKER
    os.environ.update(environment)
    _WORKER = _Worker(load_target(context.target_path), context)


def _keeps_model(worker: _Worker, outcome: SetOutcome) -> bool:
    """Whether this set's model may be needed at the end: all, or the best so far of its group here.

    The best set of a group is the best of its group in the worker that ran it, so a worker writes a
    model file only when a set ties or beats the best it has seen for that group (a few files, not 200).
    """
    context = worker.context
    if context.keep_models == "all":
        return True
    if context.keep_models != "best" or context.metric is None:
        return False
    value = outcome.metrics.get(context.metric)
    if value is None:
        return False
    group = outcome.parameters.get(context.group_by) if context.group_by else "all"
    current = worker.best.get(group)
    if current is not None and better(current, value, context.greater_is_better):
        return False
    worker.best[group] = value
    return True


def _execute_set(index: int, parameters: dict[str, object], output_dir: str, capture_root: str) -> SetOutcome:
    """Execute one parameter set through the target (the parent logs its child run); only a model that may be
    the best of its group is written to a file, and the model object never crosses the process boundary."""
    worker = _WORKER
    assert worker is not None
    target = worker.target
    place = ExecutionPlace(
        output_path=Path(output_dir) / f"{target.path.stem}-set{index:04d}.ipynb",
        capture_folder=Path(capture_root) / f"set{index:04d}",
    )
    result = target.execute(parameters, place)
    outcome = SetOutcome(
        index,
        parameters,
        metrics=result.metrics,
        error=result.error,
        error_detail=result.error_detail,
        duration_seconds=result.duration_seconds,
        model_path=result.model_path,
        executed_notebook=result.executed_notebook,
    )
    if result.model is not None and result.error is None and _keeps_model(worker, outcome):
        path = Path(worker.context.model_dir) / f"set{index:04d}.pkl"
        with path.open("wb") as handle:
            pickle.dump(result.model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        outcome.model_path = str(path)
    return outcome


def log_child(session: TrackingSession, context: ChildContext, outcome: SetOutcome) -> SetOutcome:
    """Log one finished set as a child run: create (with all tags), one log_batch, end (FINISHED/FAILED)."""
    tags: dict[str, object] = {
        "mlflow.parentRunId": context.parent_id,
        f"{TAG_PREFIX}.fanout.set": str(outcome.index),
        f"{TAG_PREFIX}.target": context.target_path,
    }
    if outcome.error:
        tags[f"{TAG_PREFIX}.error"] = clip(outcome.error, MAX_TAG_VALUE)
        if outcome.error_detail:
            tags[f"{TAG_PREFIX}.error.detail"] = clip(outcome.error_detail, MAX_TAG_VALUE)
    run = session.call(
        "create a child run",
        lambda client: client.create_run(
            context.experiment_id,
            run_name=f"{context.display_name}-set{outcome.index:04d}",
            tags={key: str(value) for key, value in tags.items()},
        ),
    )
    outcome.run_id = run_id = run.info.run_id
    session.log_batch(
        run_id,
        params={**context.defaults, **outcome.parameters},
        metrics={**outcome.metrics, "duration_seconds": round(outcome.duration_seconds, 4)},
    )
    notebook = outcome.executed_notebook
    if notebook and Path(notebook).exists():
        session.call(
            "upload an executed notebook",
            lambda client: client.log_artifact(run_id, notebook, EXECUTED_ARTIFACT_DIR),
        )
    status = "FAILED" if outcome.error else "FINISHED"
    session.call("end a child run", lambda client: client.set_terminated(run_id, status))
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


def _pool(workers: int, context: ModelKeeping, session: TrackingSession) -> ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(context, session.child_environment()),
    )


def run_fanout(request: FanoutRequest, echo: Callable[[str], None] = print) -> int:
    """Run every parameter set; return the number of sets that failed."""
    from tqdm import tqdm

    quiet_mlflow_http_retries()
    quiet_mlflow_run_urls()  # else set_terminated costs a get_run per child run
    session = TrackingSession(request.options.tracking_uri, unavailable=TrackingUnavailableError)
    target = load_target(request.target)
    sets = load_sets(request, target)
    if request.metric is None and request.log_models == "best":
        echo("note: no --metric given, so no best set is ranked and no model is logged")
    workers = request.workers or os.cpu_count() or 1
    keep_models = request.log_models == "all" or (request.log_models == "best" and request.metric is not None)
    if keep_models:
        require_sklearn_extra()
    capture_root = Path(tempfile.mkdtemp(prefix="jupyter-mlops-fanout-"))
    capture_root.joinpath("models").mkdir()
    output_dir = (request.options.output_dir or default_output_dir()) / f"fanout-{timestamp()}-{os.getpid()}"
    keeping = ModelKeeping(
        target_path=str(target.path),
        model_dir=str(capture_root / "models"),
        keep_models=request.log_models if keep_models else "none",
        metric=request.metric,
        group_by=sets.group_by,
        greater_is_better=request.greater_is_better,
    )
    started = time.monotonic()
    outcomes: list[SetOutcome] = []
    # package sets start computing first (the workers need no MLflow): importing MLflow and opening the
    # experiment and parent run (seconds on a loaded box) overlap with the first sets; notebook sets, which
    # write executed notebooks, start only once the tracking server has answered
    opened = (
        None
        if target.computes_before_tracking
        else _open_parent_run(session, request, target, len(sets.sets))
    )
    try:
        with _pool(workers, keeping, session) as pool:
            futures = [
                pool.submit(_execute_set, index, one, str(output_dir), str(capture_root))
                for index, one in enumerate(sets.sets)
            ]
            try:
                context = opened or _open_parent_run(session, request, target, len(sets.sets))
            except BaseException:  # e.g. the server is unreachable: stop computing, keep nothing half-done
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            parent_id = context.parent_id
            echo(
                f"parent run {parent_id}: {len(sets.sets)} parameter sets on {workers} worker(s), "
                f"experiment {request.options.experiment_name or target.default_experiment!r}"
            )
            logging = ThreadPoolExecutor(LOGGING_THREADS, thread_name_prefix="jupyter-mlops-log")
            if keep_models:  # the first model log imports mlflow.sklearn + skops (seconds): overlap it
                logging.submit(_warm_up_model_logging)
            logged: list[Future[SetOutcome]] = []
            try:
                with tqdm(total=len(futures), desc="parameter sets", unit="set", leave=False) as progress:
                    for future in as_completed(futures):
                        try:
                            outcome = future.result()
                        except Exception as error:  # a worker process died: that set failed, the rest go on
                            index = futures.index(future)
                            outcome = SetOutcome(index, sets.sets[index], error=f"worker died: {error}")
                        logged.append(logging.submit(log_child, session, context, outcome))
                        progress.update(1)
                outcomes = sorted((future.result() for future in logged), key=lambda outcome: outcome.index)
            finally:
                logging.shutdown(wait=True, cancel_futures=True)
        best = best_per_group(outcomes, request.metric, sets.group_by, request.greater_is_better)
        _log_models(session, outcomes, best, request)
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
        session.log_batch(parent_id, metrics=parent_metrics, params=_common_params(outcomes))
        session.call("end the parent run", lambda client: client.set_terminated(parent_id, "FINISHED"))
    finally:
        shutil.rmtree(capture_root, ignore_errors=True)
    echo(summary_table(outcomes, best, request.metric, sets.group_by))
    echo(f"parent run {parent_id} in {time.monotonic() - started:.1f} s")
    return failed


def _open_parent_run(
    session: TrackingSession, request: FanoutRequest, target: Target, count: int
) -> ChildContext:
    """Import MLflow, open the experiment and create the parent run; where the children go."""
    experiment_name = request.options.experiment_name or target.default_experiment
    experiment_id = session.ensure_experiment(experiment_name)
    parent_tags = {
        f"{TAG_PREFIX}.runner": "jupyter-mlops run (fan-out)",
        f"{TAG_PREFIX}.target": str(target.path),
        f"{TAG_PREFIX}.fanout.sets": str(count),
    }
    commit = git_commit(target.path)
    if commit:
        parent_tags["mlflow.source.git.commit"] = commit
    parent = session.call(
        f"create the parent run in experiment {experiment_name!r}",
        lambda client: client.create_run(
            experiment_id,
            run_name=request.options.run_name or f"{target.display_name}-fanout-{timestamp()}",
            tags=parent_tags,
        ),
    )
    return ChildContext(
        experiment_id=experiment_id,
        parent_id=parent.info.run_id,
        target_path=str(target.path),
        display_name=target.display_name,
        defaults=target.spec.defaults(),
    )


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
    session: TrackingSession,
    outcomes: list[SetOutcome],
    best: dict[object, SetOutcome],
    request: FanoutRequest,
) -> None:
    """Log the models `--log-models` asks for and mark the best child runs."""
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
        model = load_pickled(outcome.model_path) if outcome.model_path else None
        if model is not None and not outcome.error:
            log_sklearn_model(model, outcome.run_id, session)
        if outcome.index in best_ids:
            session.log_batch(outcome.run_id, tags={f"{TAG_PREFIX}.fanout.best": "true"})

    with ThreadPoolExecutor(4) as threads:
        list(threads.map(log_one, [outcome for outcome in chosen if not outcome.error]))
