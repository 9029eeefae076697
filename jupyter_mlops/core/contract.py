"""The REST contract between the server extension and the panel — the single source of truth.

Every request and response body is a dataclass here; `ENDPOINTS` lists every route with its method, path,
query type, body type and response type. `jupyter_mlops.server.contract_ts` generates
`labextension/src/contract.ts` and the endpoint table of `docs/api.md` from this module, and a test fails
when either is stale. Timestamps are milliseconds since the epoch; NaN or infinite metric values are null.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

API_NAMESPACE = "jupyter-mlops"

RunStatus = Literal["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]
RunView = Literal["active", "deleted", "all"]
StoreKind = Literal["sqlite", "file", "http", "databricks", "other"]
ErrorCode = Literal[
    "bad_request",
    "unauthenticated",
    "permission_denied",
    "not_found",
    "conflict",
    "mlflow_error",
    "store_unreachable",
    "internal_error",
]
ModelVersionStatus = Literal["PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY"]
PytestJobStatus = Literal["running", "passed", "failed", "error"]


def to_json(value: Any) -> Any:
    """Turn a contract dataclass (or list/dict of them) into JSON-able data."""
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


# ---------------------------------------------------------------- errors and configuration


@dataclass
class ErrorBody:
    """Every non-2xx answer: what went wrong for the user (`message`) and for a developer (`detail`)."""

    status: int
    code: ErrorCode
    message: str
    detail: str | None = None


@dataclass
class ConfigResponse:
    """Which store the server is connected to (credentials stripped) and the panel's settings.

    `auth_configured` tells whether the server holds MLflow credentials; they never leave the server.
    """

    tracking_uri: str
    registry_uri: str
    store_kind: StoreKind
    ui_url: str | None
    alias_names: list[str]
    mlflow_version: str
    auth_configured: bool
    refresh_seconds: float


# ---------------------------------------------------------------- experiments


@dataclass
class Experiment:
    """An MLflow experiment."""

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int | None
    last_update_time: int | None
    tags: dict[str, str]


@dataclass
class ExperimentsQuery:
    """Query of GET experiments: an MLflow experiment filter, paged."""

    filter: str | None = None
    max_results: int | None = None
    page_token: str | None = None


@dataclass
class ExperimentsPage:
    """One page of experiments, newest first."""

    experiments: list[Experiment]
    next_page_token: str | None


@dataclass
class NotebookExperimentQuery:
    """Query of GET experiment: a notebook path relative to the Jupyter root (as in the contents API)."""

    notebook: str


@dataclass
class NotebookExperimentRequest:
    """Body of POST experiment: create (or find) the notebook's experiment."""

    notebook: str


@dataclass
class NotebookExperimentResponse:
    """The notebook's experiment: its name by the shared rule, and the experiment if it exists."""

    notebook: str
    experiment_name: str
    experiment: Experiment | None


# ---------------------------------------------------------------- runs


@dataclass
class RunSummary:
    """A run as listed: info, params, latest metrics, tags and the ids of the LoggedModels it produced."""

    run_id: str
    run_name: str
    experiment_id: str
    status: RunStatus
    start_time: int | None
    end_time: int | None
    duration_ms: int | None
    user_id: str
    lifecycle_stage: str
    params: dict[str, str]
    metrics: dict[str, float | None]
    tags: dict[str, str]
    model_ids: list[str]


@dataclass
class RunsQuery:
    """Query of GET runs: MLflow search syntax, server-side sort and pagination with MLflow page tokens.

    `order_by` is a comma-separated list such as `metrics.accuracy DESC,attributes.start_time DESC`;
    `max_results` is 1..1000 (default 100).
    """

    experiment_id: str
    filter: str | None = None
    order_by: str | None = None
    page_token: str | None = None
    max_results: int | None = None
    run_view: RunView | None = None


