"""Benchmark: where one fan-out child run's time and CPU go against a real MLflow server.

Logs --runs child runs the way `jupyter-mlops run --grid` does (fanout.log_child: create_run with all tags,
one log_batch of params + metrics, set_terminated) and prints, per server set-up and logging mode:
  * the median latency of each REST call (client side, ms),
  * wall ms per child run (throughput), and CPU ms per child run split into client (this process), MLflow
    server (its process tree) and PostgreSQL (the cluster's processes) — the cost a fan-out pays on the
    cores it shares with the models when everything runs on one machine.

Set-ups: the backend store (PostgreSQL 15 via tests/support/postgres.py, or SQLite) x uvicorn workers
(1: TCP_NODELAY on; >= 2: each keep-alive call waits ~40 ms on a delayed ACK, docs/retraining.md) x the
server's SQLAlchemy pool size (PostgreSQL only: SQLAlchemy's default keeps 5 connections, so 8 logging threads
open and close overflow connections — a PostgreSQL backend process each).
x the server's front (--fronts): `uvicorn` (MLflow 3's default: FastAPI around MLflow's Flask app) or
`gunicorn` (the Flask app in gunicorn gthread workers, `mlflow server --gunicorn-opts "--worker-class gthread
--threads 8 --keep-alive 30"`).
Modes: `series` (one thread), `threads` (fanout.LOGGING_THREADS threads, as fan-out logs), and `before`:
threads with MLflow's run-URL printing left on, as fan-out ran before `quiet_mlflow_run_urls` (set_terminated
then also calls get_run: four REST calls per child run).

    python bench/bench_child_run_cost.py [--runs 200] [--server-workers 1 2] [--backends postgres sqlite]
                                      [--pool-sizes 0 16] [--fronts uvicorn gunicorn]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

PARAMS = {"n_estimators": 50, "max_depth": 6, "learning_rate": 0.1, "random_state": 3, "series": "s-0007"}
METRICS = {"accuracy": 0.93, "f1": 0.91, "roc_auc": 0.97, "duration_seconds": 0.5123}


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, its live children and the children it has reaped
    (PostgreSQL's per-connection backends come and go)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
        reaped = root.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    total = reaped.children_user + reaped.children_system
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def postgres_cpu(postmaster_pid: int | None) -> float:
    return tree_cpu(postmaster_pid) if postmaster_pid else 0.0


class CallTimer:
    """Client-side latency of each kind of call (thread-safe)."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def time(self, name: str, action):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.samples[name].append(elapsed)
        return result


def log_children(uri: str, runs: int, threads: int, experiment: str, timer: CallTimer) -> float:
    """Log `runs` child runs as fanout.log_child does; return the wall seconds."""
    from jupyter_mlops.core.session import TrackingSession, quiet_mlflow_http_retries
    from jupyter_mlops.retraining.fanout import ChildContext, SetOutcome, log_child

    quiet_mlflow_http_retries()
    session = TrackingSession(uri)
    client = session.client
    experiment_id = session.ensure_experiment(experiment)
    parent = client.create_run(experiment_id, run_name="parent")
    context = ChildContext(experiment_id, parent.info.run_id, "/bench/target", "bench", {"extra": 1})

    # wrap the client's three methods to time each call as fanout.log_child makes it
    original = {name: getattr(client, name) for name in ("create_run", "log_batch", "set_terminated")}
    for name, method in original.items():
        setattr(client, name, lambda *a, _m=method, _n=name, **k: timer.time(_n, lambda: _m(*a, **k)))

    outcomes = [
        SetOutcome(index, {**PARAMS, "random_state": index}, metrics=dict(METRICS), duration_seconds=0.5)
        for index in range(runs)
    ]
    started = time.perf_counter()
    if threads == 1:
        for outcome in outcomes:
            log_child(session, context, outcome)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda outcome: log_child(session, context, outcome), outcomes))
    wall = time.perf_counter() - started
    for name, method in original.items():
        setattr(client, name, method)
    client.set_terminated(parent.info.run_id)
    return wall


def measure(
    uri: str, server_pid: int, postmaster: int | None, runs: int, threads: int, label: str, print_urls: bool
) -> dict:
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "false" if print_urls else "true"
    timer = CallTimer()
    log_children(uri, 5, 1, f"warm-{label}", CallTimer())  # connections, imports, first queries
    client_before = time.process_time()
    server_before = tree_cpu(server_pid)
    pg_before = postgres_cpu(postmaster)
    wall = log_children(uri, runs, threads, f"bench-{label}", timer)
    return {
        "wall_ms": 1000 * wall / runs,
        "client_ms": 1000 * (time.process_time() - client_before) / runs,
        "server_ms": 1000 * (tree_cpu(server_pid) - server_before) / runs,
        "postgres_ms": 1000 * (postgres_cpu(postmaster) - pg_before) / runs,
        "calls": {name: 1000 * statistics.median(values) for name, values in timer.samples.items()},
    }


def database_bytes(cluster: object) -> int:
    """pg_database_size of the cluster's MLflow database (0 without a cluster)."""
    if cluster is None:
        return 0
    import psycopg2

    dsn = cluster.uri.replace("postgresql+psycopg2://", "postgresql://")  # type: ignore[attr-defined]
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def gunicorn_options(threads: int = 8) -> str:
    """`mlflow server --gunicorn-opts` for the gthread front, `threads` threads per worker process."""
    return f"--worker-class gthread --threads {threads} --keep-alive 30"


