"""GET fleet through a real jupyter_server: rows per group from the tracking server's REST API (newest runs)
and, when the panel's store is a database, aggregated in it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from tests.server.conftest import StoreTarget
from tests.server.seed import SeededExperiment
from tests.server.test_endpoints import error_of, get_json

pytestmark = pytest.mark.slow


async def test_fleet_groups_the_seeded_runs_by_param(jp_fetch: Any, seeded: SeededExperiment) -> None:
    page = await get_json(
        jp_fetch, "fleet", experiment=seeded.experiment_name, group_by="alpha", metric="accuracy", sort="best"
    )
    assert (page["source"], page["complete"], page["total_groups"]) == ("tracking server", True, 3)
    assert page["runs_scanned"] == 4  # the long-history run has no alpha: read, in no group
    assert [(row["group"], row["best_value"]) for row in page["groups"]] == [
        ("0.5", 0.93),
        ("0.9", 0.87),
        ("0.1", 0.81),
    ]
    assert page["groups"][0]["best_run_id"] == seeded.model_run_id
    filtered = await get_json(
        jp_fetch, "fleet", experiment=seeded.experiment_name, group_by="alpha", filter=".9", limit="1"
    )
    assert [row["group"] for row in filtered["groups"]] == ["0.9"]


async def test_fleet_bad_input_is_400_and_an_unknown_experiment_404(
    jp_fetch: Any, seeded: SeededExperiment
) -> None:
    bad = await error_of(jp_fetch, "fleet", experiment=seeded.experiment_name, group_by="alpha", sort="size")
    assert (bad["status"], bad["code"]) == (400, "bad_request")
    assert "--sort 'size' is not one of" in bad["message"]
    missing = await error_of(jp_fetch, "fleet", experiment="no-such-experiment", group_by="alpha")
    assert missing["status"] == 404


@pytest.fixture
def database_store(tmp_path: Path, store_target: StoreTarget) -> str:
    """The panel's store is an SQLite database with two series of runs (the next server uses it)."""
    uri = f"sqlite:///{tmp_path / 'fleet.db'}"
    client = MlflowClient(uri)
    experiment_id = client.create_experiment("fleet-db")
    now = int(time.time() * 1000)
    for index, (series, accuracy) in enumerate([("a", 0.5), ("a", 0.7), ("b", 0.6)]):
        run = client.create_run(experiment_id, start_time=now + index)
        client.log_batch(
            run.info.run_id, metrics=[Metric("accuracy", accuracy, now, 0)], params=[Param("series", series)]
        )
        client.set_terminated(run.info.run_id, "FAILED" if series == "b" else "FINISHED")
    store_target.tracking_uri = uri
    return uri


async def test_fleet_is_aggregated_in_the_database_when_the_store_is_one(
    database_store: str, jp_fetch: Any
) -> None:
    page = await get_json(jp_fetch, "fleet", experiment="fleet-db", group_by="series", metric="accuracy")
    assert (page["source"], page["complete"], page["runs_scanned"]) == ("database", True, 3)
    rows = {row["group"]: row for row in page["groups"]}
    assert (rows["a"]["runs"], rows["a"]["failures"], rows["a"]["best_value"]) == (2, 0, 0.7)
    assert (rows["b"]["runs"], rows["b"]["failures"], rows["b"]["last_status"]) == (1, 1, "FAILED")
