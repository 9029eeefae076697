"""Benchmark: the fleet view's first answer at 100,000 runs vs the equivalent `search_runs` loop.

Set-up: a throwaway PostgreSQL 15 (tests/support/postgres.py) as the backend store of a real `mlflow
server`. --runs N child runs (default 100,000; 50 per series, so N/50 series) are synthesized in
--writers processes, each with MLflow's own SqlAlchemyStore on that database (the code the server runs
behind its REST API), per run: create_run, one log_batch (params series/alpha/max_depth, metrics
accuracy/duration_seconds, a drift tag on 1 run in 20), and the end status (1 in 10 FAILED). The synthesis
time is printed; it is not part of the comparison.

Compared in the same process, against the same data (in-process, warm imports: what the panel's server does;
medians of --repeats):
  database     fleet(..., store_uri=<the PostgreSQL URI>): GROUP BY over every run, first page of 50 groups
  first answer fleet(...) through the tracking server's REST API, newest --scan runs (default 1,000)
  loop         the equivalent search_runs loop: every run paged through REST (1,000 a page), aggregated
               per series in Python (fleet(..., scan=0)); once, it is slow
and the CLI (`jupyter-mlops fleet ... --store-uri URI`, a fresh process) once, for its wall time.

    python bench/bench_fleet.py [--runs 100000] [--writers 4] [--repeats 5] [--scan 1000]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

EXPERIMENT = "fleet-bench"
RUNS_PER_SERIES = 50


def run_facts(index: int, start_ms: int) -> dict:  # type: ignore[type-arg]
    """What run `index` logs: its series, params, metrics, tags and status (the same in both modes)."""
    failed = index % 10 == 3
    metrics = {"duration_seconds": 0.4}
    if not failed:
        metrics["accuracy"] = 0.5 + (index * 7919 % 1000) / 2000
    tags = {"jupyter_mlops.fanout.set": str(index), "mlflow.runName": f"set{index}"}
    if index % 20 == 0:
        tags["jupyter_mlops.drift.share"] = f"{(index % 7) / 10:.1f}"
    return {
        "start": start_ms + index,
        "status": "FAILED" if failed else "FINISHED",
        "params": {
            "series": f"series-{index // RUNS_PER_SERIES:05d}",
            "alpha": str(index % 5 / 10),
            "max_depth": str(index % 4 + 2),
        },
        "metrics": metrics,
        "tags": tags,
    }


@functools.cache
def _engine(store_uri: str):  # type: ignore[no-untyped-def]
    """One engine (connection pool) per writer process."""
    import sqlalchemy as sa

    return sa.create_engine(store_uri)


@functools.cache
def _store(store_uri: str):  # type: ignore[no-untyped-def]
    """One MLflow SqlAlchemyStore per writer process."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(store_uri, tempfile.gettempdir())


def _log_batch_runs(store_uri: str, experiment_id: str, first: int, count: int, start_ms: int) -> int:
    """MLflow's SqlAlchemyStore per run: create_run, one log_batch, update_run_info (the end status)."""
    from mlflow.entities import Metric, Param, RunStatus, RunTag

    store = _store(store_uri)
    for index in range(first, first + count):
        facts = run_facts(index, start_ms)
        started = facts["start"]
        run = store.create_run(experiment_id, "bench", started, [], f"set{index}")
        store.log_batch(
            run.info.run_id,
            metrics=[Metric(key, value, started, 0) for key, value in facts["metrics"].items()],
            params=[Param(key, value) for key, value in facts["params"].items()],
            tags=[RunTag(key, value) for key, value in facts["tags"].items() if key != "mlflow.runName"],
        )
        store.update_run_info(run.info.run_id, RunStatus.from_string(facts["status"]), started + 500, None)
    return count


def _bulk_runs(store_uri: str, experiment_id: str, first: int, count: int, start_ms: int) -> int:
    """The same rows inserted with one multi-row INSERT per MLflow table per chunk (one transaction)."""
    import uuid

    from mlflow.store.tracking.dbmodels import models

    tables = {name: getattr(models, name).__table__ for name in ("SqlRun", "SqlParam", "SqlMetric", "SqlTag")}
    latest = models.SqlLatestMetric.__table__
    rows: dict[str, list[dict]] = {"runs": [], "params": [], "metrics": [], "tags": []}  # type: ignore[type-arg]
    for index in range(first, first + count):
        facts = run_facts(index, start_ms)
        run_id = uuid.uuid4().hex
        rows["runs"].append(
            {
                "run_uuid": run_id,
                "name": f"set{index}",
                "source_type": "LOCAL",
                "user_id": "bench",
                "status": facts["status"],
                "start_time": facts["start"],
                "end_time": facts["start"] + 500,
                "lifecycle_stage": "active",
                "artifact_uri": f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts",
                "experiment_id": int(experiment_id),
            }
        )
        rows["params"] += [{"run_uuid": run_id, "key": k, "value": v} for k, v in facts["params"].items()]
        rows["metrics"] += [
            {
                "run_uuid": run_id,
                "key": k,
                "value": v,
                "timestamp": facts["start"],
                "step": 0,
                "is_nan": False,
            }
            for k, v in facts["metrics"].items()
        ]
        rows["tags"] += [{"run_uuid": run_id, "key": k, "value": v} for k, v in facts["tags"].items()]
    with _engine(store_uri).begin() as connection:
        connection.execute(tables["SqlRun"].insert(), rows["runs"])
        connection.execute(tables["SqlParam"].insert(), rows["params"])
        connection.execute(tables["SqlMetric"].insert(), rows["metrics"])
        connection.execute(latest.insert(), rows["metrics"])
        connection.execute(tables["SqlTag"].insert(), rows["tags"])
    return count