@dataclass
class RunsPage:
    """One page of runs and the param/metric keys seen on it (for column pickers)."""

    runs: list[RunSummary]
    next_page_token: str | None
    param_keys: list[str]
    metric_keys: list[str]


@dataclass
class ArtifactEntry:
    """One file or folder among a run's artifacts."""

    path: str
    is_dir: bool
    file_size: int | None


@dataclass
class ArtifactsQuery:
    """Query of GET runs/{run_id}/artifacts: a folder relative to the run's artifact root."""

    path: str | None = None


@dataclass
class ArtifactList:
    """The entries of one artifact folder of a run."""

    run_id: str
    path: str
    files: list[ArtifactEntry]


@dataclass
class ModelVersionRef:
    """A registered model version pointing at a LoggedModel."""

    name: str
    version: str


@dataclass
class LoggedModelInfo:
    """An MLflow 3 LoggedModel (`models:/m-<id>`) produced by a run."""

    model_id: str
    name: str
    model_uri: str
    artifact_location: str
    status: str
    creation_time: int | None
    source_run_id: str | None
    registered_versions: list[ModelVersionRef]


@dataclass
class DriftFeature:
    """One tested column of a drift check: its test statistic and p-value (null for distance tests)."""

    feature: str
    statistic: float | None
    p_value: float | None


@dataclass
class DriftSummary:
    """The drift check a run logged (`jupyter-mlops run` with a champion): share of drifted columns,
    the most drifted ones, and the report artifact (null when none was logged)."""

    summary: str
    share_drifted: float | None
    columns_drifted: int | None
    columns_total: int | None
    dataset_drift: bool
    reference: str | None
    top_features: list[DriftFeature]
    report_path: str | None


@dataclass
class RunDetail:
    """One run: everything in its summary, its root artifacts and its LoggedModels.

    `register_disabled_reason` is null when the run has a model to register, else why it cannot be;
    `drift` is null when the run logged no drift check.
    """

    run: RunSummary
    artifacts: list[ArtifactEntry]
    models: list[LoggedModelInfo]
    register_disabled_reason: str | None
    drift: DriftSummary | None = None


@dataclass
class DriftReport:
    """A run's drift report: a self-contained HTML page (the panel shows it in a sandboxed frame)."""

    run_id: str
    path: str
    html: str


@dataclass
class MetricHistoryQuery:
    """Query of GET runs/{run_id}/metric-history: key; at most `max_points` (2..10000, default 1000)."""

    key: str
    max_points: int | None = None


@dataclass
class MetricPoint:
    """One logged value of a metric."""

    step: int
    timestamp: int
    value: float | None


@dataclass
class MetricHistory:
    """A metric's history, sampled when longer than `max_points`.

    Sampling keeps the first and last step, evenly spaced steps between them (as MLflow's UI does) and
    also the minimum and maximum values, so a spike is never sampled away.
    """

    run_id: str
    key: str
    points: list[MetricPoint]
    total_points: int
    sampled: bool


@dataclass
class CompareQuery:
    """Query of GET compare: 2..20 comma-separated run ids."""

    run_ids: str


@dataclass
class CompareResponse:
    """Several runs side by side and which params and metrics differ between them."""

    runs: list[RunSummary]
    param_keys: list[str]
    metric_keys: list[str]
    differing_params: list[str]
    differing_metrics: list[str]


# ---------------------------------------------------------------- model registry


@dataclass
class ModelVersion:
    """A registered model version. `legacy_stage` is MLflow's deprecated stage, shown read-only."""

    name: str
    version: str
    source: str
    run_id: str | None
    model_id: str | None
    status: ModelVersionStatus
    status_message: str | None
    legacy_stage: str | None
    aliases: list[str]
    tags: dict[str, str]
    description: str | None
    creation_time: int | None
    last_updated_time: int | None
    ui_url: str | None


