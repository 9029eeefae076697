"""`serve --export` files validate (MLServer's models, Seldon's CRD schema); bad input is one line."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from mlflow import MlflowClient

from jupyter_mlops.serving.engines import MLSERVER_VARIABLE
from tests.serving.conftest import MLSERVER, RegisteredIris, needs_mlserver, run_cli
from tests.support.mlflow_server import free_port

pytestmark = pytest.mark.slow
DATA = Path(__file__).parent / "data"
SELDON_SCHEMA = json.loads((DATA / "seldon-model.schema.json").read_text())


def mlserver_problems(folder: Path) -> list[str]:
    """What MLServer's own pydantic models find wrong with the exported settings (run in its venv)."""
    assert MLSERVER is not None
    completed = subprocess.run(
        [
            str(MLSERVER.with_name("python")),
            str(DATA / "validate_mlserver_settings.py"),
            str(folder / "model-settings.json"),
            str(folder / "settings.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def export(registered: RegisteredIris, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "serve", "--export", str(folder), f"models:/{registered.name}@champion",
        "--tracking-uri", registered.tracking_uri, *extra,
    )  # fmt: skip


@needs_mlserver
def test_export_writes_files_that_validate(registered_iris: RegisteredIris, tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    completed = export(registered_iris, folder)
    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in folder.iterdir()) == [
        "model-settings.json",
        "seldon-model.yaml",
        "settings.json",
    ]
    assert mlserver_problems(folder) == []
    manifest = yaml.safe_load((folder / "seldon-model.yaml").read_text())
    jsonschema.validate(manifest, SELDON_SCHEMA)
    storage_uri = MlflowClient(registered_iris.tracking_uri).get_model_version_download_uri(
        registered_iris.name, "1"
    )
    assert manifest["spec"] == {"storageUri": storage_uri, "requirements": ["mlflow"]}
    assert manifest["metadata"]["name"] == "iris-serving"
    settings = json.loads((folder / "model-settings.json").read_text())
    assert settings["parameters"] == {"uri": storage_uri}
    assert settings["versions"] == ["1"]
    assert settings["implementation"] == "mlserver_mlflow.MLflowRuntime"


@needs_mlserver
def test_the_validators_reject_broken_files(registered_iris: RegisteredIris, tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    assert export(registered_iris, folder).returncode == 0
    manifest = yaml.safe_load((folder / "seldon-model.yaml").read_text())
    del manifest["spec"]["storageUri"]
    with pytest.raises(jsonschema.ValidationError, match="storageUri"):
        jsonschema.validate(manifest, SELDON_SCHEMA)
    settings = json.loads((folder / "model-settings.json").read_text())
    settings["implementation"] = "no_such_runtime.Runtime"
    settings["parameters"]["url"] = settings["parameters"].pop("uri")
    (folder / "model-settings.json").write_text(json.dumps(settings))
    problems = mlserver_problems(folder)
    assert "parameters: unknown key 'url'" in problems
    assert any("no_such_runtime" in problem for problem in problems)


@needs_mlserver
def test_export_never_overwrites_other_content_without_force(
    registered_iris: RegisteredIris, tmp_path: Path
) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "settings.json").write_text("{}\n")
    completed = export(registered_iris, folder)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"jupyter-mlops: {folder / 'settings.json'} already exist with other content (use --force to replace)"
    )
    assert sorted(path.name for path in folder.iterdir()) == ["settings.json"]
    assert (folder / "settings.json").read_text() == "{}\n"
    assert export(registered_iris, folder, "--force").returncode == 0
    assert mlserver_problems(folder) == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("iris_serving", "expected models:/NAME@ALIAS or models:/NAME/VERSION, got 'iris_serving'"),
        ("models:/no_such_model@champion", "no registered model named 'no_such_model' in {store}"),
        ("models:/iris_serving@nobody", "model 'iris_serving' has no alias 'nobody'"),
        ("models:/iris_serving/99", "model 'iris_serving' has no version 99"),
    ],
)
def test_unknown_model_alias_or_version_is_one_line_exit_2(
    registered_iris: RegisteredIris, tmp_path: Path, uri: str, message: str
) -> None:
    for args in (["--export", str(tmp_path / "deploy")], []):
        completed = run_cli("serve", uri, "--tracking-uri", registered_iris.tracking_uri, *args)
        assert completed.returncode == 2
        assert completed.stderr.strip() == "jupyter-mlops: " + message.format(
            store=registered_iris.tracking_uri
        )
    assert not (tmp_path / "deploy").exists()


def test_port_in_use_is_exit_4(registered_iris: RegisteredIris) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        completed = run_cli(
            "serve", f"models:/{registered_iris.name}@champion", "--port", str(port),
            "--tracking-uri", registered_iris.tracking_uri,
        )  # fmt: skip
    assert completed.returncode == 4
    assert (
        completed.stderr.strip()
        == f"jupyter-mlops: port {port} on 127.0.0.1 is in use; pick another with --port"
    )


def test_missing_mlserver_says_what_to_install(registered_iris: RegisteredIris, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "mlserver"
    completed = run_cli(
        "serve", f"models:/{registered_iris.name}@champion", "--tracking-uri", registered_iris.tracking_uri,
        env={MLSERVER_VARIABLE: str(missing)},
    )  # fmt: skip
    assert completed.returncode == 5
    assert completed.stderr.strip() == (
        f"jupyter-mlops: {MLSERVER_VARIABLE}={missing} is not an executable `mlserver`"
    )


def test_follow_needs_mlserver_and_an_alias(registered_iris: RegisteredIris) -> None:
    uri = registered_iris.tracking_uri
    by_engine = run_cli(
        "serve", "models:/iris_serving@champion", "--follow", "--engine", "mlflow", "--tracking-uri", uri
    )
    assert by_engine.returncode == 2
    assert by_engine.stderr.strip() == (
        "jupyter-mlops: --follow needs --engine mlserver (mlflow models serve cannot reload a model)"
    )
    by_version = run_cli("serve", "models:/iris_serving/1", "--follow", "--tracking-uri", uri)
    assert by_version.returncode == 2
    assert by_version.stderr.strip() == "jupyter-mlops: --follow needs an alias: models:/NAME@ALIAS"


def test_mlserver_not_installed_anywhere_names_the_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jupyter_mlops.serving import engines
    from jupyter_mlops.serving.errors import EngineMissingError

    monkeypatch.delenv(MLSERVER_VARIABLE, raising=False)
    monkeypatch.setattr(engines, "DEFAULT_MLSERVER", tmp_path / ".venv-mlserver" / "bin" / "mlserver")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineMissingError) as raised:
        engines.mlserver_executable()
    assert str(raised.value) == (
        "MLServer is not installed: run `make engines` in the jupyter-mlops checkout, or "
        "`python3 -m venv .venv-mlserver && .venv-mlserver/bin/pip install mlserver==1.7.1 "
        "mlserver-mlflow==1.7.1 'uvloop<0.22'` and set JUPYTER_MLOPS_MLSERVER to its bin/mlserver"
    )
    assert raised.value.exit_code == 5


def test_unreachable_registry_is_exit_3(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    quick = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
    for args in (["--export", str(tmp_path / "deploy")], []):
        completed = run_cli(
            "serve", "models:/iris_serving@champion", "--tracking-uri", dead, *args, env=quick
        )
        assert completed.returncode == 3, completed.stderr
        assert completed.stderr.strip() == f"jupyter-mlops: the MLflow registry at {dead} does not answer"
    assert not (tmp_path / "deploy").exists()
