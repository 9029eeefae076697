"""`jupyter-mlops fleet`: per-group rows from a real MLflow server on PostgreSQL, through its REST API and
straight from its database, with champion/challenger facts from the real registry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.gate import Decision, Gate, GateOptions
from tests.support.mlflow_server import MlflowServer
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow

# series -> (accuracy of each run, newest last); None = a failed run
SERIES = {
    "north": [0.70, 0.90, 0.80],
    "south": [0.60, None, 0.65],
    "east": [None, None],
}


def _log_series(client: MlflowClient, experiment_id: str) -> dict[str, list[str]]:
    """Runs of each series with its param, metric and status; a drift tag on south's newest run."""
    ids: dict[str, list[str]] = {}
    start = int(time.time() * 1000) - 100_000
    for offset, (series, values) in enumerate(SERIES.items()):
        for position, value in enumerate(values):
            tags = {"jupyter_mlops.fanout.set": str(position)}
            run = client.create_run(
                experiment_id, start_time=start + 1000 * (10 * offset + position), tags=tags
            )
            run_id = run.info.run_id
            ids.setdefault(series, []).append(run_id)
            metrics = [] if value is None else [Metric("accuracy", value, 0, 0)]
            drift = series == "south" and position == len(values) - 1
            client.log_batch(
                run_id,
                metrics=metrics,
                params=[Param("series", series), Param("alpha", "0.1")],
                tags=[RunTag("jupyter_mlops.drift.share", "0.4")] if drift else [],
            )
            client.set_terminated(run_id, "FAILED" if value is None else "FINISHED")
    # a fan-out parent: no `series` param, belongs to no group
    parent = client.create_run(experiment_id)
    client.set_terminated(parent.info.run_id, "FINISHED")
    return ids


@pytest.fixture(scope="module")
def fleet_experiment(mlflow_server_postgres: MlflowServer) -> tuple[str, dict[str, list[str]]]:
    """An experiment of three series and a registered model per series gated like `run --promote` does."""
    client = MlflowClient(mlflow_server_postgres.uri)
    name = f"fleet-{time.time_ns()}"
    ids = _log_series(client, client.create_experiment(name))
    session = TrackingSession(mlflow_server_postgres.uri)
    for series in ("north", "south"):
        gate = Gate(session, GateOptions(f"{name}-{series}", "champion", "accuracy"))
        client.create_registered_model(gate.options.model_name)
        for number, run_id in enumerate(ids[series][:2], start=1):
            run = client.get_run(run_id)
            client.create_model_version(gate.options.model_name, f"{run.info.artifact_uri}/model", run_id)
            promoted = number == 1
            gate.record(
                Decision(
                    "promoted" if promoted else "rejected",
                    gate.options.model_name,
                    str(number),
                    "champion",
                    "accuracy",
                    {1: 0.8, 2: 0.75}[number],
                    None if promoted else "1",
                    None if promoted else 0.8,
                    "first version" if promoted else "not better than the champion",
                )
            )
            if promoted:
                gate.set_alias(str(number))
    return name, ids


@pytest.fixture
def server_uri(mlflow_server_postgres: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server_postgres.uri)
    return mlflow_server_postgres.uri