@dataclass
class RegisteredModel:
    """A registered model with its aliases (alias → version) and its newest version number."""

    name: str
    description: str | None
    creation_time: int | None
    last_updated_time: int | None
    aliases: dict[str, str]
    tags: dict[str, str]
    latest_version: str | None
    ui_url: str | None


@dataclass
class RegisteredModelsQuery:
    """Query of GET registered-models: an MLflow filter such as `name LIKE '%iris%'`, paged."""

    filter: str | None = None
    max_results: int | None = None
    page_token: str | None = None


@dataclass
class RegisteredModelsPage:
    """One page of registered models, by name."""

    models: list[RegisteredModel]
    next_page_token: str | None


@dataclass
class ModelVersionsQuery:
    """Query of GET registered-models/versions: one registered model by name, paged."""

    name: str
    max_results: int | None = None
    page_token: str | None = None


@dataclass
class ModelVersionsPage:
    """A registered model's versions, newest first, and its aliases (alias → version)."""

    name: str
    aliases: dict[str, str]
    versions: list[ModelVersion]
    next_page_token: str | None


@dataclass
class RegisterRequest:
    """Body of POST register: register a run's model under `name` (new name or existing → new version).

    `model_id` picks one of the run's LoggedModels; omitted, the run must have exactly one.
    """

    run_id: str
    name: str
    model_id: str | None = None


@dataclass
class RegisterResponse:
    """The new version, READY, and whether the registered model was created by this call."""

    version: ModelVersion
    created_registered_model: bool


@dataclass
class AliasRequest:
    """Body of POST aliases: point `alias` of registered model `name` at `version`."""

    name: str
    alias: str
    version: str


@dataclass
class AliasDeleteQuery:
    """Query of DELETE aliases: remove `alias` from registered model `name`."""

    name: str
    alias: str


@dataclass
class AliasResponse:
    """The registered model's aliases after the change (alias → version)."""

    name: str
    aliases: dict[str, str]


@dataclass
class PermissionsQuery:
    """Query of GET permissions: a registered model name."""

    name: str


@dataclass
class PermissionsResponse:
    """What the MLflow user the server acts as may do on a registered model, known in advance when possible.

    Without MLflow authentication every action is allowed. With basic-auth, `permission` is MLflow's effective
    permission (READ, USE, EDIT, MANAGE, NO_PERMISSIONS); setting an alias needs EDIT, deleting one MANAGE.
    When MLflow cannot tell, the flags are true and `reason` says so (the action itself is still checked).
    """

    name: str
    auth_enabled: bool
    permission: str | None
    can_register: bool
    can_set_alias: bool
    can_delete_alias: bool
    reason: str | None


@dataclass
class ModelSignatureQuery:
    """Query of GET models/signature: a LoggedModel id (`m-…`, as in `models:/m-…`)."""

    model_id: str


@dataclass
class SignatureColumn:
    """One input, output or parameter of a model's signature: its name (null for an unnamed tensor),
    MLflow's type (`double`, `long`, `string`…, or `tensor float64 (-1, 4)`) and whether it is required."""

    name: str | None
    type: str
    required: bool


@dataclass
class ModelSignatureResponse:
    """A LoggedModel's signature (from its MLmodel file) and whether it has an input example.

    `has_signature` false: the model was logged without one (`inputs`/`outputs` empty)."""

    model_id: str
    has_signature: bool
    inputs: list[SignatureColumn]
    outputs: list[SignatureColumn]
    params: list[SignatureColumn]
    has_input_example: bool


# ---------------------------------------------------------------- convert to production


@dataclass
class ConvertRequest:
    """Body of POST convert: run nb2prod on a notebook (contents-API path) into `output`.

    `output` is a folder relative to the Jupyter root; omitted, `<stem>_prod` next to the notebook. With
    `force`, an existing output folder nb2prod wrote before is updated (files nb2prod did not write are
    kept and make it refuse).
    """

    notebook: str
    output: str | None = None
    force: bool | None = None


