"""Registering under a name: only a model whose name differs in letter case conflicts. `_` and `%` are
ordinary characters of a name (MLflow's ILIKE would read them as wildcards). Against real MLflow stores."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient
from tornado.httpclient import HTTPClientError

from jupyter_mlops.core import registry
from jupyter_mlops.core.errors import Conflict
from tests.server.seed import SeededExperiment

pytestmark = pytest.mark.slow


async def register(jp_fetch: Any, run_id: str, name: str) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"run_id": run_id, "name": name})
    try:
        response = await jp_fetch("jupyter-mlops", "register", method="POST", body=body)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def test_wildcard_characters_are_no_conflict(
    jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any
) -> None:
    marker = uuid.uuid4().hex[:8]
    client = MlflowClient(mlflow_server.uri)
    client.create_registered_model(f"iris-model-{marker}")
    client.create_registered_model(f"{marker}-other")

    status, answer = await register(jp_fetch, seeded.model_run_id, f"iris_model-{marker}")
    assert (status, answer["created_registered_model"]) == (200, True)
    status, answer = await register(jp_fetch, seeded.model_run_id, f"{marker}%")
    assert (status, answer["created_registered_model"]) == (200, True)
    assert client.get_registered_model(f"{marker}%").name == f"{marker}%"

    status, answer = await register(jp_fetch, seeded.model_run_id, f"IRIS_model-{marker}")
    assert (status, answer["code"]) == (409, "conflict")
    assert answer["message"].startswith(
        f"A registered model named 'iris_model-{marker}' already exists; 'IRIS_model-{marker}' differs only "
        "in letter case."
    )


def test_a_case_variant_on_a_later_page_still_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    marker = "abc" + uuid.uuid4().hex[:6]
    upper = marker.upper()
    for index in range(5):  # match the ILIKE pattern `n<MARKER>%` and sort before the variant
        client.create_registered_model(f"n{upper}-{index}")
    client.create_registered_model(f"n{marker}%")
    monkeypatch.setattr(registry, "NAME_SEARCH_PAGE", 2)
    with pytest.raises(Conflict) as caught:
        registry._check_name_conflict(client, f"n{upper}%")
    assert caught.value.message.startswith(f"A registered model named 'n{marker}%' already exists")
    assert registry._check_name_conflict(client, f"n{marker}%") is True
    assert registry._check_name_conflict(client, f"n{marker}_") is False
