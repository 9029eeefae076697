"""`jupyter-mlops serve` against a real MLflow server, real MLServer and real `mlflow models serve`."""

from __future__ import annotations

import http.client
import json
import threading
import time

import mlflow.pyfunc
import numpy as np
import pytest
from mlflow import MlflowClient

from tests.serving.conftest import JsonClient, RegisteredIris, needs_mlserver, v2_predictions, v2_request

pytestmark = pytest.mark.slow
SWITCH_TIMEOUT_SECONDS = 240.0


def pyfunc_predictions(registered: RegisteredIris, version: str, rows: np.ndarray) -> list[int]:
    """What MLflow's own loader predicts for these rows (the reference the servers must match)."""
    mlflow.set_tracking_uri(registered.tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/{registered.name}/{version}")
    return [int(value) for value in np.asarray(model.predict(rows)).ravel()]


def served_versions(port: int) -> list[str]:
    """The registry versions MLServer's model metadata names (`GET /v2/models/NAME`)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/v2/models/iris-serving")
    metadata = json.loads(connection.getresponse().read())
    connection.close()
    return list(metadata["versions"])


@needs_mlserver
def test_mlserver_serves_the_alias_version_over_v2(
    registered_iris: RegisteredIris, iris_rows: np.ndarray, start_serve
) -> None:
    server = start_serve(
        f"models:/{registered_iris.name}@champion", "--tracking-uri", registered_iris.tracking_uri
    )
    assert f"serving {registered_iris.name} version 1 with MLServer" in server.output()
    client = JsonClient(server.port)
    status, answer = client.post("/v2/models/iris-serving/infer", v2_request(iris_rows))
    client.close()
    assert status == 200, answer
    assert answer["model_name"] == "iris-serving"
    assert served_versions(server.port) == ["1"]
    assert v2_predictions(answer) == pyfunc_predictions(registered_iris, "1", iris_rows)
    assert server.stop() == 0
    assert "stopping the server" in server.output()


@needs_mlserver
def test_follow_moves_to_the_new_version_without_failed_requests(
    registered_iris: RegisteredIris, iris_rows: np.ndarray, start_serve
) -> None:
    expected = {version: pyfunc_predictions(registered_iris, version, iris_rows) for version in ("1", "2")}
    assert expected["1"] != expected["2"], "the two versions must disagree for this test to show anything"
    registry = MlflowClient(registered_iris.tracking_uri)
    registry.set_registered_model_alias(registered_iris.name, "champion", "1")
    server = start_serve(
        f"models:/{registered_iris.name}@champion",
        "--follow",
        "--poll-interval",
        "0.5",
        "--tracking-uri",
        registered_iris.tracking_uri,
    )
    answers: list[tuple[int, dict]] = []
    stop = threading.Event()

    def keep_asking() -> None:
        client = JsonClient(server.port)
        while not stop.is_set():
            try:
                answers.append(client.post("/v2/models/iris-serving/infer", v2_request(iris_rows)))
            except (OSError, http.client.HTTPException) as error:  # a dropped connection is a failed request
                answers.append((0, {"error": repr(error)}))
                client.close()
                client = JsonClient(server.port)
        client.close()

    def wait_for_answers(count: int) -> None:
        deadline = time.monotonic() + SWITCH_TIMEOUT_SECONDS
        while len(answers) < count:
            assert asker.is_alive() and time.monotonic() < deadline, "the client stopped getting answers"
            time.sleep(0.05)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        wait_for_answers(1)
        registry.set_registered_model_alias(registered_iris.name, "champion", "2")
        server.wait_for_line("moved to version 2", timeout=SWITCH_TIMEOUT_SECONDS)
        wait_for_answers(len(answers) + 3)  # answers after the switch
    finally:
        stop.set()
        asker.join()
        registry.set_registered_model_alias(registered_iris.name, "champion", "1")
    failed = [answer for status, answer in answers if status != 200]
    assert failed == []
    by_version = {tuple(predictions): version for version, predictions in expected.items()}
    versions = [by_version.get(tuple(v2_predictions(answer))) for _, answer in answers]
    assert None not in versions, "every answer is what pyfunc predicts for version 1 or version 2"
    assert versions[0] == "1" and versions[-1] == "2"
    assert versions == sorted(versions), "once version 2 answers, version 1 never answers again"
    assert served_versions(server.port) == ["2"]


def test_mlflow_engine_gives_the_same_predictions(
    registered_iris: RegisteredIris, iris_rows: np.ndarray, start_serve
) -> None:
    server = start_serve(
        f"models:/{registered_iris.name}/2",
        "--engine",
        "mlflow",
        "--tracking-uri",
        registered_iris.tracking_uri,
    )
    assert "with mlflow models serve" in server.output()
    client = JsonClient(server.port)
    status, answer = client.post("/invocations", {"inputs": iris_rows.tolist()})
    client.close()
    assert status == 200, answer
    assert [int(value) for value in answer["predictions"]] == pyfunc_predictions(
        registered_iris, "2", iris_rows
    )
