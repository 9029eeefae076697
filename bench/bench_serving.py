"""Benchmark: request latency and throughput of MLServer vs `mlflow models serve` on the same model, same run.

Both servers are started by `jupyter-mlops serve` (MLServer from .venv-mlserver; `--engine mlflow`) on one
iris LogisticRegression registered in a temporary SQLite store, and run side by side. One client per server
sends requests back to back over a keep-alive `http.client` connection (no concurrency: this measures the
per-request cost of each server, not its scaling); the two servers are asked in alternating rounds so a
change of machine load hits both. The predictions of both are checked equal before timing.

    python bench/bench_serving.py [--requests 600] [--rounds 6] [--rows 1,100]

Prints, per batch size: p50/p99 latency (ms), throughput (requests/s and rows/s) and MLServer / mlflow ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
MODEL = "bench_iris"
HEADER = (
    "| rows/request | server | p50 ms | p99 ms | requests/s | rows/s "
    "| p50 ratio (vs mlflow) | throughput ratio |"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def register_model(store: str) -> None:
    """One LogisticRegression on iris, registered as bench_iris version 1 @champion."""
    import mlflow
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_tracking_uri(store)
    features, labels = load_iris(return_X_y=True)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(LogisticRegression(max_iter=300).fit(features, labels), name="model")
    mlflow.register_model(info.model_uri, MODEL)
    mlflow.MlflowClient().set_registered_model_alias(MODEL, "champion", "1")


def start_serve(store: str, engine: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "jupyter_mlops.cli", "serve", f"models:/{MODEL}@champion"]
    command += ["--engine", engine, "--port", str(port), "--tracking-uri", store]
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while "serving " not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"benchmark: {engine} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process, port


def payload(engine: str, rows: list[list[float]]) -> tuple[str, bytes]:
    """(path, body) of one prediction request for `rows`."""
    if engine == "mlserver":
        tensor = {
            "name": "input-0",
            "shape": [len(rows), 4],
            "datatype": "FP64",
            "data": [x for row in rows for x in row],
        }
        document: dict[str, Any] = {"inputs": [tensor], "parameters": {"content_type": "np"}}
        return "/v2/models/bench-iris/infer", json.dumps(document).encode()
    return "/invocations", json.dumps({"inputs": rows}).encode()


def predictions(engine: str, answer: dict[str, Any]) -> list[int]:
    values = answer["outputs"][0]["data"] if engine == "mlserver" else answer["predictions"]
    return [int(value) for value in values]


class Client:
    """Back-to-back requests over one keep-alive connection; latencies in seconds."""

    def __init__(self, engine: str, port: int, rows: list[list[float]]) -> None:
        self.engine = engine
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.path, self.body = payload(engine, rows)
        self.latencies: list[float] = []
        self.busy_seconds = 0.0

    def ask(self) -> dict[str, Any]:
        self.connection.request("POST", self.path, self.body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            sys.exit(f"benchmark: {self.engine} answered {response.status}: {data[:300]!r}")
        return json.loads(data)

    def round(self, requests: int) -> None:
        start_round = time.perf_counter()
        for _ in range(requests):
            start = time.perf_counter()
            self.ask()
            self.latencies.append(time.perf_counter() - start)
        self.busy_seconds += time.perf_counter() - start_round


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(ports: dict[str, int], rows: list[list[float]], requests: int, rounds: int) -> dict[str, Client]:
    clients = {engine: Client(engine, port, rows) for engine, port in ports.items()}
    answers = {engine: predictions(engine, client.ask()) for engine, client in clients.items()}
    if answers["mlserver"] != answers["mlflow"]:
        sys.exit(f"benchmark: the servers disagree: {answers}")
    for client in clients.values():
        for _ in range(20):  # warm-up
            client.ask()
    for _ in range(rounds):
        for client in clients.values():
            client.round(requests // rounds)
    return clients


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600, help="timed requests per server and batch size")
    parser.add_argument("--rounds", type=int, default=6, help="alternations between the two servers")
    parser.add_argument("--rows", default="1,100", help="batch sizes (rows per request), comma-separated")
    arguments = parser.parse_args()
    from sklearn.datasets import load_iris

    features = load_iris().data.tolist()
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as folder:
        store = f"sqlite:///{folder}/mlflow.db"
        register_model(store)
        servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        try:
            for engine in ("mlserver", "mlflow"):
                servers[engine] = start_serve(store, engine, Path(folder) / f"{engine}.log")
            ports = {engine: port for engine, (_, port) in servers.items()}
            print(f"load average before: {os.getloadavg()[0]:.1f}; {arguments.requests} requests per cell\n")
            print(HEADER)
            print("|---|---|---|---|---|---|---|---|")
            for size in (int(value) for value in arguments.rows.split(",")):
                rows = (features * (size // len(features) + 1))[:size]
                clients = measure(ports, rows, arguments.requests, arguments.rounds)
                figures = {
                    engine: (
                        percentile(client.latencies, 0.5) * 1000,
                        percentile(client.latencies, 0.99) * 1000,
                        len(client.latencies) / client.busy_seconds,
                    )
                    for engine, client in clients.items()
                }
                for engine, (p50, p99, throughput) in figures.items():
                    label = "MLServer (V2)" if engine == "mlserver" else "`mlflow models serve`"
                    ratio_p50 = p50 / figures["mlflow"][0]
                    ratio_throughput = throughput / figures["mlflow"][2]
                    cells = [f"{p50:.2f}", f"{p99:.2f}", f"{throughput:.0f}", f"{throughput * size:.0f}"]
                    cells += [f"{ratio_p50:.2f}×", f"{ratio_throughput:.2f}×"]
                    print(f"| {size} | {label} | " + " | ".join(cells) + " |")
            print(f"\nload average after: {os.getloadavg()[0]:.1f}")
        finally:
            for process, _ in servers.values():
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)


if __name__ == "__main__":
    main()
