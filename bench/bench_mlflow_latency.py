"""Benchmark: latency of one cheap MLflow REST call (get_experiment) against a real local `mlflow server`.

Client variants, each against the same server:
  mlflow-client          MlflowClient as-is (MLflow's cached requests.Session: keep-alive, TCP_NODELAY)
  mlflow-client-newconn  MlflowClient, MLflow's session dropped after each call (new TCP connection per call)
  mlflow-client-quickack MlflowClient with TCP_QUICKACK added to urllib3's default socket options
  requests-keepalive     a bare requests.Session (keep-alive), no MLflow client code
  requests-newconn       requests.get with `Connection: close` (a new TCP connection per call)
  socket-gap             raw keep-alive socket: ms between the response's header segment and its body
                         segment (the server writes them in two sends; ~40 ms = Nagle x delayed ACK)
  curl                   curl's time_total (new process + connection per call; process start not counted)
Server variants: uvicorn (MLflow's default) with --workers 1 and 2, and gunicorn (`--gunicorn-opts`).
Prints the median per call (ms) of each repeat and the median of the repeats, with the load average.

    python bench/bench_mlflow_latency.py [--calls 40] [--repeats 3] [--servers uvicorn-1,uvicorn-2,gunicorn-2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

SERVERS: dict[str, tuple[int, list[str]]] = {
    "uvicorn-1": (1, []),
    "uvicorn-2": (2, []),
    "gunicorn-2": (2, ["--gunicorn-opts", "--log-level warning"]),
}


def _reset_mlflow_session() -> None:
    """Drop MLflow's cached HTTP sessions, so the next call opens a new connection."""
    from mlflow.utils import request_utils

    request_utils._cached_get_request_session.cache_clear()


def _per_call_ms(call: Callable[[], object], calls: int) -> float:
    call()  # warm-up: connection, imports
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def _header_body_gap_ms(uri: str, path: str, calls: int) -> float | None:
    """Median ms between receiving the response headers and its body on one keep-alive socket.

    None when the server closes the connection after each response (no keep-alive, nothing to measure).
    """
    host, port = uri.removeprefix("http://").split(":")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    gaps = []
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for _ in range(calls + 1):
                sock.sendall(request)
                data = _recv(sock)
                first = time.perf_counter()
                while b"\r\n\r\n" not in data:
                    data += _recv(sock)
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                length = next(
                    int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length")
                )
                split = not body
                while len(body) < length:
                    body += _recv(sock)
                if split:  # only responses that arrived in two pieces have a gap to measure
                    gaps.append((time.perf_counter() - first) * 1000)
        except (ConnectionError, StopIteration):
            return None
    return statistics.median(gaps[1:] or gaps or [0.0])


def _client_variants(uri: str, experiment_id: str, calls: int) -> dict[str, float]:
    import requests
    from mlflow import MlflowClient
    from urllib3.connection import HTTPConnection

    results: dict[str, float] = {}
    get_url = f"{uri}/api/2.0/mlflow/experiments/get?experiment_id={experiment_id}"

    _reset_mlflow_session()
    client = MlflowClient(uri)
    results["mlflow-client"] = _per_call_ms(lambda: client.get_experiment(experiment_id), calls)

    def new_connection_call() -> None:
        client.get_experiment(experiment_id)
        _reset_mlflow_session()

    results["mlflow-client-newconn"] = _per_call_ms(new_connection_call, calls)

    if hasattr(socket, "TCP_QUICKACK"):
        saved = HTTPConnection.default_socket_options
        HTTPConnection.default_socket_options = [*saved, (socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)]
        _reset_mlflow_session()
        try:
            results["mlflow-client-quickack"] = _per_call_ms(
                lambda: client.get_experiment(experiment_id), calls
            )
        finally:
            HTTPConnection.default_socket_options = saved
            _reset_mlflow_session()

    with requests.Session() as session:
        results["requests-keepalive"] = _per_call_ms(lambda: session.get(get_url, timeout=30), calls)
    results["requests-newconn"] = _per_call_ms(
        lambda: requests.get(get_url, headers={"Connection": "close"}, timeout=30), calls
    )
    gap = _header_body_gap_ms(uri, f"/api/2.0/mlflow/experiments/get?experiment_id={experiment_id}", calls)
    if gap is not None:
        results["socket-gap"] = gap
    curl = shutil.which("curl")
    if curl:
        curl_times = []
        for _ in range(calls):
            output = subprocess.run(
                [curl, "-s", "-o", "/dev/null", "-w", "%{time_total}", get_url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            curl_times.append(float(output) * 1000)
        results["curl"] = statistics.median(curl_times)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="calls per variant and repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"comma-separated: {', '.join(SERVERS)}")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SERVERS]
    if unknown:
        parser.error(f"--servers: unknown {', '.join(unknown)}; valid: {', '.join(SERVERS)}")
    from mlflow import MlflowClient

    from tests.support.mlflow_server import MlflowServer

    os.environ.pop("MLFLOW_TRACKING_URI", None)
    table: dict[tuple[str, str], list[float]] = {}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as name:
        for server_name in chosen:
            workers, extra = SERVERS[server_name]
            server = MlflowServer(root=Path(name) / server_name, workers=workers, extra_args=extra).start()
            try:
                experiment_id = MlflowClient(server.uri).create_experiment("latency")
                for repeat in range(args.repeats):
                    for variant, ms in _client_variants(server.uri, experiment_id, args.calls).items():
                        table.setdefault((server_name, variant), []).append(ms)
                        print(f"  {server_name} repeat {repeat + 1}: {variant} {ms:.1f} ms", flush=True)
                    loads.append(os.getloadavg()[0])
            finally:
                server.stop()
    print(
        f"get_experiment latency, median ms per call ({args.calls} calls x {args.repeats} repeats), "
        f"{os.cpu_count()} CPUs, load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print(f"{'server':<12}{'client variant':<26}{'median':>8}  repeats")
    for (server_name, variant), values in table.items():
        repeats = " ".join(f"{value:.1f}" for value in values)
        print(f"{server_name:<12}{variant:<26}{statistics.median(values):>8.1f}  {repeats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
