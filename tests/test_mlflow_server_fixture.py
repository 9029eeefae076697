"""The shared MLflow server fixture really serves tracking and the registry."""

from __future__ import annotations

from mlflow.tracking import MlflowClient


def test_server_tracks_runs_and_registers_models(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = client.create_experiment("fixture-smoke")
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "alpha", "0.5")
    client.set_terminated(run.info.run_id)
    assert client.get_run(run.info.run_id).data.params == {"alpha": "0.5"}
    client.create_registered_model("fixture-smoke-model")
    assert client.get_registered_model("fixture-smoke-model").name == "fixture-smoke-model"
