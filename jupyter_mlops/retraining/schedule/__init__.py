"""Schedules for `jupyter-mlops run`: cron on one machine, or a Prefect flow + deployment, or an Airflow DAG.

Every engine runs the same command (`python -m jupyter_mlops.cli run TARGET ...` with the interpreter that
wrote the schedule), so a schedule never depends on a Jupyter server, and switching a notebook for its
nb2prod package changes one path. The engines themselves are optional extras, imported only by the files
written here when they run. A schedule never overwrites: files with other content, and a deployment of the
same name in an existing prefect.yaml, are replaced only with `force` (schedule/files.py).

With a grid or parameter file the schedule fans out: Prefect maps a task over shards of the sets (`.map`) and
Airflow expands one (dynamic task mapping); a first task creates the parent run (`--parent-only`), each shard
logs its children into it (`--resume PARENT --shard I/N`), and a last task repairs and closes it (`--resume`).

Engines sit in a small registry: each built-in module calls `register()` at its end, and an outside package
adds one through the entry point group `jupyter_mlops.schedule_engines` (name = `--target` value, object =
its `emit(job, output_dir, *, force) -> lines` function), loaded only when that name is asked for.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from jupyter_mlops.retraining.errors import BadInputError

BUILT_IN_ENGINES = ("cron", "prefect", "airflow")
ENTRY_POINT_GROUP = "jupyter_mlops.schedule_engines"


@dataclass
class ScheduleRequest:
    """`jupyter-mlops schedule TARGET --cron EXPR --target ENGINE -o DIR [...]`."""

    target: Path
    cron: str
    engine: str
    output_dir: Path
    parameters: Sequence[tuple[str, str]] = ()
    experiment: str | None = None
    tracking_uri: str | None = None
    register: str | None = None
    promote: str | None = None
    metric: str | None = None
    greater_is_better: bool = True
    min_delta: float = 0.0
    max_drift: float | None = None
    block_on_drift: bool = False
    name: str | None = None
    install: bool = False
    uninstall: bool = False
    force: bool = False
    grid: Path | None = None
    param_file: Path | None = None
    group_by: str | None = None
    shards: int = 4
    python: str = field(default_factory=lambda: sys.executable)
    workdir: Path | None = None  # where the command runs; default: the current folder (the CLI's)


@dataclass(frozen=True)
class Job:
    """A validated schedule: its name, cron expression, working folder and the command it runs."""

    name: str
    cron: str
    workdir: Path
    command: list[str]
    target: Path
    shards: int | None = None  # a fan-out: the number of mapped tasks its sets are split over


@dataclass(frozen=True)
class ScheduleEngine:
    """A scheduler `--target NAME` writes files for: `emit(job, output_dir)` writes them and returns the lines
    to print; an engine that `edits_crontab` also takes `install=` / `uninstall=`."""

    name: str
    emit: Callable[..., list[str]]
    edits_crontab: bool = False


_ENGINES: dict[str, ScheduleEngine] = {}


def register(name: str, emit: Callable[..., list[str]], *, edits_crontab: bool = False) -> None:
    """Add (or replace) the engine `--target NAME` selects."""
    _ENGINES[name] = ScheduleEngine(name, emit, edits_crontab)


def engine_names() -> list[str]:
    """The built-in engines, then those outside packages declare (not imported yet)."""
    outside = [entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)]
    return list(dict.fromkeys([*BUILT_IN_ENGINES, *outside]))


def get_engine(name: str) -> ScheduleEngine:
    """The engine registered as `name`: a built-in module or an entry point is imported on first use."""
    if name not in _ENGINES and name in BUILT_IN_ENGINES:
        importlib.import_module(f"{__name__}.{name}")
    if name not in _ENGINES:
        for entry in entry_points(group=ENTRY_POINT_GROUP, name=name):
            register(name, entry.load())
    if name not in _ENGINES:
        raise BadInputError(f"--target {name!r}: choose one of {', '.join(engine_names())}")
    return _ENGINES[name]


def check_cron(expression: str) -> str:
    """The expression if croniter accepts it (5 fields); BadInputError naming it otherwise."""
    from croniter import croniter

    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        raise BadInputError(
            f"--cron {expression!r} is not a valid cron expression "
            '(five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1")'
        )
    return " ".join(fields)


def schedule_name(request: ScheduleRequest) -> str:
    """A name usable as a file stem, Prefect flow, Airflow dag_id: from --name, else the target's stem."""
    raw = request.name or request.target.resolve().name.removesuffix(".ipynb")
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")
    if not name:
        raise BadInputError(f"--name {raw!r} has no letters or digits to name the schedule with")
    return name


