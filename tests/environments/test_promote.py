"""`jupyter-mlops promote NAME VERSION --to ENV` between two real basic-auth MLflow servers (dev and prod)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mlflow import MlflowClient
from mlflow.server.auth.client import AuthServiceClient

from jupyter_mlops.cli import main
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.models import log_sklearn_model
from tests.support.basic_auth import ADMIN, signed_in_as, start_basic_auth_server
from tests.support.mlflow_server import MlflowServer

MODEL = "churn"
SCIENTIST = ("scientist", "scientist-password-1234")
DEPLOYER = ("deployer", "deployer-password-1234")
VIEWER = ("viewer", "viewer-password-1234")
ROWS = np.array([[0.1, 1.0], [2.0, -1.0], [-3.0, 0.5], [1.5, 1.5]])


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MlflowServer, MlflowServer]]:
    """dev: the scientist's model, version 1; prod: the model exists, deployer has EDIT, viewer READ."""
    from sklearn.linear_model import LogisticRegression

    dev = start_basic_auth_server(tmp_path_factory.mktemp("dev"))
    prod = start_basic_auth_server(tmp_path_factory.mktemp("prod"))
    try:
        with signed_in_as(ADMIN):
            AuthServiceClient(dev.uri).create_user(*SCIENTIST)
            auth = AuthServiceClient(prod.uri)
            auth.create_user(*DEPLOYER)
            auth.create_user(*VIEWER)
            MlflowClient(prod.uri).create_registered_model(MODEL)
            auth.grant_user_permission(DEPLOYER[0], "registered_model", MODEL, "EDIT")
        with signed_in_as(SCIENTIST):
            client = MlflowClient(dev.uri)
            run = client.create_run(client.create_experiment("churn-notebook"))
            model = LogisticRegression().fit(ROWS, [0, 1, 0, 1])
            uri = log_sklearn_model(model, run.info.run_id, TrackingSession(dev.uri))
            client.create_registered_model(MODEL)
            client.create_model_version(MODEL, uri, run_id=run.info.run_id, model_id=uri.split("/")[-1])
        yield dev, prod
    finally:
        dev.stop()
        prod.stop()


@pytest.fixture
def environments(
    servers: tuple[MlflowServer, MlflowServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """environments.yaml: staging = an alias in dev, prod = a copy into the prod server as PROD_USER."""
    dev, prod = servers
    config = tmp_path / "environments.yaml"
    config.write_text(
        "environments:\n"
        "  staging:\n"
        "    mode: alias\n"
        "  prod:\n"
        f"    tracking_uri: {prod.uri}\n"
        "    username_env: PROD_USER\n"
        "    password_env: PROD_PASSWORD\n"
        "    alias: champion\n"
    )
    monkeypatch.setenv("JUPYTER_MLOPS_ENVIRONMENTS", str(config))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", dev.uri)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", SCIENTIST[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", SCIENTIST[1])
    return config


def as_prod_user(monkeypatch: pytest.MonkeyPatch, user: tuple[str, str]) -> None:
    monkeypatch.setenv("PROD_USER", user[0])
    monkeypatch.setenv("PROD_PASSWORD", user[1])


def prod_versions(prod: MlflowServer) -> list[str]:
    with signed_in_as(ADMIN):
        return [v.version for v in MlflowClient(prod.uri).search_model_versions(f"name = '{MODEL}'")]


def test_a_user_without_edit_in_prod_is_refused_and_nothing_is_copied(
    servers: tuple[MlflowServer, MlflowServer], environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, prod = servers
    as_prod_user(monkeypatch, VIEWER)
    before = prod_versions(prod)

    result = CliRunner().invoke(main, ["promote", MODEL, "1", "--to", "prod"])

    assert result.exit_code == 4, result.output
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "'viewer'" in message and "READ" in message and "prod" in message
    assert VIEWER[1] not in result.output
    assert prod_versions(prod) == before


def test_deployer_copies_the_version_into_prod_with_its_origin(
    servers: tuple[MlflowServer, MlflowServer], environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev, prod = servers
    as_prod_user(monkeypatch, DEPLOYER)

    result = CliRunner().invoke(main, ["promote", MODEL, "1", "--to", "prod"])

    assert result.exit_code == 0, result.output
    assert f"promoted to prod: {MODEL} version" in result.output and "@champion" in result.output
    with signed_in_as(ADMIN):
        target = MlflowClient(prod.uri)
        copied = target.get_model_version_by_alias(MODEL, "champion")
        source = MlflowClient(dev.uri).get_model_version(MODEL, "1")
    tags = copied.tags
    assert tags["jupyter_mlops.promoted_from.registry"] == dev.uri
    assert tags["jupyter_mlops.promoted_from.name"] == MODEL
    assert tags["jupyter_mlops.promoted_from.version"] == "1"
    assert tags["jupyter_mlops.promoted_from.run_id"] == source.run_id
    assert tags["jupyter_mlops.promoted_by"] == DEPLOYER[0]
    assert source.tags["jupyter_mlops.environment.prod"] == f"{prod.uri} v{copied.version}"
    assert predictions(prod, f"models:/{MODEL}/{copied.version}") == predictions(dev, f"models:/{MODEL}/1")


def predictions(server: MlflowServer, uri: str) -> list[int]:
    """The model's predictions on ROWS, loaded from `server`'s registry as the admin."""
    import mlflow.pyfunc

    with signed_in_as(ADMIN), pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", server.uri)
        patch.setenv("MLFLOW_REGISTRY_URI", server.uri)
        return [int(value) for value in mlflow.pyfunc.load_model(uri).predict(ROWS)]


def test_staging_is_an_alias_in_the_same_registry(
    servers: tuple[MlflowServer, MlflowServer], environments: Path
) -> None:
    dev, _ = servers

    result = CliRunner().invoke(main, ["promote", MODEL, "1", "--to", "staging"])

    assert result.exit_code == 0, result.output
    with signed_in_as(ADMIN):
        client = MlflowClient(dev.uri)
        assert client.get_model_version_by_alias(MODEL, "staging").version == "1"
        assert client.get_model_version(MODEL, "1").tags["jupyter_mlops.environment.staging"] == "@staging"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["promote", MODEL, "1", "--to", "qa"], "unknown environment 'qa'; known: prod, staging"),
        (["promote", MODEL, "99", "--to", "staging"], "version 99 of 'churn' does not exist in"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    servers: tuple[MlflowServer, MlflowServer], environments: Path, arguments: list[str], expected: str
) -> None:
    result = CliRunner().invoke(main, arguments)

    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert expected in result.output
