"""environments.yaml: what is accepted, and one clear line for what is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_mlops.environments.config import Environment, load_environments, resolve_environment
from jupyter_mlops.environments.credentials import credentials_of, current_credentials, signed_in
from jupyter_mlops.retraining.errors import BadInputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(text)
    return path


def test_modes_default_from_what_is_given(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  staging: {}\n  prod: {tracking_uri: 'http://prod:5000'}\n")

    environments = load_environments(path)

    assert environments["staging"].mode == "alias" and environments["staging"].alias_to_set == "staging"
    assert environments["prod"] == Environment("prod", "copy", "http://prod:5000")
    assert environments["prod"].alias_to_set is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environments:\n  prod: {url: x}\n", "environment 'prod' has unknown keys url"),
        ("environments:\n  s: {mode: alias, tracking_uri: 'http://x'}\n", "drop tracking_uri"),
        ("environments:\n  s: {mode: move}\n", "mode must be one of alias, copy"),
        ("environments: [a, b]\n", "expected a mapping"),
        ("environments: {a: [\n", "not readable YAML"),
    ],
)
def test_bad_configuration_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message) as caught:
        load_environments(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_a_registry_uri_is_a_copy_target() -> None:
    environment = resolve_environment("https://mlflow.example.com", {})
    assert environment.mode == "copy" and environment.tracking_uri == "https://mlflow.example.com"


def test_credentials_come_from_the_named_variables_and_are_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "me")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "mine")
    monkeypatch.setenv("PROD_USER", "deployer")
    monkeypatch.setenv("PROD_PASSWORD", "secret")
    prod = Environment("prod", "copy", "http://prod", username_env="PROD_USER", password_env="PROD_PASSWORD")
    own = current_credentials()

    with signed_in(credentials_of(prod, own)):
        assert os.environ["MLFLOW_TRACKING_USERNAME"] == "deployer"
        assert os.environ["MLFLOW_TRACKING_PASSWORD"] == "secret"

    assert os.environ["MLFLOW_TRACKING_USERNAME"] == "me" and os.environ["MLFLOW_TRACKING_PASSWORD"] == "mine"
    assert credentials_of(Environment("staging", "alias"), own) == own


def test_a_missing_credential_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROD_TOKEN", raising=False)
    prod = Environment("prod", "copy", "http://prod", token_env="PROD_TOKEN")
    with pytest.raises(BadInputError, match=r"variable PROD_TOKEN .* is not set"):
        credentials_of(prod, {})
