"""The shared failure classifier: exception types and MLflow error codes, not message text."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException

from jupyter_mlops.core.error_kinds import ErrorKind, classify, is_unreachable
from jupyter_mlops.core.errors import error_body
from tests.support.mlflow_server import free_port


def test_a_closed_port_is_unreachable_and_maps_to_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(MlflowException) as caught:
        MlflowClient(uri).search_experiments()
    assert classify(caught.value) is ErrorKind.UNREACHABLE
    body = error_body(caught.value, uri)
    assert (body.status, body.code) == (503, "store_unreachable")


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no run"}, ErrorKind.NOT_FOUND),
        ({"error_code": "RESOURCE_ALREADY_EXISTS", "message": "taken"}, ErrorKind.ALREADY_EXISTS),
        ({"error_code": "PERMISSION_DENIED", "message": "no"}, ErrorKind.PERMISSION_DENIED),
        ({"error_code": "INVALID_PARAMETER_VALUE", "message": "bad"}, ErrorKind.BAD_REQUEST),
        ({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}, ErrorKind.UNREACHABLE),
        ({"error_code": "503", "message": "from a proxy"}, ErrorKind.UNREACHABLE),
        ({"error_code": "INTERNAL_ERROR", "message": "Connection refused"}, ErrorKind.MLFLOW_ERROR),
    ],
)
def test_rest_answers_are_classified_by_error_code(payload: dict[str, str], kind: ErrorKind) -> None:
    assert classify(RestException(payload)) is kind


def test_message_text_alone_never_makes_an_error_unreachable() -> None:
    assert not is_unreachable(MlflowException("Max retries exceeded; Connection refused"))
    assert not is_unreachable(ValueError("Read timed out"))
    assert classify(KeyError("bug")) is ErrorKind.OTHER


def test_a_wrapped_connection_error_is_found_in_the_cause_chain() -> None:
    try:
        try:
            raise ConnectionRefusedError("refused")
        except ConnectionRefusedError as error:
            raise MlflowException("API request failed") from error
    except MlflowException as wrapped:
        assert is_unreachable(wrapped)