def _fleet_json(cli, *args: str) -> dict:
    result = cli("fleet", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _rows(answer: dict) -> dict[str, dict]:
    return {row["group"]: row for row in answer["groups"]}


@pytest.mark.parametrize("path", ["tracking server", "database"])
def test_fleet_rows_per_series_with_failures_best_metric_champion_challenger_and_drift(
    path: str, fleet_experiment, server_uri: str, postgres_cluster: PostgresCluster, cli
) -> None:
    name, ids = fleet_experiment
    store = ["--store-uri", postgres_cluster.uri] if path == "database" else []
    answer = _fleet_json(
        cli, name, "--group-by", "series", "--metric", "accuracy", "--model", name + "-{group}", *store
    )
    assert answer["source"] == path
    assert answer["complete"] is True
    assert answer["total_groups"] == 3
    rows = _rows(answer)
    assert [row["group"] for row in answer["groups"]] == ["east", "north", "south"]
    assert (rows["north"]["runs"], rows["north"]["failures"]) == (3, 0)
    assert (rows["south"]["runs"], rows["south"]["failures"]) == (3, 1)
    assert (rows["east"]["runs"], rows["east"]["failures"], rows["east"]["best_value"]) == (2, 2, None)
    assert rows["north"]["best_value"] == pytest.approx(0.9)
    assert rows["north"]["best_run_id"] == ids["north"][1]
    assert rows["south"]["last_run_id"] == ids["south"][-1]
    assert rows["south"]["last_status"] == "FINISHED"
    assert rows["south"]["drift"] == {"jupyter_mlops.drift.share": "0.4"}
    assert rows["north"]["drift"] == {}
    north = rows["north"]
    assert (north["champion_version"], north["champion_value"]) == ("1", "0.8")
    assert (north["challenger_version"], north["gate_decision"]) == ("2", "rejected")
    assert north["gate_reason"] == "not better than the champion"
    assert rows["east"]["champion_version"] is None  # no registered model for east


@pytest.mark.parametrize("path", ["tracking server", "database"])
def test_fleet_sorts_filters_and_pages_the_same_way_on_both_paths(
    path: str, fleet_experiment, server_uri: str, postgres_cluster: PostgresCluster, cli
) -> None:
    name, _ = fleet_experiment
    store = ["--store-uri", postgres_cluster.uri] if path == "database" else []
    common = [name, "--group-by", "series", "--metric", "accuracy", *store]
    by_failures = _fleet_json(cli, *common, "--sort", "-failures")
    assert [row["group"] for row in by_failures["groups"]] == ["east", "south", "north"]
    by_best = _fleet_json(cli, *common, "--sort", "best")
    assert [row["group"] for row in by_best["groups"]] == ["north", "south", "east"]  # none last
    lowest = _fleet_json(cli, *common, "--sort", "best", "--lower-is-better")
    assert [row["group"] for row in lowest["groups"]] == ["south", "north", "east"]
    filtered = _fleet_json(cli, *common, "--filter", "OUT")
    assert [row["group"] for row in filtered["groups"]] == ["south"]
    assert filtered["total_groups"] == 1
    second = _fleet_json(cli, *common, "--limit", "1", "--offset", "1")
    assert [row["group"] for row in second["groups"]] == ["north"]
    assert second["total_groups"] == 3


def test_fleet_first_answer_scans_the_newest_runs_and_says_so(fleet_experiment, server_uri: str, cli) -> None:
    name, _ = fleet_experiment
    answer = _fleet_json(cli, name, "--group-by", "series", "--scan", "3")
    assert answer["runs_scanned"] == 3
    assert answer["complete"] is False
    assert answer["next_page_token"]
    # the 3 newest runs: the parent (no group) and east's two
    assert [(row["group"], row["runs"]) for row in answer["groups"]] == [("east", 2)]
    text = cli("fleet", name, "--group-by", "series", "--scan", "3")
    assert "3 newest runs scanned (tracking server); more remain: --page-token" in text.output
    rest = _fleet_json(cli, name, "--group-by", "series", "--page-token", answer["next_page_token"])
    assert rest["runs_scanned"] == 6  # the remaining runs, not the first three again
    assert sorted(_rows(rest)) == ["north", "south"]


def test_fleet_table_and_bad_input(fleet_experiment, server_uri: str, cli) -> None:
    name, _ = fleet_experiment
    table = cli("fleet", name, "--group-by", "series", "--metric", "accuracy", "--model", name + "-{group}")
    assert table.exit_code == 0, table.output
    header, *rows, coverage = table.output.splitlines()
    assert header.split()[:3] == ["series", "runs", "failed"]
    assert rows[1].split()[0] == "north" and "rejected" in rows[1]
    assert "share=0.4" in rows[2]
    assert coverage == "groups 1-3 of 3; all 9 runs aggregated (tracking server)"
    unknown = cli("fleet", "no-such-experiment", "--group-by", "series")
    assert unknown.exit_code == 2
    assert "no experiment named 'no-such-experiment'" in unknown.output
    bad_sort = cli("fleet", name, "--group-by", "series", "--sort", "best")
    assert (bad_sort.exit_code, bad_sort.output.strip()) == (2, "jupyter-mlops: --sort best needs --metric")
    bad_model = cli("fleet", name, "--group-by", "series", "--model", "demand")
    assert bad_model.exit_code == 2 and "{group}" in bad_model.output


def test_fleet_database_path_is_the_default_for_a_database_tracking_uri(
    postgres_cluster: PostgresCluster, fleet_experiment, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name, _ = fleet_experiment
    answer = _fleet_json(cli, name, "--group-by", "series", "--tracking-uri", postgres_cluster.uri)
    assert answer["source"] == "database"
    assert answer["runs_scanned"] == 9  # the parent too, though it is in no group