GUNICORN_OPTIONS = gunicorn_options()


def measure_setup(
    backend: str,
    workers: int,
    pool: int,
    runs: int,
    modes: list[tuple[str, int, bool]],
    front: str = "uvicorn",
    gunicorn_threads: int = 8,
) -> list[tuple[str, int, dict]]:
    """Start PostgreSQL (or not) and an MLflow server with this set-up; measure every mode against it."""
    from tests.support.mlflow_server import MlflowServer
    from tests.support.postgres import PostgresCluster

    environment = {"MLFLOW_SQLALCHEMYSTORE_POOL_SIZE": str(pool)} if pool else {}
    cluster = PostgresCluster().start() if backend == "postgres" else None
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            server = MlflowServer(
                root=Path(folder),
                workers=workers,
                backend_store_uri=cluster.uri if cluster else None,
                extra_env=environment,
                extra_args=(
                    ["--gunicorn-opts", gunicorn_options(gunicorn_threads)] if front == "gunicorn" else []
                ),
            ).start()
            postmaster = None
            if cluster is not None:
                assert cluster.root is not None
                postmaster = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
            size_before = database_bytes(cluster)
            try:
                assert server.process is not None
                for mode, count, print_urls in modes:
                    label = f"{backend}-{workers}-{pool}-{mode}"
                    with contextlib.redirect_stdout(io.StringIO()):  # MLflow's "View run" lines
                        result = measure(
                            server.uri, server.process.pid, postmaster, runs, count, label, print_urls
                        )
                    results.append((mode, count, result))
                logged = len(modes) * (runs + 5 + 1) + 5 + 1  # children + warm-ups + parents
                if cluster is not None:
                    grown = database_bytes(cluster) - size_before
                    print(
                        f"PostgreSQL grew {grown / logged:.0f} bytes per run ({logged} runs)", file=sys.stderr
                    )
                    results[-1][2]["db_bytes_per_run"] = grown / logged
            finally:
                server.stop()
    finally:
        if cluster is not None:
            cluster.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="child runs per measurement")
    parser.add_argument("--server-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--backends", nargs="+", default=["postgres", "sqlite"], choices=["postgres", "sqlite"]
    )
    parser.add_argument(
        "--pool-sizes",
        type=int,
        nargs="+",
        default=[0, 16],
        help="the server's MLFLOW_SQLALCHEMYSTORE_POOL_SIZE (0 = MLflow's default, SQLAlchemy's 5)",
    )
    parser.add_argument("--fronts", nargs="+", default=["uvicorn"], choices=["uvicorn", "gunicorn"])
    parser.add_argument(
        "--gunicorn-threads", type=int, nargs="+", default=[8], help="gthread threads per gunicorn worker"
    )
    parser.add_argument("--modes", nargs="+", default=["series", "threads", "before"])
    args = parser.parse_args()
    from jupyter_mlops.retraining.fanout import LOGGING_THREADS

    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    threads = LOGGING_THREADS
    modes = [("series", 1, False), ("threads", threads, False), ("before", threads, True)]
    modes = [mode for mode in modes if mode[0] in args.modes]
    loads = [os.getloadavg()[0]]
    rows = []
    setups = [
        (backend, workers, pool, front, server_threads)
        for backend in args.backends
        for workers in args.server_workers
        for pool in (args.pool_sizes if backend == "postgres" else [0])
        for front in args.fronts
        for server_threads in (args.gunicorn_threads if front == "gunicorn" else [0])
    ]
    for backend, workers, pool, front, server_threads in setups:
        label = f"{backend}/{front[0]}{server_threads or ''}"
        measured = measure_setup(backend, workers, pool, args.runs, modes, front, server_threads)
        for mode, count, result in measured:
            rows.append((label, workers, pool or "-", f"{mode} ({count})", result))
            loads.append(os.getloadavg()[0])
    print(
        f"one child run = create_run(tags) + log_batch({len(PARAMS) + 1} params, {len(METRICS)} metrics) + "
        f"set_terminated; {args.runs} runs per row; {os.cpu_count()} CPUs, "
        f"load average {min(loads):.1f}-{max(loads):.1f}; store/u = uvicorn front, /gN = gunicorn, N threads"
    )
    header = (
        f"{'store':<11}{'srv w':>6}{'pool':>5} {'mode':<12}{'create':>8}{'batch':>8}{'end':>8}"
        f"{'wall/run':>10}{'runs/s':>8}{'cpu client':>11}{'server':>8}{'pg':>6}{'cpu/run':>9}"
    )
    print(header + "   (ms; call columns = median client latency)")
    for backend, workers, pool, mode, r in rows:
        calls = r["calls"]
        cpu = r["client_ms"] + r["server_ms"] + r["postgres_ms"]
        print(
            f"{backend:<11}{workers:>6}{pool:>5} {mode:<12}"
            f"{calls['create_run']:>8.1f}{calls['log_batch']:>8.1f}{calls['set_terminated']:>8.1f}"
            f"{r['wall_ms']:>10.1f}{1000 / r['wall_ms']:>8.1f}"
            f"{r['client_ms']:>11.1f}{r['server_ms']:>8.1f}{r['postgres_ms']:>6.1f}{cpu:>9.1f}"
        )
    sizes = [r["db_bytes_per_run"] for *_, r in rows if "db_bytes_per_run" in r]
    if sizes:
        print(
            f"PostgreSQL database growth: {statistics.mean(sizes):.0f} bytes per child run (tables + indexes)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