@dataclass
class ConvertedStep:
    """One step of the generated pipeline: its function, the notebook cells it comes from, its inputs
    (parameters or earlier steps' outputs) and its outputs (metrics, for a metrics step)."""

    name: str
    function_name: str
    kind: str
    cells: list[int]
    inputs: list[str]
    outputs: list[str]


@dataclass
class ConvertedParameter:
    """A parameter of the `parameters` cell: name, Python type name and default (as Python source)."""

    name: str
    type: str
    default: str


@dataclass
class DroppedCell:
    """A cell the package leaves out, and why."""

    cell_index: int
    reason: str


@dataclass
class ConversionReport:
    """What nb2prod wrote: the package, steps in execution order, parameters, the model variable,
    translations (magics, `pip install`, renamed names), warnings, and the files written (paths relative
    to `output`). `report_path` is CONVERSION_REPORT.md's contents-API path."""

    package: str
    steps: list[ConvertedStep]
    parameters: list[ConvertedParameter]
    model_variable: str | None
    dropped: list[DroppedCell]
    translations: list[str]
    warnings: list[str]
    files: list[str]
    report_path: str


@dataclass
class ConversionRefusal:
    """Why nb2prod refused: its one-line message, and where (cell index from 0, tag, line in the cell)
    when the cause is in the notebook. `kind` is nb2prod's error class (TagError, HiddenStateError, ...)."""

    message: str
    kind: str
    cell_index: int | None
    tag: str | None
    line: int | None


@dataclass
class ConvertResponse:
    """The converter's answer: `converted` with a `report`, or not, with the `refusal` (nothing written)."""

    notebook: str
    output: str
    converted: bool
    report: ConversionReport | None
    refusal: ConversionRefusal | None


@dataclass
class PlanCell:
    """One cell of the notebook as the editor holds it now (saved or not): type, source and tags."""

    cell_type: str
    source: str
    tags: list[str]


@dataclass
class PipelinePlanRequest:
    """Body of POST convert/plan: plan (never write) the pipeline of `notebook` (contents-API path) from
    its current `cells`."""

    notebook: str
    cells: list[PlanCell]


@dataclass
class StepLink:
    """An edge of the step graph: this step runs after `step`, because it reads `names` from it (data
    dependencies nb2prod finds) and/or a `prev:` tag asks for it."""

    step: str
    names: list[str]
    prev: bool


@dataclass
class PlannedStep:
    """One step of the planned pipeline, in execution order: its cells, inputs, outputs and the steps it
    runs after."""

    name: str
    kind: str
    cells: list[int]
    inputs: list[str]
    outputs: list[str]
    after: list[StepLink]


@dataclass
class PipelinePlanResponse:
    """nb2prod's plan of the notebook's current cells: `planned` with the step graph, or the `issues`
    (misspelled or conflicting tags on every cell that has them, else the first refusal), each with nb2prod's
    own message and cell. `variables` are the names the steps define (candidates for `model:`)."""

    notebook: str
    planned: bool
    steps: list[PlannedStep]
    parameters: list[str]
    model_variable: str | None
    variables: list[str]
    issues: list[ConversionRefusal]


@dataclass
class PytestJobRequest:
    """Body of POST convert/tests: run the tests of the package nb2prod wrote in `output` (under the root)."""

    output: str


@dataclass
class PytestJobQuery:
    """Query of GET convert/tests: a job, and the number of output lines already read (`since`)."""

    job_id: str
    since: int | None = None


@dataclass
class PytestCounts:
    """pytest's final counts (from its JUnit XML)."""

    passed: int
    failed: int
    errors: int
    skipped: int


@dataclass
class PytestJob:
    """A `python -m pytest OUTPUT` run in a subprocess of the Jupyter server.

    `lines` are the output lines from `first_line` on (0-based; all of them when the query had no
    `since`), `line_count` how many there are so far. `counts` and `exit_code` are set when it ended.
    """

    job_id: str
    output: str
    status: PytestJobStatus
    command: list[str]
    started: int
    finished: int | None
    exit_code: int | None
    counts: PytestCounts | None
    first_line: int
    line_count: int
    lines: list[str]
    message: str | None


