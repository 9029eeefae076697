"""Against MLflow's basic-auth app: a user without EDIT cannot set an alias, without MANAGE cannot remove
one — the panel gets a clear 403, nothing changes, and GET permissions says so in advance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from mlflow import MlflowClient
from mlflow.server.auth.client import AuthServiceClient
from tornado.httpclient import HTTPClientError

from tests.support.basic_auth import ADMIN, seed_guarded_model, signed_in_as, start_basic_auth_server
from tests.support.mlflow_server import MlflowServer

pytestmark = pytest.mark.slow
VIEWER = ("viewer", "viewer-password-1234")
EDITOR = ("editor", "editor-password-1234")
MODEL = "guarded-model"


def act_as(monkeypatch: pytest.MonkeyPatch, user: tuple[str, str]) -> None:
    """MlflowClient (in the test and in the server's threads) signs in as `user`."""
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", user[1])


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real basic-auth MLflow server: a viewer (default READ), an editor with EDIT on the model."""
    server = start_basic_auth_server(tmp_path_factory.mktemp("mlflow-basic-auth"))
    with signed_in_as(ADMIN):
        auth = AuthServiceClient(server.uri)
        auth.create_user(*VIEWER)
        auth.create_user(*EDITOR)
        seed_guarded_model(server.uri, MODEL, versions=2)
        auth.grant_user_permission(EDITOR[0], "registered_model", MODEL, "EDIT")
    yield server
    server.stop()


@pytest.fixture
def on_auth_server(auth_server: MlflowServer, store_target: Any) -> MlflowServer:
    """Point the extension at the basic-auth server (request before jp_fetch)."""
    store_target.tracking_uri = auth_server.uri
    return auth_server


def aliases_as_admin(server: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    act_as(monkeypatch, ADMIN)
    return dict(MlflowClient(server.uri).get_registered_model(MODEL).aliases)


async def refusal(jp_fetch: Any, method: str, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mlops", "aliases", method=method, **kwargs)
    assert caught.value.code == 403
    return json.loads(caught.value.response.body)


async def test_viewer_cannot_set_an_alias_and_nothing_changes(
    on_auth_server: MlflowServer, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = aliases_as_admin(on_auth_server, monkeypatch)
    act_as(monkeypatch, VIEWER)
    advance = json.loads((await jp_fetch("jupyter-mlops", "permissions", params={"name": MODEL})).body)
    assert advance["auth_enabled"] is True
    assert advance["permission"] == "READ"
    assert (advance["can_set_alias"], advance["can_delete_alias"], advance["can_register"]) == (
        False,
        False,
        False,
    )
    assert advance["reason"] == (
        f"The MLflow user this server signs in as has READ on '{MODEL}'; registering a version or setting an "
        "alias needs EDIT, removing one MANAGE."
    )
    error = await refusal(
        jp_fetch, "POST", body=json.dumps({"name": MODEL, "alias": "production", "version": "2"})
    )
    assert error["code"] == "permission_denied"
    assert error["message"].startswith(
        "MLflow refused this action: the MLflow user this Jupyter server signs in as lacks the permission. "
        f"Ask an MLflow admin of {on_auth_server.uri} to grant it."
    )
    assert VIEWER[1] not in json.dumps(error)
    assert aliases_as_admin(on_auth_server, monkeypatch) == before == {"production": "1"}


async def test_editor_sets_but_cannot_remove_an_alias(
    on_auth_server: MlflowServer, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    act_as(monkeypatch, EDITOR)
    advance = json.loads((await jp_fetch("jupyter-mlops", "permissions", params={"name": MODEL})).body)
    assert (advance["permission"], advance["can_set_alias"], advance["can_delete_alias"]) == (
        "EDIT",
        True,
        False,
    )
    assert (
        advance["reason"]
        == f"The MLflow user this server signs in as has EDIT on '{MODEL}'; removing an alias needs MANAGE."
    )
    response = await jp_fetch(
        "jupyter-mlops",
        "aliases",
        method="POST",
        body=json.dumps({"name": MODEL, "alias": "staging", "version": "2"}),
    )
    assert json.loads(response.body)["aliases"] == {"production": "1", "staging": "2"}
    error = await refusal(jp_fetch, "DELETE", params={"name": MODEL, "alias": "production"})
    assert error["message"].startswith("MLflow refused this action")
    assert aliases_as_admin(on_auth_server, monkeypatch) == {"production": "1", "staging": "2"}
    act_as(monkeypatch, ADMIN)
    MlflowClient(on_auth_server.uri).delete_registered_model_alias(MODEL, "staging")
