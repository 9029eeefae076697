"""Benchmark the panel's runs endpoint on an experiment with 10,000 runs.

(1) First page through a real, token-authenticated jupyter server vs `MlflowClient.search_runs` directly,
    same query, medians and ratio (goal ≤ 1.2×).
(3) 50 concurrent clients paging through all runs: errors (goal 0) and latency percentiles.

    python bench/bench_runs_endpoint.py [--runs 10000] [--repeat 30] [--clients 50] [--page-size 1000]

The runs are written straight into a SQLite store with MLflow's own ORM models (creating 10,000 runs through
the API costs ~135 ms each), then served by a real `mlflow server`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.mlflow_server import MlflowServer, free_port  # noqa: E402

QUERIES = {
    "newest first": {"order_by": "attributes.start_time DESC", "filter": ""},
    "filter + metric sort": {"order_by": "metrics.accuracy DESC", "filter": "params.solver = 'lbfgs'"},
}


def seed_store(db_path: Path, runs: int) -> str:
    """Create one experiment with `runs` finished runs (3 params, 2 metrics, 1 tag each); return its id."""
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db_path}", str(db_path.parent / "artifacts"))
    experiment_id = store.create_experiment("bench/notebook.ipynb")
    artifact_root = store.get_experiment(experiment_id).artifact_location
    now = int(time.time() * 1000) - runs * 1000
    with store.ManagedSessionMaker() as session:
        rows: list[object] = []
        for index in range(runs):
            run_id = uuid.uuid4().hex
            start = now + index * 1000
            accuracy = 0.5 + (index * 7919 % runs) / (2 * runs)
            rows.append(
                SqlRun(
                    run_uuid=run_id,
                    name=f"run-{index}",
                    source_type="NOTEBOOK",
                    source_name="bench",
                    entry_point_name="",
                    user_id="bench",
                    status="FINISHED",
                    start_time=start,
                    end_time=start + 500,
                    source_version="",
                    lifecycle_stage="active",
                    artifact_uri=f"{artifact_root}/{run_id}/artifacts",
                    experiment_id=int(experiment_id),
                )
            )
            for key, value in (("alpha", str(index % 10 / 10)), ("solver", ["lbfgs", "saga"][index % 2])):
                rows.append(SqlParam(key=key, value=value, run_uuid=run_id))
            rows.append(SqlParam(key="seed", value=str(index), run_uuid=run_id))
            for key, value in (("accuracy", accuracy), ("loss", 1 - accuracy)):
                rows.append(
                    SqlMetric(key=key, value=value, timestamp=start, step=0, is_nan=False, run_uuid=run_id)
                )
                rows.append(
                    SqlLatestMetric(
                        key=key, value=value, timestamp=start, step=0, is_nan=False, run_uuid=run_id
                    )
                )
            rows.append(SqlTag(key="mlflow.runName", value=f"run-{index}", run_uuid=run_id))
        session.add_all(rows)
    store.engine.dispose()
    return experiment_id


def start_jupyter(root: Path, tracking_uri: str, token: str) -> tuple[subprocess.Popen[bytes], str]:
    """A real `jupyter server` with jupyter_mlops enabled, token auth on; returns (process, base URL)."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "server",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--JupyterMLOps.tracking_uri={tracking_uri}",
        "--ServerApp.jpserver_extensions=jupyter_mlops=True",
        "--allow-root",
    ]
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_TRACKING")}
    log = (root / "jupyter.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}api/status", headers={"Authorization": f"token {token}"}, timeout=2).ok:
                return process, url
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"jupyter server did not start; see {root / 'jupyter.log'}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def first_page(
    uri: str, base: str, token: str, experiment_id: str, repeat: int
) -> list[tuple[str, float, float]]:
    """Medians (ms) of the first page of 100 runs: MlflowClient directly vs the endpoint, interleaved."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    results = []
    for label, query in QUERIES.items():
        direct, endpoint = [], []
        for _ in range(repeat + 2):
            started = time.perf_counter()
            runs = client.search_runs(
                [experiment_id], filter_string=query["filter"], order_by=[query["order_by"]], max_results=100
            )
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = session.get(
                f"{base}jupyter-mlops/runs",
                params={"experiment_id": experiment_id, "max_results": 100, **query},
                timeout=60,
            )
            endpoint.append(time.perf_counter() - started)
            response.raise_for_status()
            ids = [run["run_id"] for run in response.json()["runs"]]
            assert ids == [run.info.run_id for run in runs], "endpoint and MlflowClient disagree"
        direct, endpoint = direct[2:], endpoint[2:]  # warm-up
        results.append((label, statistics.median(direct) * 1000, statistics.median(endpoint) * 1000))
    return results


def page_through(base: str, token: str, experiment_id: str, page_size: int) -> tuple[list[float], int, int]:
    """One client reading every run page by page; (latencies, runs seen, errors)."""
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    latencies, seen, errors, token_value = [], set(), 0, None
    while True:
        params = {"experiment_id": experiment_id, "max_results": page_size}
        if token_value:
            params["page_token"] = token_value
        started = time.perf_counter()
        try:
            response = session.get(f"{base}jupyter-mlops/runs", params=params, timeout=300)
        except requests.RequestException:
            errors += 1
            break
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors += 1
            break
        page = response.json()
        seen.update(run["run_id"] for run in page["runs"])
        token_value = page["next_page_token"]
        if not token_value:
            break
    return latencies, len(seen), errors


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the experiment (default 10000)")
    parser.add_argument(
        "--repeat", type=int, default=30, help="timed first-page requests per side (default 30)"
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent paging clients (default 50)")
    parser.add_argument(
        "--page-size", type=int, default=1000, help="runs per page when paging (default 1000)"
    )
    options = parser.parse_args(argv)
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="bench-runs-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        (root / "mlflow").mkdir()
        experiment_id = seed_store(root / "mlflow" / "mlflow.db", options.runs)
        print(f"seeded {options.runs} runs in {time.perf_counter() - started:.1f} s")
        server = MlflowServer(root=root / "mlflow", workers=2).start()
        jupyter, base = start_jupyter(root, server.uri, token)
        try:
            print(f"\n(1) first page of 100 runs, {options.repeat} requests each, medians")
            print(f"{'query':<22}{'MlflowClient ms':>17}{'endpoint ms':>13}{'ratio':>8}")
            for label, direct, endpoint in first_page(server.uri, base, token, experiment_id, options.repeat):
                print(f"{label:<22}{direct:>17.1f}{endpoint:>13.1f}{endpoint / direct:>7.2f}x")

            print(
                f"\n(3) {options.clients} concurrent clients paging through all runs "
                f"({options.page_size}/page)"
            )
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=options.clients) as pool:
                outcomes = list(
                    pool.map(
                        lambda _: page_through(base, token, experiment_id, options.page_size),
                        range(options.clients),
                    )
                )
            wall = time.perf_counter() - started
            latencies = [value * 1000 for outcome in outcomes for value in outcome[0]]
            errors = sum(outcome[2] for outcome in outcomes)
            complete = sum(1 for outcome in outcomes if outcome[1] == options.runs)
            print(
                f"requests {len(latencies)}, errors {errors}, "
                f"clients that saw all runs {complete}/{options.clients}"
            )
            print(
                f"latency ms: p50 {percentile(latencies, 0.5):.0f}  p90 {percentile(latencies, 0.9):.0f}  "
                f"p99 {percentile(latencies, 0.99):.0f}  max {max(latencies):.0f}; wall {wall:.1f} s, "
                f"{len(latencies) / wall:.1f} pages/s"
            )
        finally:
            jupyter.terminate()
            jupyter.wait(timeout=30)
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
