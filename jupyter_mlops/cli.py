"""`jupyter-mlops` (also `jupyter mlops`): run a notebook or nb2prod package tracked in MLflow; schedule it.

Thin: options are parsed here and handed to `jupyter_mlops.retraining`; errors become a message and an exit
code (2 bad input, 1 failed run, 3 tracking server unreachable; fan-out: the number of failed sets;
`schedule` interrupted by Ctrl-C: 130). `serve`: 2 bad input (URI, unknown model/alias/version, export
folder), 3 registry unreachable, 4 port in use, 5 MLServer not installed, 1 the server failed.
`promote`: 2 bad input (unknown environment or version, bad configuration), 3 a registry unreachable,
4 permission denied.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from jupyter_mlops.retraining.errors import RetrainingError

F = Callable[..., Any]
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def parameter_options(function: F) -> F:
    """`-p NAME VALUE` (repeatable), as papermill spells it."""
    return click.option(
        "-p",
        "--parameter",
        "parameters",
        type=(str, str),
        multiple=True,
        metavar="NAME VALUE",
        help="Override a parameter of the `parameters` cell (checked against its type). Repeatable.",
    )(function)


def gate_options(function: F) -> F:
    """`--register/--promote/--metric/--greater-is-better/--lower-is-better/--min-delta/--max-drift/
    --block-on-drift`."""
    decorators = [
        click.option("--register", "register", metavar="NAME", help="Register the run's model under NAME."),
        click.option(
            "--promote", "promote", metavar="ALIAS", help="Move ALIAS to the new version if it wins."
        ),
        click.option(
            "--metric", "metric", metavar="M", help="Metric the challenger and champion compare on."
        ),
        click.option(
            "--greater-is-better/--lower-is-better",
            "greater_is_better",
            default=True,
            show_default=True,
            help="Direction of --metric.",
        ),
        click.option(
            "--min-delta", type=float, default=0.0, show_default=True, help="Margin the challenger needs."
        ),
        click.option(
            "--max-drift",
            type=float,
            metavar="SHARE",
            help="Do not promote when more than SHARE (0-1) of the training data's columns drifted from "
            "the champion's reference.",
        ),
        click.option(
            "--block-on-drift",
            is_flag=True,
            help="Do not promote when the training data drifted (half its columns, Evidently's rule).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


class EngineChoice(click.Choice):  # type: ignore[type-arg]
    """`--target`: a registered schedule engine; outside packages' entry points are read only when the
    value is not a built-in."""

    def __init__(self) -> None:
        from jupyter_mlops.retraining.schedule import BUILT_IN_ENGINES

        super().__init__(BUILT_IN_ENGINES)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from jupyter_mlops.retraining.schedule import engine_names

        if value not in self.choices:
            self.choices = engine_names()
        return super().convert(value, param, ctx)


def parse_shard(value: str | None, resume: str | None) -> tuple[int, int] | None:
    """`--shard I/N` as (I, N), 0 <= I < N; it needs --resume (the parent the shard logs into)."""
    from jupyter_mlops.retraining.errors import BadInputError

    if value is None:
        return None
    shard, _, shards = value.partition("/")
    if not (shard.isdigit() and shards.isdigit() and int(shard) < int(shards)):
        raise BadInputError(f"--shard {value!r}: expected I/N with 0 <= I < N, e.g. 0/4")
    if resume is None:
        raise BadInputError("--shard needs --resume PARENT_RUN_ID (the parent run it logs into)")
    return int(shard), int(shards)


def fail(error: RetrainingError) -> None:
    """Print a RetrainingError and exit with its code (no traceback)."""
    click.echo(f"jupyter-mlops: {error}", err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Retrain notebooks and nb2prod packages, tracked in MLflow, on a schedule."""


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@parameter_options
@click.option(
    "--experiment", metavar="NAME", help="MLflow experiment (default: the notebook's, as the panel names it)."
)
@click.option("--run-name", metavar="NAME", help="MLflow run name (default: <notebook>-<UTC time>).")
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or ./mlflow.db).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where executed notebooks are kept (default: ~/.cache/jupyter-mlops/runs).",
)
@click.option("--kernel", "kernel_name", metavar="NAME", help="Jupyter kernel (default: the notebook's).")
@click.option("--cell-timeout", type=float, metavar="SECONDS", help="Fail a cell that runs longer than this.")
@gate_options
@click.option("--grid", type=click.Path(dir_okay=False, path_type=Path), help="Fan out over a YAML grid.")
@click.option("--param-file", type=click.Path(dir_okay=False, path_type=Path), help="Fan out over CSV rows.")
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Fan-out processes (default: CPU count)."
)
@click.option("--group-by", metavar="PARAM", help="Fan-out summary: best set per value of PARAM.")
@click.option(
    "--log-models",
    type=click.Choice(["best", "all", "none"]),
    default="best",
    show_default=True,
    help="Fan-out: which child runs log their model (best: the best set per group by --metric).",
)
@click.option(
    "--engine",
    "fanout_engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Fan-out: where sets compute (local: a process pool; dask: Dask distributed).",
)
@click.option(
    "--address",
    metavar="tcp://HOST:PORT",
    help="--engine dask: the scheduler (default: a LocalCluster of --workers processes).",
)
@click.option(
    "--resume",
    metavar="PARENT_RUN_ID",
    help="Fan-out: re-run only the sets of that parent run that failed or never finished.",
)
@click.option(
    "--shard",
    metavar="I/N",
    help="Fan-out with --resume: run only sets I, I+N, ...; the parent stays open (a mapped task).",
)
@click.option(
    "--parent-only",
    is_flag=True,
    help="Fan-out: create the parent run, print its id, run no set (a scheduler's first task).",
)
@click.option(
    "--profile-data",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Training table (CSV/TSV/Parquet) to profile and test for drift; repeatable "
    "(default: the tables the notebook or package reads).",
)
@click.option("--no-profile", is_flag=True, help="Log no reference profile and check no drift.")
@click.option(
    "--no-alerts", is_flag=True, help="Send no alert even when ~/.config/jupyter-mlops/alerts.yaml is set."
)
def run(
    target: Path,
    parameters: tuple[tuple[str, str], ...],
    experiment: str | None,
    run_name: str | None,
    tracking_uri: str | None,
    output_dir: Path | None,
    kernel_name: str | None,
    cell_timeout: float | None,
    register: str | None,
    promote: str | None,
    metric: str | None,
    greater_is_better: bool,
    min_delta: float,
    grid: Path | None,
    param_file: Path | None,
    workers: int | None,
    group_by: str | None,
    log_models: str,
    fanout_engine: str,
    address: str | None,
    resume: str | None,
    shard: str | None,
    parent_only: bool,
    max_drift: float | None,
    block_on_drift: bool,
    profile_data: tuple[Path, ...],
    no_profile: bool,
    no_alerts: bool,
) -> None:
    """Run TARGET (a notebook, or a package written by nb2prod) once inside one MLflow run."""
    from jupyter_mlops.core.experiments import default_tracking_uri
    from jupyter_mlops.retraining.errors import BadInputError
    from jupyter_mlops.retraining.gate import GateOptions
    from jupyter_mlops.retraining.notebook_runner import RunOptions
    from jupyter_mlops.retraining.runner import RunRequest, check_gate_options, run_once

    try:
        check_gate_options(register, promote, metric, max_drift, block_on_drift)
        options = RunOptions(
            tracking_uri=tracking_uri or default_tracking_uri(),
            experiment_name=experiment,
            run_name=run_name,
            output_dir=output_dir,
            kernel_name=kernel_name,
            cell_timeout=cell_timeout,
        )
        gate = (
            GateOptions(
                register,
                promote,
                metric,
                greater_is_better,
                min_delta,
                max_drift=max_drift,
                block_on_drift=block_on_drift,
            )
            if register and promote and metric
            else None
        )
        fanout_only = resume or address or shard or parent_only or fanout_engine != "local"
        if fanout_only and grid is None and param_file is None:
            raise BadInputError(
                "--engine/--address/--resume/--shard/--parent-only go with a fan-out (--grid or --param-file)"
            )
        if grid is not None or param_file is not None:
            from jupyter_mlops.retraining.fanout import FanoutRequest, run_fanout

            if grid is not None and param_file is not None:
                raise BadInputError("give either --grid or --param-file, not both")
            if register:
                raise BadInputError(
                    "--register/--promote gate one run; run the best set again without --grid"
                )
            failed = run_fanout(
                FanoutRequest(
                    target=target,
                    parameters=parameters,
                    options=options,
                    grid=grid,
                    param_file=param_file,
                    workers=workers,
                    group_by=group_by,
                    metric=metric,
                    greater_is_better=greater_is_better,
                    log_models=log_models,
                    engine=fanout_engine,
                    address=address,
                    resume=resume,
                    shard=parse_shard(shard, resume),
                    parent_only=parent_only,
                ),
                echo=click.echo,
            )
            sys.exit(min(failed, 100))
        run_once(
            RunRequest(
                target=target,
                parameters=parameters,
                options=options,
                gate=gate,
                register_only=register if register and not promote else None,
                profile_data=profile_data,
                profile=not no_profile,
                alerts=not no_alerts,
            ),
            echo=click.echo,
        )
    except RetrainingError as error:
        fail(error)


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--cron", "cron_expression", required=True, metavar="EXPR", help='Cron expression, e.g. "0 3 * * 1".'
)
@click.option(
    "--target",
    "engine",
    type=EngineChoice(),
    default="cron",
    show_default=True,
    help="Scheduler that runs it.",
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the schedule files are written to.",
)
@parameter_options
@click.option("--experiment", metavar="NAME", help="MLflow experiment for the scheduled runs.")
@click.option(
    "--tracking-uri", metavar="URI", help="Tracking URI baked into the schedule (default: as `run`)."
)
@gate_options
@click.option("--name", "schedule_name", metavar="NAME", help="Schedule name (default: from TARGET).")
@click.option(
    "--grid", type=click.Path(dir_okay=False, path_type=Path), help="Fan out over a YAML grid at each run."
)
@click.option(
    "--param-file", type=click.Path(dir_okay=False, path_type=Path), help="Fan out over CSV rows at each run."
)
@click.option("--group-by", metavar="PARAM", help="Fan-out: best set per value of PARAM.")
@click.option(
    "--shards",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Fan-out on prefect/airflow: mapped tasks the sets are split over.",
)
@click.option("--install", is_flag=True, help="cron: add the line to your crontab (idempotent).")
@click.option("--uninstall", is_flag=True, help="cron: remove this schedule's line from your crontab.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace schedule files with other content, and a prefect.yaml deployment of the same name "
    "(without it, schedule never overwrites).",
)
def schedule(
    target: Path,
    cron_expression: str,
    engine: str,
    output_dir: Path,
    parameters: tuple[tuple[str, str], ...],
    experiment: str | None,
    tracking_uri: str | None,
    register: str | None,
    promote: str | None,
    metric: str | None,
    greater_is_better: bool,
    min_delta: float,
    max_drift: float | None,
    block_on_drift: bool,
    schedule_name: str | None,
    grid: Path | None,
    param_file: Path | None,
    group_by: str | None,
    shards: int,
    install: bool,
    uninstall: bool,
    force: bool,
) -> None:
    """Write a schedule that runs `jupyter-mlops run TARGET` — no Jupyter server needed when it fires."""
    from jupyter_mlops.retraining.runner import check_gate_options
    from jupyter_mlops.retraining.schedule import ScheduleRequest, write_schedule

    try:
        check_gate_options(register, promote, metric, max_drift, block_on_drift)
        request = ScheduleRequest(
            target=target,
            cron=cron_expression,
            engine=engine,
            output_dir=output_dir,
            parameters=parameters,
            experiment=experiment,
            tracking_uri=tracking_uri,
            register=register,
            promote=promote,
            metric=metric,
            greater_is_better=greater_is_better,
            min_delta=min_delta,
            max_drift=max_drift,
            block_on_drift=block_on_drift,
            name=schedule_name,
            grid=grid,
            param_file=param_file,
            group_by=group_by,
            shards=shards,
            install=install,
            uninstall=uninstall,
            force=force,
        )
        for line in write_schedule(request):
            click.echo(line)
    except RetrainingError as error:
        fail(error)
    except KeyboardInterrupt as interrupt:
        from converters.interrupts import InterruptedAfterWrite

        written = isinstance(interrupt, InterruptedAfterWrite)
        click.echo(
            "jupyter-mlops: interrupted after the schedule files were written"
            if written
            else "jupyter-mlops: interrupted; no schedule file was changed",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.option("--test", "send_test", is_flag=True, help="Send a test alert to every configured channel.")
def alerts(send_test: bool) -> None:
    """Show where alerts go (secrets masked); --test sends one. Exit 2: bad settings, 1: a channel failed."""
    from jupyter_mlops.retraining.alerts import Alert, notify
    from jupyter_mlops.retraining.alerts_config import config_path, load_alert_settings

    try:
        settings = load_alert_settings()
    except RetrainingError as error:
        fail(error)
    click.echo(f"settings: {settings.source} (file: {config_path()})")
    click.echo(f"events: {', '.join(sorted(settings.events))}")
    if settings.webhook is not None:
        click.echo(f"webhook: {settings.webhook.display}")
    if settings.email is not None:
        email = settings.email
        login = f", login as {email.username}" if email.username else ""
        tls = "STARTTLS" if email.starttls else "no TLS"
        click.echo(f"e-mail: {email.display} ({tls}{login}) to {', '.join(email.recipients)}")
    if not settings.enabled:
        click.echo("no channel configured: alerts are off")
        return
    if send_test:
        warnings: list[str] = []
        reached = notify(
            settings, Alert("test", "test alert", {"sent by": "jupyter-mlops alerts --test"}), warnings.append
        )
        for line in warnings:
            click.echo(f"jupyter-mlops: {line}", err=True)
        click.echo(f"test alert sent: {', '.join(reached) or 'nowhere'}")
        sys.exit(1 if warnings else 0)


@main.command()
@click.argument("model_uri", metavar="models:/NAME@ALIAS")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the server binds to.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="HTTP port.")
@click.option(
    "--engine",
    type=click.Choice(["mlserver", "mlflow"]),
    default="mlserver",
    show_default=True,
    help="mlserver: Seldon's MLServer (V2 inference protocol); mlflow: `mlflow models serve`.",
)
@click.option(
    "--follow", is_flag=True, help="Serve the version the alias points at, reloading when it moves."
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="--follow: how often the registry is asked.",
)
@click.option(
    "--grpc-port", type=click.IntRange(1, 65535), help="MLServer's gRPC port (default: a free one)."
)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write MLServer settings and a Seldon Core v2 Model manifest to DIR; serve nothing.",
)
@click.option("--force", is_flag=True, help="--export: replace files in DIR that differ.")
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="MLflow tracking/registry URI (default: $MLFLOW_TRACKING_URI or ./mlflow.db).",
)
def serve(
    model_uri: str,
    host: str,
    port: int,
    engine: str,
    follow: bool,
    poll_interval: float,
    grpc_port: int | None,
    export_dir: Path | None,
    force: bool,
    tracking_uri: str | None,
) -> None:
    """Serve a registered model version over HTTP (MLServer by default), or export it for Seldon Core v2."""
    from jupyter_mlops.core.experiments import default_tracking_uri
    from jupyter_mlops.serving.errors import ServingError

    uri = tracking_uri or default_tracking_uri()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # one line per event, no bars
    try:
        if export_dir is not None:
            from jupyter_mlops.serving.export import export_model

            for path in export_model(model_uri, uri, export_dir, force=force):
                click.echo(f"wrote {path}")
            return
        from jupyter_mlops.serving.serve import ServeRequest
        from jupyter_mlops.serving.serve import serve as serve_model

        request = ServeRequest(model_uri, uri, host, port, engine, follow, poll_interval, grpc_port)
        serve_model(request, echo=click.echo)
    except ServingError as error:
        click.echo(f"jupyter-mlops: {error}", err=True)
        sys.exit(error.exit_code)