# ---------------------------------------------------------------- schedule retraining


@dataclass
class ScheduleOptionsQuery:
    """Query of GET schedules/options: a notebook (contents-API path)."""

    notebook: str


@dataclass
class ScheduleEngineChoice:
    """A scheduler the server can write files for: `name` (the CLI's `--target`) and what it means."""

    name: str
    label: str


@dataclass
class ScheduleOptions:
    """What the Schedule Retraining dialog offers for a notebook: engines, defaults, the parameters of its
    `parameters` cell (type and default as Python source), its metrics (for the promotion gate) and the
    experiment its scheduled runs go to."""

    notebook: str
    engines: list[ScheduleEngineChoice]
    default_engine: str
    default_cron: str
    default_folder: str
    default_name: str
    experiment_name: str
    parameters: list[ConvertedParameter]
    metrics: list[str]
    has_model: bool


@dataclass
class CronPreviewQuery:
    """Query of GET schedules/preview: a cron expression, the engine reading it, next runs wanted (1..20)."""

    cron: str
    engine: str | None = None
    count: int | None = None


@dataclass
class CronPreview:
    """A cron expression's wording and its next firing times (ms), or why it is not valid (`error`).

    `timezone` is the zone the engine reads it in: this machine's for cron, UTC for Prefect and Airflow.
    """

    cron: str
    valid: bool
    description: str | None
    timezone: str | None
    next_runs: list[int]
    error: str | None


@dataclass
class ScheduleCreateRequest:
    """Body of POST schedules: what `jupyter-mlops schedule NOTEBOOK` gets on the command line.

    Omitted: engine cron, cron `0 3 * * 1` (weekly), folder `schedules`, name from the notebook.
    `parameters` maps names of the parameters cell to values as typed (checked against their types).
    The gate: `register` (model name), `promote` (alias), `metric`, `greater_is_better`, `min_delta`.
    """

    notebook: str
    engine: str | None = None
    cron: str | None = None
    folder: str | None = None
    name: str | None = None
    parameters: dict[str, str] | None = None
    register: str | None = None
    promote: str | None = None
    metric: str | None = None
    greater_is_better: bool | None = None
    min_delta: float | None = None


@dataclass
class ScheduleWritten:
    """The schedule's files (contents-API paths), the lines the CLI prints, the equivalent CLI command and
    the step that starts it (cron: the `--install` command; Prefect: `prefect deploy`; Airflow: copy)."""

    notebook: str
    name: str
    engine: str
    cron: str
    description: str | None
    folder: str
    files: list[str]
    lines: list[str]
    cli_command: str
    install_step: str
    crontab_line: str | None


@dataclass
class SchedulesQuery:
    """Query of GET schedules: the folder (under the root; default `schedules`), last runs per schedule."""

    folder: str | None = None
    runs: int | None = None


@dataclass
class ScheduledRun:
    """One run of a schedule's target, from MLflow: status, times, error, the executed notebook artifact."""

    run_id: str
    run_name: str
    experiment_id: str
    status: RunStatus
    start_time: int | None
    end_time: int | None
    error: str | None
    executed_notebook: str | None
    run_url: str | None
    notebook_url: str | None


@dataclass
class ScheduleSummary:
    """A schedule found in the folder: name, engine, cron and its wording, the target, its files, the
    experiment of its runs and the newest of them (newest first). `note` says why runs cannot be shown."""

    name: str
    engine: str
    cron: str | None
    description: str | None
    target: str
    files: list[str]
    experiment_name: str | None
    experiment_id: str | None
    runs: list[ScheduledRun]
    note: str | None


@dataclass
class SchedulesList:
    """The schedules of a folder and the files of ours there that could not be read."""

    folder: str
    schedules: list[ScheduleSummary]
    problems: list[str]


