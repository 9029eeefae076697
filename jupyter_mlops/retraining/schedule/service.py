"""Schedule Retraining for the panel: the dialog's choices, the cron preview, writing a schedule through the
CLI's own `write_schedule`, and the schedules of a folder with their last runs from MLflow.

The server has confined every path to the Jupyter root and passes files on disk; this module answers in the
contract's dataclasses, with paths relative to the root. Nothing here starts a job: the files written run
`jupyter-mlops run` from cron, Prefect or Airflow, outside the Jupyter server.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_mlops.core.contract import (
    ConvertedParameter,
    CronPreview,
    ScheduleCreateRequest,
    ScheduledRun,
    ScheduleEngineChoice,
    ScheduleOptions,
    SchedulesList,
    ScheduleSummary,
    ScheduleWritten,
)
from jupyter_mlops.core.errors import BadRequest
from jupyter_mlops.core.experiments import experiment_name_for, notebook_metadata
from jupyter_mlops.core.tracking import public_uri
from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.schedule import ScheduleRequest, engine_names, schedule_name, write_schedule
from jupyter_mlops.retraining.schedule.existing import ExistingSchedule, read_folder
from jupyter_mlops.retraining.schedule.preview import describe, meaning

DEFAULT_ENGINE = "cron"
DEFAULT_CRON = "0 3 * * 1"  # every Monday at 03:00
DEFAULT_FOLDER = "schedules"
DEFAULT_RUNS = 5
MAX_RUNS = 50
RUNS_PAGE_SIZE = 500
MAX_RUN_PAGES = 4
ENGINE_LABELS = {
    "cron": "cron on this machine",
    "prefect": "Prefect (flow + prefect.yaml deployment)",
    "airflow": "Airflow (DAG file)",
}
RUNNER_FILTER = "tags.`jupyter_mlops.runner` = 'jupyter-mlops run'"
TARGET_TAG = "jupyter_mlops.target"
EXECUTED_TAG = "jupyter_mlops.executed_notebook"
EXECUTED_ARTIFACT_DIR = "executed_notebook"


def relative(text: str, root: Path) -> str:
    """`text` with the root's absolute path taken out of the paths it names."""
    return text.replace(f"{root}/", "").replace(str(root), ".")


def engine_choices() -> list[ScheduleEngineChoice]:
    """The engines of the registry (built-in and entry points), labelled."""
    return [ScheduleEngineChoice(name, ENGINE_LABELS.get(name, name)) for name in engine_names()]


def schedule_options(notebook_file: Path, notebook: str, experiment_name: str) -> ScheduleOptions:
    """The dialog's choices for a notebook: its parameters (nb2prod's analysis), metrics and model."""
    from jupyter_mlops.retraining.target import load_notebook_target

    try:
        target = load_notebook_target(notebook_file)
    except BadInputError as error:
        raise BadRequest(relative(str(error), notebook_file.parent)) from None
    parameters = [
        ConvertedParameter(parameter.name, parameter.type_name, repr(parameter.default))
        for parameter in target.spec.parameters
    ]
    return ScheduleOptions(
        notebook=notebook,
        engines=engine_choices(),
        default_engine=DEFAULT_ENGINE,
        default_cron=DEFAULT_CRON,
        default_folder=DEFAULT_FOLDER,
        default_name=schedule_name(ScheduleRequest(notebook_file, DEFAULT_CRON, DEFAULT_ENGINE, Path("."))),
        experiment_name=experiment_name,
        parameters=parameters,
        metrics=target.known_metrics(),
        has_model=target.model_variable is not None,
    )


def preview(cron: str, engine: str | None = None, count: int | None = None) -> CronPreview:
    """What `cron` means for `engine`; an invalid expression is an answer (`valid` false), not an error."""
    engine = engine or DEFAULT_ENGINE
    if engine not in engine_names():
        raise BadRequest(f"engine {engine!r}: choose one of {', '.join(engine_names())}.")
    try:
        found = meaning(cron, engine, count or 5)
    except BadInputError as error:
        message = str(error).replace("--cron ", "", 1)
        if message.startswith("count"):
            raise BadRequest(message) from None
        return CronPreview(cron, False, None, None, [], message)
    return CronPreview(found.cron, True, found.description, found.timezone, found.next_runs, None)