@main.command()
@click.argument("name")
@click.argument("version")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="ENV",
    help="An environment of environments.yaml (docs/environments.md) or a registry URI.",
)
@click.option(
    "--from",
    "source_environment",
    metavar="ENV",
    help="Sign the source calls with this environment's credentials (default: yours).",
)
@click.option(
    "--tracking-uri", metavar="URI", help="Source registry (default: MLFLOW_TRACKING_URI or ./mlflow.db)."
)
def promote(
    name: str, version: str, to: str, source_environment: str | None, tracking_uri: str | None
) -> None:
    """Promote version VERSION of registered model NAME into another environment (alias or copy)."""
    from jupyter_mlops.core.experiments import default_tracking_uri
    from jupyter_mlops.core.session import quiet_mlflow_http_retries
    from jupyter_mlops.environments.config import load_environments, resolve_environment
    from jupyter_mlops.environments.promote import PromoteRequest
    from jupyter_mlops.environments.promote import promote as promote_version

    quiet_mlflow_http_retries()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    try:
        environments = load_environments()
        source = resolve_environment(source_environment, environments) if source_environment else None
        source_uri = tracking_uri or (source.tracking_uri if source else None) or default_tracking_uri()
        request = PromoteRequest(name, version, resolve_environment(to, environments), source_uri, source)
        for line in promote_version(request).lines():
            click.echo(line)
    except RetrainingError as error:
        fail(error)


