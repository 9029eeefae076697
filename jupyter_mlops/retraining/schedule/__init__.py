"""Schedules for `jupyter-mlops run`: cron on one machine, or a Prefect flow + deployment, or an Airflow DAG.

Every engine runs the same command (`python -m jupyter_mlops.cli run TARGET ...` with the interpreter that
wrote the schedule), so a schedule never depends on a Jupyter server, and switching a notebook for its
nb2prod package changes one path. The engines themselves are optional extras, imported only by the files
written here when they run. A schedule never overwrites: files with other content, and a deployment of the
same name in an existing prefect.yaml, are replaced only with `force` (schedule/files.py).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_mlops.retraining.errors import BadInputError

ENGINES = ("cron", "prefect", "airflow")


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
    name: str | None = None
    install: bool = False
    uninstall: bool = False
    force: bool = False
    python: str = field(default_factory=lambda: sys.executable)


@dataclass(frozen=True)
class Job:
    """A validated schedule: its name, cron expression, working folder and the command it runs."""

    name: str
    cron: str
    workdir: Path
    command: list[str]
    target: Path


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
    from jupyter_mlops.retraining.target import NotebookTarget, load_target

    if request.engine not in ENGINES:
        raise BadInputError(f"--target {request.engine!r}: choose one of {', '.join(ENGINES)}")
    cron = check_cron(request.cron)
    target = load_target(request.target)
    resolve(target.spec, request.parameters, where="-p")
    if request.metric and isinstance(target, NotebookTarget):
        known = [spec.name for spec in target.metrics] + ["duration_seconds"]
        if request.metric not in known:
            raise BadInputError(
                f"--metric {request.metric!r} is not a metric of {target.path.name}; "
                f"its metrics: {', '.join(known)}"
            )
    workdir = Path.cwd().resolve()
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
    return Job(name=schedule_name(request), cron=cron, workdir=workdir, command=command, target=target.path)


def write_schedule(request: ScheduleRequest) -> list[str]:
    """Write the engine's files; return the lines to print (what was written, how to start it)."""
    if (request.install or request.uninstall) and request.engine != "cron":
        raise BadInputError("--install/--uninstall edit your crontab; they only go with --target cron")
    if request.install and request.uninstall:
        raise BadInputError("give --install or --uninstall, not both")
    job = build_job(request)
    output_dir = request.output_dir.resolve()
    if request.engine == "cron":
        from jupyter_mlops.retraining.schedule import cron

        if request.uninstall:
            return cron.uninstall(job, output_dir)
        emit = cron.emit
    elif request.engine == "prefect":
        from jupyter_mlops.retraining.schedule import prefect

        emit = prefect.emit
    else:
        from jupyter_mlops.retraining.schedule import airflow

        emit = airflow.emit
    from jupyter_mlops.retraining.schedule.files import folder_lock

    with folder_lock(output_dir):
        lines = emit(job, output_dir, force=request.force)
    if request.engine == "cron":
        if request.install:
            lines.append(cron.install(job, output_dir))
        else:
            lines.append(
                "add it to your crontab: the same command with --install (or crontab -e and paste it)"
            )
    return lines