def _parameter_pairs(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    pairs = []
    for name, value in (values or {}).items():
        if not isinstance(value, str):
            raise BadRequest(f"parameters {name!r}: give the value as text (as typed in the dialog).")
        if value.strip():
            pairs.append((name, value.strip()))
    return pairs


def _gate_arguments(request: ScheduleRequest) -> list[str]:
    arguments: list[str] = []
    if request.register:
        arguments += ["--register", request.register]
    if request.promote:
        arguments += ["--promote", request.promote]
    if request.metric:
        arguments += ["--metric", request.metric]
        arguments += ["--greater-is-better" if request.greater_is_better else "--lower-is-better"]
        arguments += ["--min-delta", repr(request.min_delta)]
    return arguments


def cli_command(request: ScheduleRequest, root: Path) -> list[str]:
    """`cd ROOT && python -m jupyter_mlops.cli schedule ...`: the CLI call that writes the same files."""
    command = [request.python, "-m", "jupyter_mlops.cli", "schedule", str(request.target)]
    command += ["--cron", request.cron, "--target", request.engine, "-o", str(request.output_dir)]
    for name, value in request.parameters:
        command += ["-p", name, value]
    if request.experiment:
        command += ["--experiment", request.experiment]
    if request.tracking_uri:
        command += ["--tracking-uri", request.tracking_uri]
    command += _gate_arguments(request)
    if request.name:
        command += ["--name", request.name]
    return ["cd", str(root), "&&", *command]


def shell_text(command: list[str]) -> str:
    """A command line to paste in a shell (`&&` kept as the operator)."""
    return " ".join(part if part == "&&" else shlex.quote(part) for part in command)


def schedule_files(engine: str, name: str, folder: Path) -> list[Path]:
    """The files a built-in engine writes for schedule `name` (none known for an outside engine)."""
    names = {
        "cron": [f"{name}.sh", f"{name}.crontab"],
        "prefect": [f"{name}_flow.py", "prefect.yaml"],
        "airflow": [f"{name}_dag.py"],
    }.get(engine, [])
    return [folder / file for file in names]


def create_schedule(
    notebook_file: Path,
    body: ScheduleCreateRequest,
    *,
    root: Path,
    folder_file: Path,
    folder: str,
    experiment_name: str,
    tracking_uri: str,
) -> ScheduleWritten:
    """Write the schedule as `jupyter-mlops schedule` does (same core function, never `--force`, never
    `--install`): blocking, run it on a thread. Bad input is a BadRequest with the CLI's message."""
    from jupyter_mlops.retraining.runner import check_gate_options

    if body.min_delta is not None and not isinstance(body.min_delta, (int, float)):
        raise BadRequest(f"min_delta must be a number; got {body.min_delta!r}.")
    request = ScheduleRequest(
        target=notebook_file,
        cron=(body.cron or DEFAULT_CRON).strip(),
        engine=body.engine or DEFAULT_ENGINE,
        output_dir=folder_file,
        parameters=_parameter_pairs(body.parameters),
        experiment=experiment_name,
        tracking_uri=public_uri(tracking_uri),
        register=(body.register or "").strip() or None,
        promote=(body.promote or "").strip() or None,
        metric=(body.metric or "").strip() or None,
        greater_is_better=True if body.greater_is_better is None else body.greater_is_better,
        min_delta=float(body.min_delta or 0.0),
        name=(body.name or "").strip() or None,
        python=sys.executable,
        workdir=root,
    )
    try:
        check_gate_options(request.register, request.promote, request.metric)
        lines = write_schedule(request)
        name = schedule_name(request)
    except BadInputError as error:
        raise BadRequest(relative(str(error), root)) from None
    files = schedule_files(request.engine, name, folder_file.resolve())
    crontab_file = folder_file.resolve() / f"{name}.crontab"
    crontab_line = crontab_file.read_text(encoding="utf-8").strip() if request.engine == "cron" else None
    command = cli_command(request, root)
    install = shell_text([*command, "--install"]) if request.engine == "cron" else relative(lines[-1], root)
    return ScheduleWritten(
        notebook=body.notebook,
        name=name,
        engine=request.engine,
        cron=" ".join(request.cron.split()),
        description=describe(" ".join(request.cron.split())),
        folder=folder,
        files=[relative(str(file), root) for file in files if file.exists()],
        lines=[relative(line, root) for line in lines if not line.startswith("add it to your crontab")],
        cli_command=shell_text(command),
        install_step=install,
        crontab_line=crontab_line,
    )


# ---------------------------------------------------------------- the schedules of a folder


def schedule_experiment(schedule: ExistingSchedule) -> str | None:
    """The experiment its runs go to: `--experiment`, else the target's default (as `run` decides)."""
    named = schedule.option("--experiment")
    if named:
        return named
    target = Path(schedule.target)
    if not target.exists():
        return None
    return experiment_name_for(target, notebook_metadata(target) if target.suffix == ".ipynb" else {})


def experiment_ids(client: Any, names: Iterable[str]) -> dict[str, str]:
    """Name → id of the experiments that exist, looked up in parallel (one call per distinct name)."""
    distinct = sorted(set(names))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(distinct))) as pool:
        found = list(pool.map(client.get_experiment_by_name, distinct))
    return {name: entity.experiment_id for name, entity in zip(distinct, found, strict=True) if entity}


