"""Fixtures for the server-extension tests: a real jupyter_server (pytest-jupyter) with jupyter_mlops enabled,
pointed at the session's real MLflow server, and a seeded experiment."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# pytest-jupyter's server fixtures, scoped to this folder only (not the whole suite).
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config

from tests.server.seed import SeededExperiment, seed_experiment
from tests.support.mlflow_server import MlflowServer

SERVER_ENV = (
    "JUPYTER_MLOPS_TRACKING_URI",
    "JUPYTER_MLOPS_REGISTRY_URI",
    "JUPYTER_MLOPS_ROOT_DIR",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
)


@pytest.fixture(autouse=True)
def restore_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without these variables (the extension sets MLflow's HTTP policy in os.environ
    when unset; kernels get the store through their own environment)."""
    for name in (*SERVER_ENV, "MLFLOW_TRACKING_URI"):
        # setenv first: monkeypatch restores only what it recorded; delenv of an absent name records nothing
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded(mlflow_server: MlflowServer) -> SeededExperiment:
    """One experiment on the session's MLflow server with runs, a long metric history and a logged model."""
    return seed_experiment(mlflow_server.uri, f"tests/panel-{uuid.uuid4().hex[:8]}.ipynb")


@dataclass
class StoreTarget:
    """Which store (and server settings) the next jp_serverapp is configured with."""

    tracking_uri: str
    server_settings: dict[str, dict[str, object]] = field(default_factory=dict)


@pytest.fixture
def store_target(mlflow_server: MlflowServer) -> StoreTarget:
    """The store the server extension uses in this test (override the uri to point elsewhere; empty leaves
    the extension's default: MLFLOW_TRACKING_URI, else the embedded SQLite store in the Jupyter root)."""
    return StoreTarget(mlflow_server.uri)


@pytest.fixture
def jp_server_config(store_target: StoreTarget) -> Config:
    """Enable jupyter_mlops with token auth and XSRF on (jupyter_server's defaults)."""
    extension: dict[str, object] = {"http_max_retries": 0}
    if store_target.tracking_uri:
        extension["tracking_uri"] = store_target.tracking_uri
    config = Config(
        {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}, "JupyterMLOps": extension}
    )
    for section, values in store_target.server_settings.items():
        config[section].update(values)
    return config


@pytest.fixture
def notebook_in_root(jp_root_dir: Path) -> Iterator[Path]:
    """A small notebook inside the Jupyter root (`analysis/train.ipynb`)."""
    import nbformat

    folder = jp_root_dir / "analysis"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(notebook, str(path))
    yield path
    if path.exists():
        os.remove(path)
