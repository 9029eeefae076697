"""Fan-out tracked into a real MLflow server whose backend store is a real PostgreSQL database."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg2
import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.session import TrackingSession, quiet_mlflow_run_urls
from jupyter_mlops.retraining.fanout import ChildContext, SetOutcome, log_child
from tests.support.mlflow_server import MlflowServer
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow

GRID = {"n_estimators": [5, 10, 15], "max_depth": [2, 3], "random_state": [1, 2]}


@pytest.fixture
def postgres_tracking_uri(mlflow_server_postgres: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server_postgres.uri)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return mlflow_server_postgres.uri


def _rows(cluster: PostgresCluster, query: str, *values: object) -> list[tuple[object, ...]]:
    dsn = cluster.uri.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(query, values)
        return list(cursor.fetchall())


def test_grid_fanout_into_postgres_logs_every_set_once_with_its_tags_params_and_metrics(
    postgres_tracking_uri: str, postgres_cluster: PostgresCluster, cli, iris_package: Path, tmp_path: Path
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "grid:\n"
        + "".join(f"  {name}: {values}\n" for name, values in GRID.items())
        + "group_by: random_state\n"
    )
    experiment = f"fanout-pg-{tmp_path.name}"
    result = cli(
        "run",
        iris_package,
        "--grid",
        grid,
        "--metric",
        "accuracy",
        "--workers",
        "2",
        "--experiment",
        experiment,
    )
    assert result.exit_code == 0, result.output
    assert "12 of 12 parameter sets finished, 0 failed" in result.output
    assert "View run" not in result.output  # no per-run URL lines (nor the get_run each one costs)

    client = MlflowClient(postgres_tracking_uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    runs = client.search_runs([found.experiment_id], max_results=1000)
    [parent] = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert len(children) == 12
    assert sorted(int(run.data.tags["jupyter_mlops.fanout.set"]) for run in children) == list(range(12))
    expected = {tuple(str(value) for value in values) for values in itertools.product(*GRID.values())}
    logged = {tuple(run.data.params[name] for name in GRID) for run in children}
    assert logged == expected
    for run in children:
        assert run.info.status == "FINISHED"
        assert run.info.end_time is not None
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.data.tags["jupyter_mlops.target"] == str(iris_package / "iris_classifier")
        assert set(run.data.metrics) >= {"accuracy", "duration_seconds"}
        assert "test_size" in run.data.params  # the package's defaults, as before
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["sets_total"] == 12 and parent.data.metrics["sets_failed"] == 0
    best = [run for run in children if run.data.tags.get("jupyter_mlops.fanout.best") == "true"]
    assert {run.data.params["random_state"] for run in best} == {"1", "2"} and len(best) == 2

    # exactly once, straight from the database: one row per run, per (run, param) and per (run, metric)
    counted = _rows(
        postgres_cluster,
        "SELECT count(*), count(DISTINCT run_uuid) FROM runs WHERE experiment_id = %s",
        int(found.experiment_id),
    )
    assert counted == [(13, 13)]
    duplicates = _rows(
        postgres_cluster,
        "SELECT m.run_uuid, m.key, count(*) FROM metrics m JOIN runs r ON r.run_uuid = m.run_uuid "
        "WHERE r.experiment_id = %s GROUP BY m.run_uuid, m.key HAVING count(*) > 1",
        int(found.experiment_id),
    )
    assert duplicates == []
    params_per_child = _rows(
        postgres_cluster,
        "SELECT count(*) FROM params p JOIN runs r ON r.run_uuid = p.run_uuid "
        "WHERE r.experiment_id = %s GROUP BY p.run_uuid",
        int(found.experiment_id),
    )
    assert params_per_child == [(4,)] * 12  # the grid's three + the package's default test_size


def test_a_child_run_costs_three_rest_calls(
    postgres_tracking_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create (with all tags), one log_batch, end — no get_run behind set_terminated's URL printing."""
    import mlflow.utils.rest_utils as rest_utils

    monkeypatch.delenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", raising=False)
    quiet_mlflow_run_urls()  # as run_fanout does
    client = MlflowClient(postgres_tracking_uri)
    experiment_id = client.create_experiment(f"calls-{tmp_path.name}")
    parent = client.create_run(experiment_id)
    context = ChildContext(experiment_id, parent.info.run_id, "/somewhere/pkg", "pkg", {"depth": 3})
    endpoints: list[str] = []
    real_request = rest_utils.http_request

    def counting_request(host_creds, endpoint, method, *args, **kwargs):  # type: ignore[no-untyped-def]
        endpoints.append(f"{method} {endpoint.rsplit('/mlflow/', 1)[-1]}")
        return real_request(host_creds, endpoint, method, *args, **kwargs)

    monkeypatch.setattr(rest_utils, "http_request", counting_request)
    outcome = log_child(
        TrackingSession(postgres_tracking_uri),
        context,
        SetOutcome(4, {"depth": 5}, metrics={"accuracy": 0.75}, duration_seconds=0.1),
    )
    assert endpoints == ["POST runs/create", "POST runs/log-batch", "POST runs/update"]
    run = client.get_run(outcome.run_id)
    assert run.info.status == "FINISHED" and run.info.end_time is not None
    assert run.data.params == {"depth": "5"}
    assert run.data.metrics == {"accuracy": 0.75, "duration_seconds": 0.1}