def build_job(request: ScheduleRequest) -> Job:
    """Validate everything (target, parameters, cron, gate options) and build the command; writes nothing."""
    from jupyter_mlops.core.experiments import default_tracking_uri
    from jupyter_mlops.retraining.params import resolve
    from jupyter_mlops.retraining.target import check_metric, load_target

    get_engine(request.engine)
    cron = check_cron(request.cron)
    target = load_target(request.target)
    resolve(target.spec, request.parameters, where="-p")
    fanout = _fanout_arguments(request, target)
    if request.metric:
        check_metric(target, request.metric, listing="its metrics")
    workdir = (request.workdir or Path.cwd()).resolve()
    command = [request.python, "-m", "jupyter_mlops.cli", "run", str(target.path)]
    for name, value in request.parameters:
        command += ["-p", name, value]
    if request.experiment:
        command += ["--experiment", request.experiment]
    command += ["--tracking-uri", request.tracking_uri or default_tracking_uri(workdir)]
    if request.register:
        command += ["--register", request.register]
    if request.promote:
        command += ["--promote", request.promote]
    if request.metric:
        command += [
            "--metric",
            request.metric,
            "--greater-is-better" if request.greater_is_better else "--lower-is-better",
        ]
        command += ["--min-delta", repr(request.min_delta)]
    if request.max_drift is not None:
        command += ["--max-drift", repr(request.max_drift)]
    if request.block_on_drift:
        command += ["--block-on-drift"]
    return Job(
        name=schedule_name(request),
        cron=cron,
        workdir=workdir,
        command=command + fanout,
        target=target.path,
        shards=request.shards if fanout else None,
    )


def _fanout_arguments(request: ScheduleRequest, target: object) -> list[str]:
    """`--grid/--param-file FILE [--group-by P]`, the file checked now (absolute: the scheduler's folder
    differs); empty when the schedule runs once."""
    from jupyter_mlops.retraining.fanout import FanoutRequest, load_sets
    from jupyter_mlops.retraining.notebook_runner import RunOptions

    if request.grid is None and request.param_file is None:
        return []
    if request.grid is not None and request.param_file is not None:
        raise BadInputError("give either --grid or --param-file, not both")
    if request.register:
        raise BadInputError(
            "--register/--promote gate one run; a fan-out schedule logs the best set per group"
        )
    if request.shards < 1:
        raise BadInputError(f"--shards {request.shards}: expected 1 or more")
    check = FanoutRequest(
        target=request.target,
        parameters=request.parameters,
        options=RunOptions(tracking_uri=""),
        grid=request.grid,
        param_file=request.param_file,
        group_by=request.group_by,
    )
    load_sets(check, target)  # type: ignore[arg-type]
    option, path = (
        ("--grid", request.grid) if request.grid is not None else ("--param-file", request.param_file)
    )
    assert path is not None
    arguments = [option, str(path.resolve())]
    if request.group_by:
        arguments += ["--group-by", request.group_by]
    return arguments


def write_schedule(request: ScheduleRequest) -> list[str]:
    """Write the engine's files; return the lines to print (what was written, how to start it)."""
    engine = get_engine(request.engine)
    if (request.install or request.uninstall) and not engine.edits_crontab:
        raise BadInputError("--install/--uninstall edit your crontab; they only go with --target cron")
    if request.install and request.uninstall:
        raise BadInputError("give --install or --uninstall, not both")
    job = build_job(request)
    if any("\x00" in argument for argument in job.command):
        raise BadInputError(
            "a schedule's arguments cannot hold a NUL character (a command line cannot pass one)"
        )
    output_dir = request.output_dir.resolve()
    from jupyter_mlops.retraining.schedule.files import folder_lock

    with folder_lock(output_dir):
        if engine.edits_crontab:
            return engine.emit(
                job, output_dir, force=request.force, install=request.install, uninstall=request.uninstall
            )
        return engine.emit(job, output_dir, force=request.force)