@dataclass
class FleetViewQuery:
    """Query of GET fleet: one row per value of `group_by` among the experiment's runs, aggregated on the
    server (jupyter_mlops.retraining.fleet): sort (`group`, `runs`, `failures`, `running`, `last_run`,
    `best`; `-` reverses), substring filter, `limit` (1..500, default 50) groups from `offset`.
    `direction` of `metric`: `higher` (default) or `lower` is better. `model` names each group's registered
    model with `{group}` (champion and challenger columns)."""

    experiment: str
    group_by: str
    metric: str | None = None
    direction: str | None = None
    sort: str | None = None
    filter: str | None = None
    limit: int | None = None
    offset: int | None = None
    page_token: str | None = None
    model: str | None = None
    alias: str | None = None


@dataclass
class FleetGroup:
    """One group (series): its runs, failures, last run, best metric, drift tags, champion/challenger."""

    group: str
    runs: int
    failures: int
    running: int
    last_start_ms: int | None
    last_run_id: str | None
    last_status: str | None
    best_value: float | None
    best_run_id: str | None
    drift: dict[str, str]
    model: str | None
    champion_version: str | None
    champion_value: str | None
    challenger_version: str | None
    gate_decision: str | None
    gate_reason: str | None


@dataclass
class FleetPage:
    """A page of groups and what it covers: every run (`complete`, from the store's database) or the
    newest `runs_scanned` runs read through the tracking server (`next_page_token` continues)."""

    groups: list[FleetGroup]
    total_groups: int
    runs_scanned: int
    complete: bool
    next_page_token: str | None
    source: str


# ---------------------------------------------------------------- endpoint table


