"""A real MLflow server with the basic-auth app, and a model at @production to guard (tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.mlflow_server import MlflowServer

ADMIN = ("admin", "admin-password-1234")


def start_basic_auth_server(root: Path) -> MlflowServer:
    """Start `mlflow server --app-name basic-auth` (default READ, admin ADMIN); config and DB in `root`."""
    config = root / "basic_auth.ini"
    config.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{root / 'basic_auth.db'}\n"
        f"admin_username = {ADMIN[0]}\n"
        f"admin_password = {ADMIN[1]}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    return MlflowServer(
        root=root,
        extra_args=["--app-name", "basic-auth"],
        extra_env={"MLFLOW_AUTH_CONFIG_PATH": str(config), "MLFLOW_FLASK_SERVER_SECRET_KEY": "test-only-key"},
    ).start()


@contextmanager
def signed_in_as(user: tuple[str, str]) -> Iterator[None]:
    """Within the block, MlflowClient signs in as `user` (name, password)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_USERNAME", user[0])
        patch.setenv("MLFLOW_TRACKING_PASSWORD", user[1])
        yield


def seed_guarded_model(uri: str, model: str, versions: int) -> None:
    """As ADMIN, register `model` with `versions` versions of one run's model, version 1 at @production."""
    from mlflow import MlflowClient

    with signed_in_as(ADMIN):
        client = MlflowClient(uri)
        client.create_registered_model(model)
        run = client.create_run(client.create_experiment("guarded"))
        client.log_text(run.info.run_id, "artifact", "model/MLmodel")
        for _ in range(versions):
            client.create_model_version(model, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
        client.set_registered_model_alias(model, "production", "1")
