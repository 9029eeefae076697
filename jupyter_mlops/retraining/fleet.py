"""Fleet view: one row per group (series) of an experiment's runs, aggregated where the runs are.

A group is a value of one parameter (`--group-by`, the fan-out's group). Per group: runs, failures, runs
still running, the last run (time, status), the best value of a metric and its run, drift tags
(`jupyter_mlops.drift*`) of the newest run that logged any, and, from the model registry when a model name
template is given, the champion version (the version holding the alias) with its metric and the last
challenger with the gate's decision (`jupyter_mlops.gate.*` version tags, gate.py).

Two data paths (docs/fleet.md says why):
- `store_uri` (a database URI MLflow's SQLAlchemy store uses): GROUP BY in the database over every run;
  sort, filter and paging too; complete.
- otherwise the tracking server's REST `search_runs`, newest runs first, at most `scan` runs (1,000 a page):
  a bounded first answer that says how many runs it scanned and whether more remain (`next_page_token`).
Registry facts are read for the groups of the answer's page only, in one `search_model_versions` call.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.errors import BadInputError

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from jupyter_mlops.core.contract import FleetPage, FleetViewQuery

DRIFT_TAG_PREFIX = "jupyter_mlops.drift"
GATE_TAG = "jupyter_mlops.gate"
SORT_KEYS = ("group", "runs", "failures", "running", "last_run", "best")
SEARCH_PAGE = 1000  # MLflow's REST search_runs returns at most 1,000 runs a call
DEFAULT_SCAN = 1000
REGISTRY_NAMES_PER_SEARCH = 100  # `name IN (...)` lists per registry search (keeps the filter short)


@dataclass(frozen=True)
class FleetQuery:
    """What `jupyter-mlops fleet` and the panel ask for."""

    experiment: str  # a name (or an id when `experiment_id` is used)
    group_by: str
    metric: str | None = None
    greater_is_better: bool = True
    sort: str = "group"  # one of SORT_KEYS; a leading "-" reverses it
    filter_text: str = ""  # groups whose value contains it (case-insensitive)
    limit: int = 50
    offset: int = 0
    scan: int = DEFAULT_SCAN  # REST path: newest runs read for this answer (0: all)
    page_token: str | None = None  # REST path: continue after the runs an earlier answer scanned
    model_template: str | None = None  # registered model per group, `{group}` replaced by its value
    alias: str = "champion"


@dataclass
class GroupSummary:
    """One row of the fleet."""

    group: str
    runs: int = 0
    failures: int = 0
    running: int = 0
    last_start_ms: int | None = None
    last_run_id: str | None = None
    last_status: str | None = None
    best_value: float | None = None
    best_run_id: str | None = None
    drift: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    champion_version: str | None = None
    champion_value: str | None = None
    challenger_version: str | None = None
    gate_decision: str | None = None
    gate_reason: str | None = None


@dataclass
class FleetAnswer:
    """A page of groups and how much of the experiment it covers."""

    groups: list[GroupSummary]
    total_groups: int  # after the filter
    runs_scanned: int
    complete: bool  # every run of the experiment was aggregated
    next_page_token: str | None
    source: str  # "database" or "tracking server"


def check_query(query: FleetQuery) -> None:
    """One clear line for bad options."""
    if not query.group_by:
        raise BadInputError("--group-by PARAM is required")
    if query.sort.lstrip("-") not in SORT_KEYS:
        raise BadInputError(
            f"--sort {query.sort!r} is not one of: {', '.join(SORT_KEYS)} (prefix - to reverse)"
        )
    if query.sort.lstrip("-") == "best" and not query.metric:
        raise BadInputError("--sort best needs --metric")
    if query.limit < 1 or query.offset < 0 or query.scan < 0:
        raise BadInputError("--limit must be ≥ 1, --offset and --scan ≥ 0")
    if query.model_template is not None and "{group}" not in query.model_template:
        raise BadInputError("--model must contain {group}, e.g. demand-{group}")


def better(value: float, than: float | None, greater_is_better: bool) -> bool:
    """Whether `value` beats `than` (None is beaten by anything)."""
    return than is None or (value > than if greater_is_better else value < than)


class GroupAccumulator:
    """Folds runs (MLflow `Run` entities, newest first or not) into per-group summaries."""

    def __init__(self, query: FleetQuery) -> None:
        self.query = query
        self.groups: dict[str, GroupSummary] = {}
        self._drift_time: dict[str, int] = {}

    def add(self, run: object) -> None:
        info, data = run.info, run.data  # type: ignore[attr-defined]
        value = data.params.get(self.query.group_by)
        if value is None:
            return  # not a member of any group (e.g. a fan-out parent)
        summary = self.groups.setdefault(value, GroupSummary(group=value))
        summary.runs += 1
        summary.failures += info.status == "FAILED"
        summary.running += info.status == "RUNNING"
        start = info.start_time or 0
        if summary.last_start_ms is None or start > summary.last_start_ms:
            summary.last_start_ms, summary.last_run_id, summary.last_status = start, info.run_id, info.status
        metric = data.metrics.get(self.query.metric) if self.query.metric else None
        if (
            metric is not None
            and not math.isnan(metric)
            and better(metric, summary.best_value, self.query.greater_is_better)
        ):
            summary.best_value, summary.best_run_id = metric, info.run_id
        drift = {key: val for key, val in data.tags.items() if key.startswith(DRIFT_TAG_PREFIX)}
        if drift and start >= self._drift_time.get(value, -1):
            self._drift_time[value] = start
            summary.drift = drift


def sort_and_filter(groups: Iterable[GroupSummary], query: FleetQuery) -> list[GroupSummary]:
    """Filter by substring, then sort (missing values last); `best` sorts best first."""
    needle = query.filter_text.casefold()
    rows = [group for group in groups if needle in group.group.casefold()]
    key = query.sort.lstrip("-")
    reverse = query.sort.startswith("-")
    attribute = {"last_run": "last_start_ms", "best": "best_value"}.get(key, key)
    if key == "best" and query.greater_is_better:
        reverse = not reverse
    present = [row for row in rows if getattr(row, attribute) is not None]
    missing = [row for row in rows if getattr(row, attribute) is None]
    present.sort(key=lambda row: row.group)
    present.sort(key=lambda row: getattr(row, attribute), reverse=reverse)  # stable: ties by group
    return present + sorted(missing, key=lambda row: row.group)


def experiment_id_of(session: TrackingSession, name: str) -> str:
    """The id of experiment NAME (or NAME itself when it is an id); exit 2 when there is none."""
    experiment = session.call("find the experiment", lambda client: client.get_experiment_by_name(name))
    if experiment is None and name.isdigit():
        experiment = session.call("find the experiment", lambda client: client.get_experiment(name))
    if experiment is None:
        raise BadInputError(f"no experiment named {name!r} in {session.tracking_uri}")
    return str(experiment.experiment_id)


def fleet_from_tracking_server(session: TrackingSession, query: FleetQuery) -> FleetAnswer:
    """Aggregate the newest `query.scan` runs (all when 0) read through `search_runs`, a page at a time."""
    from mlflow.entities import ViewType

    experiment_id = experiment_id_of(session, query.experiment)
    accumulator = GroupAccumulator(query)
    token, scanned = query.page_token, 0
    while True:
        size = SEARCH_PAGE if query.scan == 0 else min(SEARCH_PAGE, query.scan - scanned)
        page = session.call(
            "search the experiment's runs",
            lambda client, t=token, n=size: client.search_runs(
                [experiment_id],
                run_view_type=ViewType.ACTIVE_ONLY,
                max_results=n,
                order_by=["attributes.start_time DESC"],
                page_token=t,
            ),
        )
        for run in page:
            accumulator.add(run)
        scanned += len(page)
        token = page.token or None
        if token is None or (query.scan and scanned >= query.scan):
            break
    rows = sort_and_filter(accumulator.groups.values(), query)
    page_rows = rows[query.offset : query.offset + query.limit]
    complete = token is None and query.page_token is None
    return FleetAnswer(page_rows, len(rows), scanned, complete, token, "tracking server")


def fleet(session: TrackingSession, query: FleetQuery, store_uri: str | None = None) -> FleetAnswer:
    """The fleet's page of groups: from the database when `store_uri` is given, else from the tracking
    server; then champion/challenger facts from the registry for those groups only."""
    check_query(query)
    if store_uri:
        from jupyter_mlops.retraining.fleet_sql import fleet_from_database

        answer = fleet_from_database(store_uri, query)
    else:
        answer = fleet_from_tracking_server(session, query)
    if query.model_template and answer.groups:
        answer = replace(answer, groups=with_registry(session, query, answer.groups))
    return answer


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "\\'") + "'"


def _all_pages(session: TrackingSession, what: str, search) -> list[object]:  # type: ignore[no-untyped-def]
    """Every item of a paged registry search (`search(client, page_token)`)."""
    items: list[object] = []
    token: str | None = None
    while True:
        page = session.call(what, lambda client, t=token: search(client, t))
        items.extend(page)
        token = page.token or None
        if token is None:
            return items


def with_registry(
    session: TrackingSession, query: FleetQuery, groups: list[GroupSummary]
) -> list[GroupSummary]:
    """Champion (holder of `query.alias`) and last challenger per group of the page: two registry
    searches (`name IN (...)`) for all the page's models, not calls per group."""
    assert query.model_template is not None
    names = {query.model_template.replace("{group}", group.group): group for group in groups}
    champions: dict[str, object] = {}
    versions: list[object] = []
    listed = list(names)
    for start in range(0, len(listed), REGISTRY_NAMES_PER_SEARCH):
        chunk = listed[start : start + REGISTRY_NAMES_PER_SEARCH]
        filter_string = f"name IN ({', '.join(_quoted(name) for name in chunk)})"
        models = _all_pages(
            session,
            "search the registry",
            lambda client, token, f=filter_string: client.search_registered_models(
                f, max_results=1000, page_token=token
            ),
        )
        champions.update({model.name: model.aliases.get(query.alias) for model in models})  # type: ignore[attr-defined]
        versions += _all_pages(
            session,
            "search the registry's versions",
            lambda client, token, f=filter_string: client.search_model_versions(
                f, max_results=1000, page_token=token
            ),
        )
    latest: dict[str, object] = {}
    for version in versions:
        name, number = version.name, str(version.version)  # type: ignore[attr-defined]
        group = names[name]
        group.model = name
        if champions.get(name) is not None and str(champions[name]) == number:
            group.champion_version = number
            group.champion_value = version.tags.get(f"{GATE_TAG}.challenger_value")  # type: ignore[attr-defined]
        current = latest.get(name)
        if current is None or int(number) > int(current.version):  # type: ignore[attr-defined]
            latest[name] = version
    for name, version in latest.items():
        group = names[name]
        group.challenger_version = str(version.version)  # type: ignore[attr-defined]
        tags = version.tags  # type: ignore[attr-defined]
        group.gate_decision = tags.get(f"{GATE_TAG}.decision")
        group.gate_reason = tags.get(f"{GATE_TAG}.reason")
    return groups


