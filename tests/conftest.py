"""Fixtures shared by every suite: a real MLflow server on loopback, isolated tracking settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mlflow_server import MlflowServer
from tests.support.postgres import PostgresCluster


@pytest.fixture(autouse=True)
def isolate_mlflow_process_state() -> Iterator[None]:
    """Undo what in-process pipeline runs leave behind: env vars, MLflow's active run/experiment/URIs.

    Code under test (e.g. `pipeline.run()` called in-process) may set `os.environ` or MLflow's fluent
    globals; without this, one test's experiment would leak into the next test's `start_run`.
    """
    saved_environment = dict(os.environ)
    yield
    import mlflow
    import mlflow.tracking._model_registry.utils as registry_utils
    import mlflow.tracking._tracking_service.utils as tracking_utils
    import mlflow.tracking.fluent as fluent

    while mlflow.active_run() is not None:
        mlflow.end_run()
    fluent._active_experiment_id = None
    tracking_utils._tracking_uri = None
    registry_utils._registry_uri = None
    os.environ.clear()
    os.environ.update(saved_environment)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """One real `mlflow server` (SQLite store, served artifacts) for the whole test session."""
    server = MlflowServer(root=tmp_path_factory.mktemp("mlflow-server")).start()
    yield server
    server.stop()


@pytest.fixture
def tracking_uri(mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point MLflow clients in this test (and child processes) at the session's real server."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return mlflow_server.uri


@pytest.fixture
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An embedded SQLite store in a temporary folder (the project's default when no server is set)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return uri


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL server (Debian's binaries, run as `nobody` under root) for the session."""
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def mlflow_server_postgres(
    postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """A real `mlflow server` whose backend store is the session's PostgreSQL database (one worker: no
    delayed-ACK stall, docs/retraining.md)."""
    server = MlflowServer(
        root=tmp_path_factory.mktemp("mlflow-server-postgres"), backend_store_uri=postgres_cluster.uri
    ).start()
    yield server
    server.stop()