def expected_params(schedule: ExistingSchedule) -> dict[str, str] | None:
    """The parameters its runs log (the notebook's defaults, then its `-p` values, as `run` logs them), so
    two schedules of one notebook with other parameters show their own runs; None when the target cannot be
    read (its runs are then matched by target only)."""
    from jupyter_mlops.retraining.params import coerce_value
    from jupyter_mlops.retraining.target import load_notebook_target

    target = Path(schedule.target)
    if target.suffix != ".ipynb" or not target.is_file():
        return None
    try:
        spec = load_notebook_target(target).spec
        overrides = {name: coerce_value(spec, name, raw) for name, raw in schedule.parameters()}
    except BadInputError:
        return None
    return {name: str(value) for name, value in {**spec.defaults(), **overrides}.items()}


@dataclass(frozen=True)
class RunMatcher:
    """Which runs are a schedule's: of its target in its experiment, with its parameters (when known)."""

    experiment_id: str
    target: str
    params: dict[str, str] | None

    def matches(self, run: Any) -> bool:
        """Whether `run` is one of this schedule's."""
        if (run.info.experiment_id, run.data.tags.get(TARGET_TAG)) != (self.experiment_id, self.target):
            return False
        logged = run.data.params
        return self.params is None or all(logged.get(name) == value for name, value in self.params.items())


def recent_runs(client: Any, matchers: list[RunMatcher], per_schedule: int) -> tuple[list[list[Any]], bool]:
    """The newest runs of each matcher, newest first: one search of `jupyter-mlops run` runs over every
    experiment at once, paged until each has `per_schedule` runs or MAX_RUN_PAGES pages were read; and
    whether older runs were left unread (the page cap was reached)."""
    found: list[list[Any]] = [[] for _ in matchers]
    ids = sorted({matcher.experiment_id for matcher in matchers})
    token = None
    for _page in range(MAX_RUN_PAGES):
        page = client.search_runs(
            experiment_ids=ids,
            filter_string=RUNNER_FILTER,
            max_results=RUNS_PAGE_SIZE,
            order_by=["attributes.start_time DESC"],
            page_token=token,
        )
        for run in page:
            for matcher, runs in zip(matchers, found, strict=True):
                if len(runs) < per_schedule and matcher.matches(run):
                    runs.append(run)
        token = page.token
        if not token or all(len(runs) >= per_schedule for runs in found):
            return found, False
    return found, True