def is_database_uri(uri: str) -> bool:
    """Whether MLflow's SQLAlchemy store would open `uri` (sqlite, postgresql, mysql, mssql)."""
    scheme = uri.split(":", 1)[0].split("+", 1)[0].lower()
    return scheme in {"sqlite", "postgresql", "mysql", "mssql"}


def coverage_line(answer: FleetAnswer, query: FleetQuery) -> str:
    """How much of the experiment the answer covers, in one line."""
    shown = f"groups {query.offset + 1}-{query.offset + len(answer.groups)} of {answer.total_groups}"
    if answer.complete:
        return f"{shown}; all {answer.runs_scanned} runs aggregated ({answer.source})"
    more = f"; more remain: --page-token {answer.next_page_token}" if answer.next_page_token else ""
    return f"{shown}; {answer.runs_scanned} newest runs scanned ({answer.source}){more} (--scan 0: all)"


def fleet_lines(answer: FleetAnswer, query: FleetQuery) -> list[str]:
    """A plain-text table of the page, then the coverage line."""
    import datetime

    def when(ms: int | None) -> str:
        if ms is None:
            return "-"
        return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%d %H:%M")

    header = [query.group_by, "runs", "failed", "running", "last run", "last status"]
    if query.metric:
        header.append(f"best {query.metric}")
    if query.model_template:
        header += ["champion", "value", "challenger", "gate"]
    header.append("drift")
    table = [header]
    for row in answer.groups:
        cells = [row.group, str(row.runs), str(row.failures), str(row.running), when(row.last_start_ms)]
        cells.append(row.last_status or "-")
        if query.metric:
            cells.append("-" if row.best_value is None else f"{row.best_value:.6g}")
        if query.model_template:
            cells += [
                row.champion_version or "-",
                row.champion_value or "-",
                row.challenger_version or "-",
                row.gate_decision or "-",
            ]
        cells.append(
            ", ".join(
                f"{key.removeprefix(DRIFT_TAG_PREFIX + '.')}={val}" for key, val in sorted(row.drift.items())
            )
            or "-"
        )
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    return [*lines, coverage_line(answer, query)]


