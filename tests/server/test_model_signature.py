"""GET models/signature through a real jupyter_server against a real MLflow server: the columns and types a
model was logged with (by the project's own model logging), a model without one, and bad or unknown ids."""

from __future__ import annotations

from typing import Any

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.models import first_rows, log_sklearn_model
from tests.server.seed import SeededExperiment
from tests.server.test_endpoints import error_of, get_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def signed_model_id(seeded: SeededExperiment) -> str:
    """A model logged with a signature and input example from a DataFrame (float and int columns)."""
    import pandas
    from sklearn.linear_model import LinearRegression

    frame = pandas.DataFrame({"width": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0], "count": [1, 2, 3, 4, 5, 6]})
    model = LinearRegression().fit(frame, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    run = MlflowClient(seeded.tracking_uri).create_run(seeded.experiment_id, run_name="signed")
    session = TrackingSession(seeded.tracking_uri)
    uri = log_sklearn_model(model, run.info.run_id, session, input_example=first_rows(frame))
    return uri.removeprefix("models:/")


async def test_a_model_shows_its_columns_and_types(jp_fetch: Any, signed_model_id: str) -> None:
    answer = await get_json(jp_fetch, "models", "signature", model_id=signed_model_id)
    assert answer == {
        "model_id": signed_model_id,
        "has_signature": True,
        "inputs": [
            {"name": "width", "type": "double", "required": True},
            {"name": "count", "type": "long", "required": True},
        ],
        "outputs": [{"name": None, "type": "tensor float64 (-1,)", "required": True}],
        "params": [],
        "has_input_example": True,
    }


async def test_a_model_logged_without_a_signature_says_so(jp_fetch: Any, seeded: SeededExperiment) -> None:
    answer = await get_json(jp_fetch, "models", "signature", model_id=seeded.model_id)
    assert answer["has_signature"] is False and answer["inputs"] == [] and answer["outputs"] == []
    assert answer["has_input_example"] is False


async def test_bad_and_unknown_model_ids(jp_fetch: Any) -> None:
    error = await error_of(jp_fetch, "models", "signature", model_id="../etc")
    assert (error["status"], error["code"]) == (400, "bad_request")
    assert error["message"] == "model_id '../etc' is not a LoggedModel id (m-<hex>, as in models:/m-<hex>)."
    unknown = "m-0123456789abcdef0123456789abcdef"
    error = await error_of(jp_fetch, "models", "signature", model_id=unknown)
    assert (error["status"], error["code"]) == (404, "not_found")
    assert error["message"] == f"Model '{unknown}' does not exist in this MLflow store."
