"""Seed an MLflow store with what the panel shows: runs with params and metrics, a long metric history,
one run with a LoggedModel (MLflow 3) and one without. Batched: one log_batch per run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.entities import Metric, Param

HISTORY_POINTS = 3000
SPIKE_STEP = 1234


@dataclass(frozen=True)
class SeededExperiment:
    """Ids of what `seed_experiment` created."""

    tracking_uri: str
    experiment_id: str
    experiment_name: str
    run_ids: tuple[str, ...]
    model_run_id: str
    model_id: str
    no_model_run_id: str
    long_history_run_id: str


def log_sklearn_model(tracking_uri: str, run_id: str) -> str:
    """Log a tiny fitted LogisticRegression to an existing run as a LoggedModel; return its model id."""
    import mlflow
    import sklearn
    from sklearn.linear_model import LogisticRegression

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tracking_uri)
    try:
        model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
        with mlflow.start_run(run_id=run_id):
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
            )
    finally:
        mlflow.set_tracking_uri(previous)
    return str(info.model_id)


def seed_experiment(tracking_uri: str, experiment_name: str) -> SeededExperiment:
    """Create the experiment with four runs: three small ones (one with a model) and one long history."""
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(experiment_name)
    now = int(time.time() * 1000)
    run_ids = []
    for index, (alpha, accuracy) in enumerate([(0.1, 0.81), (0.5, 0.93), (0.9, 0.87)]):
        run = client.create_run(experiment_id, run_name=f"run-{index}", start_time=now + index)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("accuracy", accuracy, now, 0), Metric("loss", 1 - accuracy, now, 0)],
            params=[Param("alpha", str(alpha)), Param("solver", "lbfgs")],
        )
        client.set_terminated(run.info.run_id, "FINISHED", end_time=now + 1000 + index)
        run_ids.append(run.info.run_id)
    long_run = client.create_run(experiment_id, run_name="long", start_time=now + 10)
    values = [1.0 / (1 + step) for step in range(HISTORY_POINTS)]
    values[SPIKE_STEP] = 50.0
    metrics = [Metric("train_loss", value, now + step, step) for step, value in enumerate(values)]
    for start in range(0, len(metrics), 1000):
        client.log_batch(long_run.info.run_id, metrics=metrics[start : start + 1000])
    client.set_terminated(long_run.info.run_id, "FINISHED", end_time=now + 5000)
    run_ids.append(long_run.info.run_id)
    model_id = log_sklearn_model(tracking_uri, run_ids[1])
    return SeededExperiment(
        tracking_uri=tracking_uri,
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        run_ids=tuple(run_ids),
        model_run_id=run_ids[1],
        model_id=model_id,
        no_model_run_id=run_ids[0],
        long_history_run_id=long_run.info.run_id,
    )