def answer_json(answer: FleetAnswer) -> dict[str, object]:
    """The answer as JSON-ready data (the CLI's --json)."""
    return dataclasses.asdict(answer)


MAX_PANEL_LIMIT = 500


def fleet_page(client: MlflowClient, tracking_uri: str, request: FleetViewQuery) -> FleetPage:
    """The panel's GET fleet: the server's own client (the user's credentials), the database path when
    its tracking URI is a database; bad options become a 400."""
    from jupyter_mlops.core.contract import FleetGroup, FleetPage
    from jupyter_mlops.core.errors import BadRequest, NotFound, StoreUnreachable

    if request.direction not in (None, "higher", "lower"):
        raise BadRequest(f"direction must be higher or lower; got {request.direction!r}")
    session = TrackingSession(tracking_uri, unavailable=StoreUnreachable)
    vars(session)["client"] = client  # the cached_property's slot: reuse the extension's client
    query = FleetQuery(
        request.experiment,
        request.group_by,
        request.metric,
        request.direction != "lower",
        request.sort or "group",
        request.filter or "",
        min(request.limit or 50, MAX_PANEL_LIMIT),
        request.offset or 0,
        DEFAULT_SCAN,
        request.page_token,
        request.model or None,
        request.alias or "champion",
    )
    try:
        answer = fleet(session, query, tracking_uri if is_database_uri(tracking_uri) else None)
    except BadInputError as error:
        message = str(error)
        raise (NotFound if message.startswith("no experiment") else BadRequest)(message) from error
    groups = [FleetGroup(**dataclasses.asdict(group)) for group in answer.groups]
    return FleetPage(
        groups,
        answer.total_groups,
        answer.runs_scanned,
        answer.complete,
        answer.next_page_token,
        answer.source,
    )