def run_error(tags: Mapping[str, str]) -> str | None:
    """`cell 3: ValueError: bad value` from a run's failure tags (None when it did not fail in a cell)."""
    ename = tags.get("jupyter_mlops.error.ename")
    if not ename:
        return None
    cell = tags.get("jupyter_mlops.error.cell")
    where = f"cell {cell}: " if cell is not None else ""
    return f"{where}{ename}: {tags.get('jupyter_mlops.error.evalue', '')}"[:300]


def scheduled_run(run: Any, ui_url: str | None) -> ScheduledRun:
    """A run as the schedules list shows it, with links into the MLflow UI when there is one."""
    info, tags = run.info, run.data.tags
    executed = tags.get(EXECUTED_TAG)
    artifact = f"{EXECUTED_ARTIFACT_DIR}/{Path(executed).name}" if executed else None
    base = f"{ui_url}/#/experiments/{info.experiment_id}/runs/{info.run_id}" if ui_url else None
    return ScheduledRun(
        run_id=info.run_id,
        run_name=info.run_name or "",
        experiment_id=info.experiment_id,
        status=info.status,
        start_time=info.start_time,
        end_time=info.end_time,
        error=run_error(tags),
        executed_notebook=artifact,
        run_url=base,
        notebook_url=f"{base}/artifactPath/{artifact}" if base and artifact else None,
    )


def store_note(schedule: ExistingSchedule, store: str) -> str | None:
    """Why the panel cannot show a schedule's runs: they go to another tracking store."""
    uri = schedule.option("--tracking-uri")
    if uri and public_uri(uri) != store:
        return f"its runs go to {public_uri(uri)}, not this server's store"
    return None


def list_schedules(
    client: Any,
    folder_file: Path,
    *,
    root: Path,
    folder: str,
    tracking_uri: str,
    ui_url: str | None,
    runs: int | None = None,
) -> SchedulesList:
    """The schedules written in `folder_file` and, for those tracked in this server's store, their last runs
    (two MLflow round trips in all, however many schedules: experiment ids, then one paged run search)."""
    per_schedule = DEFAULT_RUNS if runs is None else runs
    if not 0 <= per_schedule <= MAX_RUNS:
        raise BadRequest(f"runs must be between 0 and {MAX_RUNS}; got {per_schedule}.")
    found = read_folder(folder_file)
    store = public_uri(tracking_uri)
    places = [
        (schedule, schedule_experiment(schedule), store_note(schedule, store)) for schedule in found.schedules
    ]
    tracked = [experiment for _, experiment, note in places if experiment and note is None]
    ids = experiment_ids(client, tracked) if per_schedule else {}
    matchers = {
        index: RunMatcher(ids[experiment], schedule.target, expected_params(schedule))
        for index, (schedule, experiment, note) in enumerate(places)
        if note is None and experiment in ids
    }
    runs_of, capped = recent_runs(client, list(matchers.values()), per_schedule) if matchers else ([], False)
    newest = dict(zip(matchers, runs_of, strict=True))
    unread = f"no run among the newest {RUNS_PAGE_SIZE * MAX_RUN_PAGES} runs of the listed experiments"
    summaries = []
    for index, (schedule, experiment, note) in enumerate(places):
        experiment_id = ids.get(experiment or "")
        latest = newest.get(index, [])
        summaries.append(
            ScheduleSummary(
                name=schedule.name,
                engine=schedule.engine,
                cron=schedule.cron,
                description=describe(schedule.cron) if schedule.cron else None,
                target=relative(schedule.target, root),
                files=[relative(str(file), root) for file in schedule.files],
                experiment_name=experiment,
                experiment_id=experiment_id,
                runs=[scheduled_run(run, ui_url) for run in latest],
                note=note or (unread if capped and index in matchers and not latest else None),
            )
        )
    return SchedulesList(folder=folder, schedules=summaries, problems=found.problems)