def synthesize(store_uri: str, experiment_id: str, runs: int, writers: int, mode: str) -> float:
    """Write `runs` runs in `writers` processes; returns the wall seconds."""
    writer = _log_batch_runs if mode == "log_batch" else _bulk_runs
    start_ms = int(time.time() * 1000) - runs - 60_000
    chunk = 500
    began = time.perf_counter()
    with ProcessPoolExecutor(writers) as pool:
        futures = [
            pool.submit(writer, store_uri, experiment_id, first, min(chunk, runs - first), start_ms)
            for first in range(0, runs, chunk)
        ]
        done = 0
        for future in futures:
            done += future.result()
            if done % 10_000 == 0:
                print(f"  {done} runs written ({time.perf_counter() - began:.0f} s)", flush=True)
    analyze(store_uri)  # what autovacuum does after bulk changes; the planner needs the row counts
    return time.perf_counter() - began


def analyze(store_uri: str) -> None:
    """ANALYZE the database (planner statistics), as autovacuum would after these writes."""
    import sqlalchemy as sa

    with sa.create_engine(store_uri, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.exec_driver_sql("ANALYZE")


def median_seconds(action, repeats: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """(first, median) wall seconds of `action()` over `repeats` calls, and its last result."""
    times = []
    result = None
    for _ in range(repeats):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return times[0], statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=4, help="processes synthesizing runs")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scan", type=int, default=1000, help="first answer over REST: newest runs read")
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument(
        "--synthesis",
        choices=["log_batch", "bulk"],
        default="log_batch",
        help="log_batch: MLflow's store per run (~20 runs/s on the loaded 2-core box); bulk: the same rows "
        "in multi-row INSERTs into MLflow's tables",
    )
    args = parser.parse_args()

    from _timing import timed

    from jupyter_mlops.core.session import TrackingSession
    from jupyter_mlops.retraining.fleet import FleetQuery, fleet
    from tests.support.mlflow_server import MlflowServer
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    server = None
    try:
        root = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        server = MlflowServer(root=root, backend_store_uri=cluster.uri, workers=args.server_workers).start()
        session = TrackingSession(server.uri)
        experiment_id = session.client.create_experiment(EXPERIMENT)
        print(
            f"synthesizing {args.runs} runs ({args.runs // RUNS_PER_SERIES} series), "
            f"{args.writers} writers, {args.synthesis}"
        )
        seconds = synthesize(cluster.uri, experiment_id, args.runs, args.writers, args.synthesis)
        print(
            f"synthesized ({args.synthesis}) {args.runs} runs in {seconds:.0f} s "
            f"({args.runs / seconds:.0f} runs/s)"
        )

        query = FleetQuery(EXPERIMENT, "series", "accuracy", sort="-failures", limit=50, scan=args.scan)
        db_first, db_median, db_answer = median_seconds(
            lambda: fleet(session, query, cluster.uri), args.repeats
        )
        rest_first, rest_median, rest_answer = median_seconds(lambda: fleet(session, query), args.repeats)
        everything = FleetQuery(EXPERIMENT, "series", "accuracy", sort="-failures", limit=50, scan=0)
        loop_seconds, _, loop_answer = median_seconds(lambda: fleet(session, everything), 1)
        assert db_answer.runs_scanned == loop_answer.runs_scanned == args.runs, (db_answer, loop_answer)
        assert [(g.group, g.runs, g.failures) for g in db_answer.groups] == [
            (g.group, g.runs, g.failures) for g in loop_answer.groups
        ], "database and search_runs loop disagree"
        env = {**os.environ, "MLFLOW_TRACKING_URI": server.uri, "PYTHONPATH": str(REPOSITORY)}
        cli = Path(sys.executable).with_name("jupyter-mlops")
        command = [str(cli), "fleet", EXPERIMENT, "--group-by", "series", "--metric", "accuracy"]
        cli_wall, _ = timed([*command, "--sort", "-failures", "--store-uri", cluster.uri], REPOSITORY, env)

        print(f"\nfleet of {args.runs} runs, {db_answer.total_groups} series; load {os.getloadavg()[0]:.1f}")
        print(f"  database (every run, GROUP BY)        first {db_first:.3f} s  median {db_median:.3f} s")
        print(
            f"  first answer over REST ({rest_answer.runs_scanned} newest runs) first {rest_first:.3f} s"
            f"  median {rest_median:.3f} s"
        )
        print(f"  search_runs loop (every run, REST)    {loop_seconds:.3f} s")
        print(f"  CLI --store-uri (fresh process)       {cli_wall:.3f} s")
        print(
            f"  loop / database: {loop_seconds / db_median:.0f}x   loop / REST first answer: "
            f"{loop_seconds / rest_median:.0f}x"
        )
    finally:
        if server is not None:
            server.stop()
        cluster.stop()


if __name__ == "__main__":
    main()
