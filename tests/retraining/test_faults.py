"""The tracking server unreachable at start or gone mid-run: retries, then a clear failure, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.retraining.conftest import code_cell, iris_cells
from tests.support.mlflow_server import MlflowServer, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A server these tests may stop and start again (same port, same store)."""
    server = MlflowServer(root=tmp_path_factory.mktemp("mlflow-faults")).start()
    yield server
    server.stop()


def test_unreachable_at_start_fails_fast_naming_the_uri(cli, tmp_path: Path) -> None:
    from tests.retraining.conftest import IRIS_NOTEBOOK

    uri = f"http://127.0.0.1:{free_port()}"
    result = cli("run", IRIS_NOTEBOOK, "--tracking-uri", uri)
    assert result.exit_code == 3
    assert f"MLflow tracking server {uri} did not answer while trying to open experiment" in result.output
    assert "(3 attempts)" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "executed").exists(), "no kernel should start when the server is down"


def waiting_notebook(make_notebook: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    """The iris notebook with a train step that signals `started` and waits for `go`."""
    started, go = tmp_path / "started", tmp_path / "go"
    wait = (
        "import pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        f"while not pathlib.Path({str(go)!r}).exists():\n"
        "    time.sleep(0.1)"
    )
    return make_notebook("waits.ipynb", iris_cells(extra_train=wait)), started, go


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jupyter_mlops.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def start_waiting_run(
    make_notebook: Callable[..., Path],
    tmp_path: Path,
    server: MlflowServer,
    experiment: str,
    extra_args: list[str],
    retries: str,
    backoff: str,
) -> tuple[subprocess.Popen[str], Path, Path]:
    """Start `jupyter-mlops run` of the waiting notebook against `server`; (process, started, go)."""
    notebook, started, go = waiting_notebook(make_notebook, tmp_path)
    args = ["run", str(notebook), "--tracking-uri", server.uri, "--experiment", experiment, *extra_args]
    env = {"JUPYTER_MLOPS_TRACKING_RETRIES": retries, "JUPYTER_MLOPS_TRACKING_BACKOFF": backoff}
    return start_cli(args, env), started, go


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


def test_server_gone_mid_run_keeps_the_notebook_and_registers_nothing(
    own_server: MlflowServer, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    name = f"faults-{tmp_path.name}"
    register = ["--register", name, "--promote", "champion", "--metric", "accuracy"]
    process, started, go = start_waiting_run(
        make_notebook, tmp_path, own_server, name, register, retries="2", backoff="0.2"
    )
    try:
        wait_for(started, process)
        own_server.stop()
        go.touch()
        _, stderr = process.communicate(timeout=300)
    finally:
        own_server.start()
    assert process.returncode == 3, stderr
    assert f"MLflow tracking server {own_server.uri} did not answer" in stderr
    kept = stderr.split("the executed notebook is kept at ")[1].split()[0]
    assert Path(kept).exists() and Path(kept).parent == tmp_path / "executed"
    assert "Traceback" not in stderr
    assert MlflowClient(own_server.uri).search_registered_models(filter_string=f"name = '{name}'") == []


def test_server_back_within_the_retries_lets_the_run_finish(
    own_server: MlflowServer, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    name = f"faults-back-{tmp_path.name}"
    # backoff 1, 2, 4, 8, 16, 32 s: about a minute of patience, more than a server restart takes
    process, started, go = start_waiting_run(
        make_notebook, tmp_path, own_server, name, [], retries="6", backoff="1"
    )
    restarter = threading.Thread(target=own_server.start)
    try:
        wait_for(started, process)
        own_server.stop()
        go.touch()
        time.sleep(1.5)
        restarter.start()
        stdout, stderr = process.communicate(timeout=300)
    finally:
        restarter.join()
    assert process.returncode == 0, stderr
    assert "FINISHED" in stdout
    experiment = MlflowClient(own_server.uri).get_experiment_by_name(name)
    runs = MlflowClient(own_server.uri).search_runs([experiment.experiment_id])
    assert [run.info.status for run in runs] == ["FINISHED"]
    assert "accuracy" in runs[0].data.metrics


def test_capture_cell_is_skipped_when_nothing_to_capture(tmp_path: Path) -> None:
    from jupyter_mlops.retraining.notebook_exec import prepared_notebook
    from jupyter_mlops.retraining.target import load_target
    from tests.retraining.conftest import write_notebook

    path = write_notebook(tmp_path / "plain.ipynb", [code_cell("x = 1", "parameters"), code_cell("y = x")])
    prepared = prepared_notebook(load_target(path), tmp_path)  # type: ignore[arg-type]
    assert [cell.metadata.get("tags", []) for cell in prepared.cells] == [["parameters"], []]