@main.command()
@click.argument("experiment")
@click.option("--group-by", "group_by", required=True, metavar="PARAM", help="One row per value of PARAM.")
@click.option("--metric", metavar="M", help="Best value of M per group (and `--sort best`).")
@click.option(
    "--greater-is-better/--lower-is-better", "greater_is_better", default=True, help="Direction of --metric."
)
@click.option(
    "--sort",
    default="group",
    show_default=True,
    metavar="KEY",
    help="group, runs, failures, running, last_run or best; prefix - to reverse.",
)
@click.option("--filter", "filter_text", default="", metavar="TEXT", help="Groups whose value contains TEXT.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Groups shown.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True, help="Groups skipped.")
@click.option(
    "--model",
    "model_template",
    metavar="TEMPLATE",
    help="Registered model per group, {group} replaced by its value (champion, challenger, gate).",
)
@click.option("--alias", default="champion", show_default=True, help="The champion's alias.")
@click.option(
    "--scan",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Tracking server: newest runs read (0: all). Ignored when the store is a database.",
)
@click.option("--page-token", metavar="TOKEN", help="Tracking server: continue after an earlier answer.")
@click.option("--tracking-uri", metavar="URI", help="Default: $MLFLOW_TRACKING_URI or ./mlflow.db.")
@click.option(
    "--store-uri",
    metavar="URI",
    help="MLflow's database (its --backend-store-uri): aggregate every run there, read-only.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def fleet(
    experiment: str,
    group_by: str,
    metric: str | None,
    greater_is_better: bool,
    sort: str,
    filter_text: str,
    limit: int,
    offset: int,
    model_template: str | None,
    alias: str,
    scan: int,
    page_token: str | None,
    tracking_uri: str | None,
    store_uri: str | None,
    as_json: bool,
) -> None:
    """One row per group (value of --group-by) of EXPERIMENT's runs: failures, last run, best metric,
    champion and challenger, drift. Exit 2 on bad input, 3 when the store does not answer."""
    import json

    from jupyter_mlops.core.experiments import default_tracking_uri
    from jupyter_mlops.core.session import TrackingSession, quiet_mlflow_http_retries
    from jupyter_mlops.retraining.errors import TrackingUnavailableError
    from jupyter_mlops.retraining.fleet import FleetQuery, answer_json, fleet_lines, is_database_uri
    from jupyter_mlops.retraining.fleet import fleet as fleet_answer

    quiet_mlflow_http_retries()
    uri = tracking_uri or default_tracking_uri()
    query = FleetQuery(
        experiment,
        group_by,
        metric,
        greater_is_better,
        sort,
        filter_text,
        limit,
        offset,
        scan,
        page_token,
        model_template,
        alias,
    )
    try:
        session = TrackingSession(uri, unavailable=TrackingUnavailableError)
        answer = fleet_answer(session, query, store_uri or (uri if is_database_uri(uri) else None))
    except RetrainingError as error:
        fail(error)
    if as_json:
        click.echo(json.dumps(answer_json(answer), indent=1))
    else:
        for line in fleet_lines(answer, query):
            click.echo(line)


if __name__ == "__main__":
    main()
