"""Jupyter's authorizer decides who may use the panel: a real jupyter_server configured with a custom
`ServerApp.authorizer_class`, against the session's real MLflow server. A read-only user lists and reads
everything but gets 403 for every write endpoint, and nothing changes in MLflow."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from tornado.httpclient import HTTPClientError

from jupyter_mlops.core.contract import ENDPOINTS
from jupyter_mlops.core.registry import JUPYTER_READ_ONLY_REASON
from jupyter_mlops.server.handlers import READ_REFUSED, WRITE_REFUSED
from tests.server.authorizers import NoMLOpsAuthorizer, ReadOnlyAuthorizer
from tests.server.seed import SeededExperiment

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Guarded:
    """What the requests act on: a notebook with no experiment yet, a model with version 1 aliased
    `staging`, and a model name nobody registered."""

    notebook: str
    model: str
    unregistered: str


@pytest.fixture
def guarded(jp_root_dir: Path, seeded: SeededExperiment, mlflow_server: Any) -> Guarded:
    import nbformat

    marker = uuid.uuid4().hex[:8]
    folder = jp_root_dir / f"authz-{marker}"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), str(folder / "train.ipynb"))
    client = MlflowClient(mlflow_server.uri)
    model = f"authz-model-{marker}"
    client.create_registered_model(model)
    client.create_model_version(
        model, f"models:/{seeded.model_id}", run_id=seeded.model_run_id, model_id=seeded.model_id
    )
    client.set_registered_model_alias(model, "staging", "1")
    return Guarded(f"authz-{marker}/train.ipynb", model, f"authz-unregistered-{marker}")


def requests_for(seeded: SeededExperiment, target: Guarded) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """One request per contract endpoint: name → (method, path, params or body)."""
    run_id = seeded.model_run_id
    return {
        "getConfig": ("GET", "config", {}),
        "listExperiments": ("GET", "experiments", {}),
        "getNotebookExperiment": ("GET", "experiment", {"notebook": target.notebook}),
        "createNotebookExperiment": ("POST", "experiment", {"notebook": target.notebook}),
        "listRuns": ("GET", "runs", {"experiment_id": seeded.experiment_id}),
        "getRun": ("GET", f"runs/{run_id}", {}),
        "getMetricHistory": ("GET", f"runs/{run_id}/metric-history", {"key": "accuracy"}),
        "listArtifacts": ("GET", f"runs/{run_id}/artifacts", {}),
        "getDriftReport": ("GET", f"runs/{run_id}/drift-report", {}),
        "compareRuns": ("GET", "compare", {"run_ids": ",".join(seeded.run_ids[:2])}),
        "listRegisteredModels": ("GET", "registered-models", {}),
        "listModelVersions": ("GET", "registered-models/versions", {"name": target.model}),
        "registerModel": ("POST", "register", {"run_id": run_id, "name": target.unregistered}),
        "setAlias": ("POST", "aliases", {"name": target.model, "alias": "production", "version": "1"}),
        "deleteAlias": ("DELETE", "aliases", {"name": target.model, "alias": "staging"}),
        "getPermissions": ("GET", "permissions", {"name": target.model}),
        "getModelSignature": ("GET", "models/signature", {"model_id": seeded.model_id}),
        "convertNotebook": ("POST", "convert", {"notebook": target.notebook}),
        "startTestJob": ("POST", "convert/tests", {"output": "authz_prod"}),
        "getTestJob": ("GET", "convert/tests", {"job_id": "no-such-job"}),
        "planPipeline": ("POST", "convert/plan", {"notebook": target.notebook, "cells": []}),
        "getScheduleOptions": ("GET", "schedules/options", {"notebook": target.notebook}),
        "previewCron": ("GET", "schedules/preview", {"cron": "0 3 * * 1"}),
        "createSchedule": ("POST", "schedules", {"notebook": target.notebook}),
        "listSchedules": ("GET", "schedules", {}),
        "getFleet": ("GET", "fleet", {"experiment": seeded.experiment_name, "group_by": "alpha"}),
    }


READING_POSTS = {"planPipeline"}  # a POST only because the editor's cells travel in the body


def reads(name: str, method: str) -> bool:
    """Whether the endpoint only reads (Jupyter's `read` action on `mlops`)."""
    return method == "GET" or name in READING_POSTS


async def call(jp_fetch: Any, method: str, path: str, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Send one request; its status and JSON body (errors included)."""
    kwargs: dict[str, Any] = {"method": method}
    if method == "POST":
        kwargs["body"] = json.dumps(values)
    else:
        kwargs["params"] = values
    try:
        response = await jp_fetch("jupyter-mlops", *path.split("/"), **kwargs)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


def assert_nothing_changed(mlflow_uri: str, target: Guarded) -> None:
    client = MlflowClient(mlflow_uri)
    assert client.get_experiment_by_name(target.notebook) is None
    assert client.get_registered_model(target.model).aliases == {"staging": "1"}
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(target.unregistered)
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


@pytest.fixture
def read_only(store_target: Any) -> None:
    """Configure the next server with ReadOnlyAuthorizer (request before jp_fetch)."""
    store_target.server_settings["ServerApp"] = {"authorizer_class": ReadOnlyAuthorizer}


@pytest.fixture
def no_mlops(store_target: Any) -> None:
    """Configure the next server with NoMLOpsAuthorizer (request before jp_fetch)."""
    store_target.server_settings["ServerApp"] = {"authorizer_class": NoMLOpsAuthorizer}


async def test_read_only_user_reads_everything_and_changes_nothing(
    read_only: None, jp_fetch: Any, seeded: SeededExperiment, guarded: Guarded, mlflow_server: Any
) -> None:
    requests = requests_for(seeded, guarded)
    assert set(requests) == {endpoint.name for endpoint in ENDPOINTS}
    answers = {name: await call(jp_fetch, *request) for name, request in requests.items()}
    allowed = {name: status for name, (status, _) in answers.items() if reads(name, requests[name][0])}
    assert allowed == {**dict.fromkeys(allowed, 200), "getTestJob": 404, "getDriftReport": 404}
    # allowed; the job id is unknown and the run logged no drift report
    writes = {name: answer for name, answer in answers.items() if not reads(name, requests[name][0])}
    assert set(writes) == {
        "createNotebookExperiment",
        "registerModel",
        "setAlias",
        "deleteAlias",
        "convertNotebook",
        "startTestJob",
        "createSchedule",
    }
    for status, body in writes.values():
        assert (status, body["code"], body["message"]) == (403, "permission_denied", WRITE_REFUSED)
    assert_nothing_changed(mlflow_server.uri, guarded)
    runs = answers["listRuns"][1]["runs"]
    assert seeded.model_run_id in {run["run_id"] for run in runs}
    permissions = answers["getPermissions"][1]
    assert (permissions["can_register"], permissions["can_set_alias"], permissions["can_delete_alias"]) == (
        False,
        False,
        False,
    )
    assert permissions["reason"] == JUPYTER_READ_ONLY_REASON


async def test_user_without_the_mlops_resource_gets_403_everywhere(
    no_mlops: None, jp_fetch: Any, seeded: SeededExperiment, guarded: Guarded, mlflow_server: Any
) -> None:
    for name, (method, path, values) in requests_for(seeded, guarded).items():
        status, body = await call(jp_fetch, method, path, values)
        expected = READ_REFUSED if reads(name, method) else WRITE_REFUSED
        assert (status, body["code"], body["message"]) == (403, "permission_denied", expected), path
    assert_nothing_changed(mlflow_server.uri, guarded)
    contents = await jp_fetch("api", "contents", method="GET")
    assert contents.code == 200  # the rest of Jupyter is untouched


async def test_default_authorizer_lets_the_user_write(
    jp_fetch: Any, seeded: SeededExperiment, guarded: Guarded
) -> None:
    request = requests_for(seeded, guarded)["setAlias"]
    status, body = await call(jp_fetch, *request)
    assert (status, body["aliases"]) == (200, {"staging": "1", "production": "1"})
    permissions = (await call(jp_fetch, *requests_for(seeded, guarded)["getPermissions"]))[1]
    assert permissions["can_set_alias"] is True and permissions["reason"] is None
