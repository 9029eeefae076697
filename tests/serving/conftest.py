"""Serving test fixtures: a model registered by real `jupyter-mlops run`s, servers started as users do."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mlflow import MlflowClient
from sklearn.datasets import load_iris

from jupyter_mlops.serving.engines import mlserver_executable
from jupyter_mlops.serving.errors import EngineMissingError
from tests.support.mlflow_server import MlflowServer, free_port


def installed_mlserver() -> Path | None:
    """The `mlserver` that `jupyter-mlops serve` would start, or None when it is not installed."""
    try:
        return mlserver_executable()
    except EngineMissingError:
        return None


MLSERVER = installed_mlserver()
needs_mlserver = pytest.mark.skipif(
    MLSERVER is None, reason="MLServer is not installed: `make engines` (.venv-mlserver), see docs/serving.md"
)
IRIS_NOTEBOOK = Path(__file__).parents[1] / "retraining" / "data" / "iris_small.ipynb"
MODEL_NAME = "iris_serving"
START_TIMEOUT_SECONDS = 240.0


@dataclass(frozen=True)
class RegisteredIris:
    """A registered model with two versions trained by `jupyter-mlops run` (C=1.0 and C=0.01)."""

    tracking_uri: str
    name: str
    versions: tuple[str, str]


def cli_command(*args: str) -> list[str]:
    """`jupyter-mlops ARGS` from this checkout (PYTHONPATH points at it, as scripts/run-tests.sh sets)."""
    return [sys.executable, "-m", "jupyter_mlops.cli", *args]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


@pytest.fixture(scope="session")
def registered_iris(mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory) -> RegisteredIris:
    """Two real notebook runs registered as versions 1 and 2 of one model; @champion on version 1."""
    folder = tmp_path_factory.mktemp("serving-notebook")
    notebook = folder / "iris_small.ipynb"
    shutil.copy(IRIS_NOTEBOOK, notebook)
    env = {"JUPYTER_MLOPS_OUTPUT_DIR": str(folder / "executed")}
    for strength in ("1.0", "0.01"):
        completed = run_cli(
            "run", str(notebook), "-p", "C", strength, "--register", MODEL_NAME,
            "--tracking-uri", mlflow_server.uri, env=env,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stdout + completed.stderr
    client = MlflowClient(mlflow_server.uri)
    versions = sorted(version.version for version in client.search_model_versions(f"name='{MODEL_NAME}'"))
    assert versions == ["1", "2"]
    client.set_registered_model_alias(MODEL_NAME, "champion", "1")
    return RegisteredIris(mlflow_server.uri, MODEL_NAME, ("1", "2"))


@pytest.fixture(scope="session")
def iris_rows() -> np.ndarray:
    """All 150 iris rows: the two versions disagree on some of them."""
    features, _ = load_iris(return_X_y=True)
    return features


@dataclass
class ServeProcess:
    """`jupyter-mlops serve ...` running in the background, its output in a file."""

    process: subprocess.Popen[str]
    output_path: Path
    port: int

    def output(self) -> str:
        return self.output_path.read_text()

    def wait_for_line(self, text: str, timeout: float = START_TIMEOUT_SECONDS) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return self.output()
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.2)
        raise AssertionError(f"no {text!r} from serve within {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[Any]:
    """Start `jupyter-mlops serve ARGS --port P`; waits for its 'serving' line; stopped after the test."""
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        port = free_port()
        output_path = tmp_path / f"serve-{port}.out"
        with output_path.open("w") as output:
            process = subprocess.Popen(
                cli_command("serve", *args, "--port", str(port)),
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        server = ServeProcess(process, output_path, port)
        started.append(server)
        server.wait_for_line("serving ")
        return server

    yield start
    for server in started:
        server.stop()


def v2_request(rows: np.ndarray) -> dict[str, Any]:
    """An Open Inference Protocol request: one FP64 tensor, decoded by MLServer as a numpy array."""
    return {
        "inputs": [
            {"name": "input-0", "shape": list(rows.shape), "datatype": "FP64", "data": rows.ravel().tolist()}
        ],
        "parameters": {"content_type": "np"},
    }


class JsonClient:
    """POST JSON over one keep-alive HTTP connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = json.dumps(document).encode()
        self.connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = self.connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def close(self) -> None:
        self.connection.close()


def v2_predictions(answer: dict[str, Any]) -> list[int]:
    """The predicted labels of a V2 inference response (one output tensor)."""
    (output,) = answer["outputs"]
    return [int(value) for value in output["data"]]
