"""Fan-out: one parent MLflow run, one child run per parameter set, on a process pool or Dask (executors.py).

Package targets run `pipeline.run_steps(**params)` in the pool's processes (no kernel, no MLflow
calls); notebook targets run papermill once per set. The parent logs each child run from a few threads as
results arrive (three REST calls per set: create with all tags, one log_batch, end), so tracking overlaps
computing and the calls' latency overlaps itself (against `mlflow server --workers N`, N > 1, each keep-alive
call waits ~40 ms on a delayed ACK: docs/retraining.md). Only small outcomes cross the process boundary: a
worker writes a model file only for sets that may be the best of their group. The best set of each group
has its model logged as soon as the group's last set is in (group_completion.py); or all, or none. A
failing set fails its own child run only. Each child carries its set's key, so `--resume PARENT` re-runs
only the sets without a FINISHED child (resume.py).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
from jupyter_mlops.retraining.executors import EngineSettings, SetEngine, SetJob, open_engine
from jupyter_mlops.retraining.group_completion import GroupCompletion
from jupyter_mlops.retraining.models import (
    load_pickled,
    log_sklearn_model,
    pip_requirements,
    require_sklearn_extra,
)
from jupyter_mlops.retraining.notebook_runner import EXECUTED_ARTIFACT_DIR, TAG_PREFIX, RunOptions
from jupyter_mlops.retraining.outcome import ExecutionPlace
from jupyter_mlops.retraining.parameter_sets import ParameterSets, read_grid, read_rows
from jupyter_mlops.retraining.params import resolve
from jupyter_mlops.retraining.provenance import default_output_dir, git_commit, timestamp
from jupyter_mlops.retraining.resume import (
    SET_KEY_TAG,
    EarlierAttempt,
    read_earlier_attempt,
    reopen_parent,
    set_key,
    unmark_former_best,
)
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
    engine: str = "local"  # executors.ENGINES
    address: str | None = None  # --engine dask: the scheduler (default: a LocalCluster of --workers)
    resume: str | None = None  # a parent run id: re-run only its sets that have no FINISHED child
    # (i, n): with `resume`, run only sets i, i+n, ... and leave the parent open (a scheduler's mapped task)
    shard: tuple[int, int] | None = None
    parent_only: bool = False  # create the parent run, print its id, run no set (a scheduler's first task)


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
    input_example: object | None = None  # the first rows of the kept model's training data
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
    group = group_of(outcome.parameters, context.group_by)
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
    if outcome.model_path is not None and result.error is None:
        outcome.input_example = result.input_example  # a few rows: they travel with the outcome
    return outcome


def log_child(session: TrackingSession, context: ChildContext, outcome: SetOutcome) -> SetOutcome:
    """Log one finished set as a child run: create (with all tags), one log_batch, end (FINISHED/FAILED)."""
    tags: dict[str, object] = {
        "mlflow.parentRunId": context.parent_id,
        f"{TAG_PREFIX}.fanout.set": str(outcome.index),
        SET_KEY_TAG: set_key(outcome.parameters),
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


def group_of(parameters: dict[str, object], group_by: str | None) -> object:
    """The group a set belongs to: its `group_by` value (one group, "all", without `group_by`)."""
    return parameters.get(group_by) if group_by else "all"


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
        group = group_of(outcome.parameters, group_by)
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


def run_fanout(request: FanoutRequest, echo: Callable[[str], None] = print) -> int:
    """Run every parameter set (with `resume`: those without a FINISHED child); return the number failed."""
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
    keep_models = keep_models and request.shard is None  # a shard's models: the final `--resume` logs them
    if keep_models:
        require_sklearn_extra()
    jobs = [SetJob(index, set_key(one), one) for index, one in enumerate(sets.sets)]
    if request.parent_only:
        context = _open_parent_run(session, request, target, len(jobs))
        echo(context.parent_id)
        return 0
    earlier: EarlierAttempt | None = None
    opened: ChildContext | None = None
    models_logged: set[int] = set()  # the sets whose model (and best mark) is logged already
    if request.resume:
        earlier = read_earlier_attempt(session, request.resume, jobs)
        done = {outcome.index for outcome in earlier.done}
        jobs = [job for job in jobs if job.index not in done]
        if request.shard is not None:
            shard, shards = request.shard
            jobs = [job for job in jobs if job.index % shards == shard]
        opened = _context_for(earlier, target)
        reopen_parent(session, request.resume, orphans=earlier.orphans if request.shard is None else [])
        echo(f"resuming parent run {request.resume}: {len(done)} set(s) finished before, {len(jobs)} to run")
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
    settings = EngineSettings(
        keeping=keeping,
        environment=session.child_environment(),
        workers=workers,
        output_dir=str(output_dir),
        capture_root=str(capture_root),
        address=request.address,
    )
    started = time.monotonic()
    outcomes: list[SetOutcome] = []
    # package sets start computing first (the workers need no MLflow): importing MLflow and opening the
    # experiment and parent run (seconds on a loaded box) overlap with the first sets; notebook sets, which
    # write executed notebooks, start only once the tracking server has answered
    try:
        engine = open_engine(request.engine, settings)  # a bad --address fails before any run is created
        try:
            if opened is None and not target.computes_before_tracking:
                opened = _open_parent_run(session, request, target, len(sets.sets))
            engine.submit(jobs)
            context = opened or _open_parent_run(session, request, target, len(sets.sets))
        except BaseException:  # e.g. the server is unreachable: stop computing, keep nothing half-done
            engine.cancel()
            raise
        parent_id = context.parent_id
        try:
            echo(
                f"parent run {parent_id}: {len(jobs)} parameter sets on {engine.description}, "
                f"experiment {request.options.experiment_name or target.default_experiment!r}"
            )
            logging = ThreadPoolExecutor(LOGGING_THREADS, thread_name_prefix="jupyter-mlops-log")
            if keep_models:  # the first model log imports mlflow.sklearn + skops (seconds): overlap it
                logging.submit(_warm_up_model_logging)
            logged: list[Future[SetOutcome]] = []
            # a fresh run logs each group's best model once the group's last set is in, during the run
            early = request.log_models == "best" and keep_models and earlier is None and request.shard is None
            with GroupCompletion[SetOutcome](
                [group_of(job.parameters, sets.group_by) for job in jobs] if early else [],
                lambda arrived: _log_group_best(session, arrived, request, sets.group_by, models_logged),
            ) as groups:
                try:
                    with tqdm(total=len(jobs), desc="parameter sets", unit="set", leave=False) as progress:
                        for outcome in engine.finished():  # the parent logs each set once, when it arrives
                            future = logging.submit(log_child, session, context, outcome)
                            logged.append(future)
                            if early:
                                groups.add(group_of(outcome.parameters, sets.group_by), future)
                            progress.update(1)
                    outcomes = [future.result() for future in logged]
                    groups.finish()
                finally:
                    logging.shutdown(wait=True, cancel_futures=True)
            if request.shard is not None:
                failed = sum(1 for outcome in outcomes if outcome.error)
                shard, shards = request.shard
                echo(f"shard {shard}/{shards}: {len(outcomes)} set(s) run, {failed} failed")
                return failed
            outcomes = sorted([*(earlier.done if earlier else []), *outcomes], key=lambda o: o.index)
            best = best_per_group(outcomes, request.metric, sets.group_by, request.greater_is_better)
            if earlier is not None and request.log_models == "best" and keep_models:
                _recompute_earlier_best_models(engine, best, earlier)
        finally:
            engine.close()
        if earlier is not None:
            unmark_former_best(session, earlier.marked_best, {o.run_id for o in best.values() if o.run_id})
        _log_models(session, outcomes, best, request, already=models_logged)
        _log_reference_profiles(session, target, list(best.values()), echo)
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


def _context_for(earlier: EarlierAttempt, target: Target) -> ChildContext:
    """Where a resumed fan-out logs its children: the earlier parent run."""
    return ChildContext(
        experiment_id=earlier.parent.info.experiment_id,
        parent_id=earlier.parent.info.run_id,
        target_path=str(target.path),
        display_name=target.display_name,
        defaults=target.spec.defaults(),
    )


def _recompute_earlier_best_models(
    engine: SetEngine, best: dict[object, SetOutcome], earlier: EarlierAttempt
) -> None:
    """A best set finished in an earlier attempt whose model was never logged: compute it again (its child
    run stays the earlier one) so `_log_models` can log the model."""
    earlier_ids = {outcome.run_id for outcome in earlier.done}
    missing = {
        outcome.index: outcome
        for outcome in best.values()
        if outcome.run_id in earlier_ids and outcome.run_id not in earlier.marked_best
    }
    if not missing:
        return
    engine.submit([SetJob(o.index, set_key(o.parameters), o.parameters) for o in missing.values()])
    for again in engine.finished():
        missing[again.index].model_path = again.model_path


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
    """Import what logging a model needs, and build MLflow's map of installed packages (seconds of file
    system scans, which each model-logging thread would otherwise race to build), while the pool computes."""
    import mlflow.sklearn  # noqa: F401
    import skops.io  # noqa: F401
    from mlflow.utils.requirements_utils import warn_dependency_requirement_mismatches

    warn_dependency_requirement_mismatches(pip_requirements())


def _common_params(outcomes: list[SetOutcome]) -> dict[str, object]:
    """Parameters with the same value in every set, logged on the parent run."""
    if not outcomes:
        return {}
    first = outcomes[0].parameters
    return {
        name: value for name, value in first.items() if all(o.parameters.get(name) == value for o in outcomes)
    }


def _log_reference_profiles(
    session: TrackingSession, target: Target, chosen: list[SetOutcome], echo: Callable[[str], None]
) -> None:
    """The reference profile of the training tables of each best child (the runs a model may be registered
    from); sets reading the same files share one read."""
    from jupyter_mlops.retraining.drift_profile import Table, log_reference_profile, tables_from_files
    from jupyter_mlops.retraining.training_data import data_folder, training_files

    read: dict[tuple[Path, ...], list[Table]] = {}
    for outcome in chosen:
        if outcome.run_id is None or outcome.error:
            continue
        try:
            files = tuple(training_files(target, outcome.parameters))
            if files and files not in read:
                read[files] = tables_from_files(list(files), data_folder(target))
            if files:
                log_reference_profile(session, outcome.run_id, read[files])
        except Exception as error:  # the sets' runs stand without a profile
            echo(f"warning: no reference profile for set {outcome.index}: {type(error).__name__}: {error}")


def _log_models(
    session: TrackingSession,
    outcomes: list[SetOutcome],
    best: dict[object, SetOutcome],
    request: FanoutRequest,
    already: set[int],
) -> None:
    """Log the models `--log-models` asks for and mark the best child runs, but for the sets in `already`
    (logged during the run)."""
    chosen = (
        outcomes
        if request.log_models == "all"
        else list(best.values())
        if request.log_models == "best"
        else []
    )
    best_ids = {outcome.index for outcome in best.values()}
    with ThreadPoolExecutor(4) as threads:
        list(
            threads.map(
                lambda outcome: _log_model(session, outcome, best=outcome.index in best_ids),
                [outcome for outcome in chosen if not outcome.error and outcome.index not in already],
            )
        )


def _log_group_best(
    session: TrackingSession,
    arrived: list[SetOutcome],
    request: FanoutRequest,
    group_by: str | None,
    models_logged: set[int],
) -> None:
    """Log the model of a completed group's best set and mark its run (what `_log_models` would do later)."""
    arrived.sort(key=lambda outcome: outcome.index)  # the same tie-break as over all the sets
    for outcome in best_per_group(arrived, request.metric, group_by, request.greater_is_better).values():
        _log_model(session, outcome, best=True)
        models_logged.add(outcome.index)


def _log_model(session: TrackingSession, outcome: SetOutcome, *, best: bool) -> None:
    """Log one set's model into its child run; mark the run when it is its group's best."""
    assert outcome.run_id is not None
    model = load_pickled(outcome.model_path) if outcome.model_path else None
    if model is not None and not outcome.error:
        log_sklearn_model(model, outcome.run_id, session, input_example=outcome.input_example)
    if best:
        session.log_batch(outcome.run_id, tags={f"{TAG_PREFIX}.fanout.best": "true"})