@dataclass(frozen=True)
class Endpoint:
    """One route: `path` is relative to `<base_url>jupyter-mlops/`; `{name}` marks a path parameter."""

    name: str
    method: Literal["GET", "POST", "DELETE"]
    path: str
    summary: str
    response: type
    query: type | None = None
    body: type | None = None
    errors: tuple[int, ...] = field(default=())


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "getConfig",
        "GET",
        "config",
        "The store the server is connected to and panel settings",
        ConfigResponse,
        errors=(403,),
    ),
    Endpoint(
        "listExperiments",
        "GET",
        "experiments",
        "Experiments, paged",
        ExperimentsPage,
        query=ExperimentsQuery,
        errors=(400, 403, 502, 503),
    ),
    Endpoint(
        "getNotebookExperiment",
        "GET",
        "experiment",
        "The notebook's experiment name and experiment (or null)",
        NotebookExperimentResponse,
        query=NotebookExperimentQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "createNotebookExperiment",
        "POST",
        "experiment",
        "Create (or find) the notebook's experiment",
        NotebookExperimentResponse,
        body=NotebookExperimentRequest,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "listRuns",
        "GET",
        "runs",
        "Runs of an experiment: search, sort, page",
        RunsPage,
        query=RunsQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "getRun",
        "GET",
        "runs/{run_id}",
        "One run with its artifacts and LoggedModels",
        RunDetail,
        errors=(403, 404, 502, 503),
    ),
    Endpoint(
        "getMetricHistory",
        "GET",
        "runs/{run_id}/metric-history",
        "A metric's (sampled) history",
        MetricHistory,
        query=MetricHistoryQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "listArtifacts",
        "GET",
        "runs/{run_id}/artifacts",
        "One artifact folder of a run",
        ArtifactList,
        query=ArtifactsQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "getDriftReport",
        "GET",
        "runs/{run_id}/drift-report",
        "The run's drift report (HTML, at most 5 MB)",
        DriftReport,
        errors=(403, 404, 502, 503),
    ),
    Endpoint(
        "compareRuns",
        "GET",
        "compare",
        "Several runs side by side",
        CompareResponse,
        query=CompareQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "listRegisteredModels",
        "GET",
        "registered-models",
        "Registered models, paged",
        RegisteredModelsPage,
        query=RegisteredModelsQuery,
        errors=(400, 403, 502, 503),
    ),
    Endpoint(
        "listModelVersions",
        "GET",
        "registered-models/versions",
        "A registered model's versions",
        ModelVersionsPage,
        query=ModelVersionsQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "registerModel",
        "POST",
        "register",
        "Register a run's model; answers when the version is READY",
        RegisterResponse,
        body=RegisterRequest,
        errors=(400, 403, 404, 409, 502, 503),
    ),
    Endpoint(
        "setAlias",
        "POST",
        "aliases",
        "Point an alias at a version (promote)",
        AliasResponse,
        body=AliasRequest,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "deleteAlias",
        "DELETE",
        "aliases",
        "Remove an alias (demote)",
        AliasResponse,
        query=AliasDeleteQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "getPermissions",
        "GET",
        "permissions",
        "What the MLflow user may do on a registered model",
        PermissionsResponse,
        query=PermissionsQuery,
        errors=(400, 403, 502, 503),
    ),
    Endpoint(
        "getModelSignature",
        "GET",
        "models/signature",
        "A LoggedModel's signature (columns and types) and whether it has an input example",
        ModelSignatureResponse,
        query=ModelSignatureQuery,
        errors=(400, 403, 404, 502, 503),
    ),
    Endpoint(
        "convertNotebook",
        "POST",
        "convert",
        "Run nb2prod on a notebook into a folder under the root: its report, or the refusal",
        ConvertResponse,
        body=ConvertRequest,
        errors=(400, 403, 404, 409),
    ),
    Endpoint(
        "planPipeline",
        "POST",
        "convert/plan",
        "nb2prod's plan of the current cells: the step graph, or the tag problems (writes nothing)",
        PipelinePlanResponse,
        body=PipelinePlanRequest,
        errors=(400, 403, 404),
    ),
    Endpoint(
        "startTestJob",
        "POST",
        "convert/tests",
        "Start `pytest` on a generated package (one job per folder at a time)",
        PytestJob,
        body=PytestJobRequest,
        errors=(400, 403, 404, 409),
    ),
    Endpoint(
        "getTestJob",
        "GET",
        "convert/tests",
        "A test job's status, its output lines from `since`, and its result",
        PytestJob,
        query=PytestJobQuery,
        errors=(400, 403, 404),
    ),
    Endpoint(
        "getScheduleOptions",
        "GET",
        "schedules/options",
        "What the Schedule Retraining dialog offers for a notebook (engines, parameters, metrics)",
        ScheduleOptions,
        query=ScheduleOptionsQuery,
        errors=(400, 403, 404),
    ),
    Endpoint(
        "previewCron",
        "GET",
        "schedules/preview",
        "A cron expression's wording and next run times, or why it is not valid",
        CronPreview,
        query=CronPreviewQuery,
        errors=(400, 403),
    ),
    Endpoint(
        "createSchedule",
        "POST",
        "schedules",
        "Write a notebook's schedule files (as `jupyter-mlops schedule`; never overwrites)",
        ScheduleWritten,
        body=ScheduleCreateRequest,
        errors=(400, 403, 404),
    ),
    Endpoint(
        "listSchedules",
        "GET",
        "schedules",
        "The schedules in a folder and their last runs from MLflow",
        SchedulesList,
        query=SchedulesQuery,
        errors=(400, 403, 502, 503),
    ),
    Endpoint(
        "getFleet",
        "GET",
        "fleet",
        "One row per group (series) of an experiment's runs, aggregated on the server",
        FleetPage,
        query=FleetViewQuery,
        errors=(400, 403, 404, 502, 503),
    ),
)

# Types the TypeScript side gets even though no endpoint names them directly.
EXTRA_TYPES: tuple[type, ...] = (ErrorBody,)
