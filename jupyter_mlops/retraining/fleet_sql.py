"""The fleet aggregated in MLflow's own database (`--store-uri`): GROUP BY over every run, read-only.

Queries are built with SQLAlchemy from MLflow's own table models (mlflow.store.tracking.dbmodels), so they
follow the schema of the installed MLflow; they only read `experiments`, `runs`, `params`,
`latest_metrics` and `tags`. Three queries: one for the page of groups (sort, filter, limit and the
filtered count in the database), two for the page's last/best runs and drift tags.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from jupyter_mlops.retraining.errors import BadInputError, TrackingUnavailableError
from jupyter_mlops.retraining.fleet import DRIFT_TAG_PREFIX, FleetAnswer, FleetQuery, GroupSummary

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine


@lru_cache(maxsize=8)
def engine_for(store_uri: str) -> Engine:
    """One pooled engine per store URI (the panel asks again and again)."""
    import sqlalchemy

    try:
        return sqlalchemy.create_engine(store_uri, pool_pre_ping=True)
    except Exception as error:  # bad URI, missing driver
        raise BadInputError(f"--store-uri: {error}") from error


def _experiment_id(connection: Connection, name: str) -> str:
    import sqlalchemy as sa
    from mlflow.store.tracking.dbmodels.models import SqlExperiment

    experiments = SqlExperiment.__table__
    found = connection.execute(
        sa.select(experiments.c.experiment_id).where(
            experiments.c.name == name, experiments.c.lifecycle_stage == "active"
        )
    ).first()
    if found is None:
        raise BadInputError(f"no experiment named {name!r} in the store")
    return str(found[0])


def fleet_from_database(store_uri: str, query: FleetQuery) -> FleetAnswer:
    """Every run of the experiment aggregated per group in the database; the page of groups asked for."""
    import sqlalchemy as sa

    try:
        with engine_for(store_uri).connect() as connection:
            experiment_id = _experiment_id(connection, query.experiment)
            groups, total, runs = _page_of_groups(connection, experiment_id, query)
            if groups:
                _last_and_best_runs(connection, experiment_id, query, groups)
                _drift(connection, experiment_id, query, groups)
    except sa.exc.OperationalError as error:
        raise TrackingUnavailableError(f"the store database did not answer: {error.orig}") from error
    return FleetAnswer(list(groups.values()), total, runs, True, None, "database")


def _members(experiment_id: str, query: FleetQuery):  # type: ignore[no-untyped-def]
    """runs JOIN params (the group-by param) [LEFT JOIN latest_metrics (the metric)] of the experiment."""
    import sqlalchemy as sa
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlParam, SqlRun

    runs, params = SqlRun.__table__, SqlParam.__table__
    joined = runs.join(params, sa.and_(params.c.run_uuid == runs.c.run_uuid, params.c.key == query.group_by))
    metric = None
    if query.metric:
        metric = SqlLatestMetric.__table__.alias("metric")
        joined = joined.outerjoin(
            metric,
            sa.and_(metric.c.run_uuid == runs.c.run_uuid, metric.c.key == query.metric, ~metric.c.is_nan),
        )
    where = sa.and_(runs.c.experiment_id == int(experiment_id), runs.c.lifecycle_stage == "active")
    return runs, params, metric, joined, where


def _page_of_groups(
    connection: Connection, experiment_id: str, query: FleetQuery
) -> tuple[dict[str, GroupSummary], int, int]:
    import sqlalchemy as sa

    runs, params, metric, joined, where = _members(experiment_id, query)
    status = runs.c.status
    best = (
        (sa.func.max if query.greater_is_better else sa.func.min)(metric.c.value)
        if metric is not None
        else None
    )
    columns = {
        "group": params.c.value,
        "runs": sa.func.count(),
        "failures": sa.func.sum(sa.case((status == "FAILED", 1), else_=0)),
        "running": sa.func.sum(sa.case((status == "RUNNING", 1), else_=0)),
        "last_run": sa.func.max(runs.c.start_time),
        "best": best if best is not None else sa.null(),
    }
    statement = sa.select(
        *(column.label(name) for name, column in columns.items()),
        sa.func.count().over().label("total_groups"),
    ).select_from(joined)
    statement = statement.where(where)
    if query.filter_text:
        statement = statement.where(params.c.value.ilike(f"%{_escape_like(query.filter_text)}%", escape="\\"))
    statement = statement.group_by(params.c.value)
    key = query.sort.lstrip("-")
    descending = query.sort.startswith("-") != (key == "best" and query.greater_is_better)
    order = columns[key] if key != "group" else params.c.value
    ordered = order.desc() if descending else order.asc()
    statement = (
        statement.order_by(ordered.nulls_last(), params.c.value).limit(query.limit).offset(query.offset)
    )
    rows = connection.execute(statement).all()
    groups = {
        row.group: GroupSummary(
            group=row.group,
            runs=int(row.runs),
            failures=int(row.failures or 0),
            running=int(row.running or 0),
            last_start_ms=row.last_run,
            best_value=None if row.best is None else float(row.best),
        )
        for row in rows
    }
    total = int(rows[0].total_groups) if rows else 0
    return groups, total, _run_count(connection, runs, where)


def _run_count(connection: Connection, runs, where) -> int:  # type: ignore[no-untyped-def]
    """Every active run of the experiment (grouped or not), as the REST path counts what it read."""
    import sqlalchemy as sa

    return int(connection.execute(sa.select(sa.func.count()).select_from(runs).where(where)).scalar_one())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _last_and_best_runs(
    connection: Connection, experiment_id: str, query: FleetQuery, groups: dict[str, GroupSummary]
) -> None:
    """Per group of the page: the newest run (id, status) and the run holding the best metric."""
    import sqlalchemy as sa

    runs, params, metric, joined, where = _members(experiment_id, query)
    newest = sa.func.row_number().over(partition_by=params.c.value, order_by=runs.c.start_time.desc())
    columns = [params.c.value.label("group"), runs.c.run_uuid, runs.c.status, newest.label("newest")]
    if metric is not None:
        direction = metric.c.value.desc() if query.greater_is_better else metric.c.value.asc()
        ranked = sa.func.row_number().over(partition_by=params.c.value, order_by=direction.nulls_last())
        columns += [ranked.label("best"), metric.c.value.label("value")]
    inner = sa.select(*columns).select_from(joined).where(where, params.c.value.in_(list(groups))).subquery()
    condition = inner.c.newest == 1
    if metric is not None:
        condition = sa.or_(condition, sa.and_(inner.c.best == 1, inner.c.value.is_not(None)))
    for row in connection.execute(sa.select(inner).where(condition)):
        summary = groups[row.group]
        if row.newest == 1:
            summary.last_run_id, summary.last_status = row.run_uuid, row.status
        if metric is not None and row.best == 1 and row.value is not None:
            summary.best_run_id = row.run_uuid


def _drift(
    connection: Connection, experiment_id: str, query: FleetQuery, groups: dict[str, GroupSummary]
) -> None:
    """Drift tags of the newest run of each group that logged any."""
    import sqlalchemy as sa
    from mlflow.store.tracking.dbmodels.models import SqlTag

    runs, params, _, joined, where = _members(experiment_id, replace(query, metric=None))
    tags = SqlTag.__table__
    joined = joined.join(
        tags, sa.and_(tags.c.run_uuid == runs.c.run_uuid, tags.c.key.like(f"{DRIFT_TAG_PREFIX}%"))
    )
    rank = sa.func.dense_rank().over(partition_by=params.c.value, order_by=runs.c.start_time.desc())
    inner = (
        sa.select(params.c.value.label("group"), tags.c.key, tags.c.value, rank.label("rank"))
        .select_from(joined)
        .where(where, params.c.value.in_(list(groups)))
        .subquery()
    )
    for row in connection.execute(sa.select(inner).where(inner.c.rank == 1)):
        groups[row.group].drift[row.key] = row.value
