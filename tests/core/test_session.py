"""Batching and retry rules of a TrackingSession (the MLflow calls retraining makes)."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.session import RetryPolicy, TrackingSession, batches
from jupyter_mlops.retraining.errors import TrackingUnavailableError

QUICK = RetryPolicy(attempts=3, first_delay=0.0)


def test_log_batch_calls_respect_mlflows_limits() -> None:
    calls = batches(list(range(150)), list(range(1900)), list(range(5)))  # type: ignore[arg-type]
    assert [(len(p), len(m), len(t)) for p, m, t in calls] == [(100, 895, 5), (50, 950, 0), (0, 55, 0)]
    assert sum(len(m) for _, m, _ in calls) == 1900


def test_retries_connection_errors_then_names_the_uri() -> None:
    attempts: list[int] = []
    session = TrackingSession("http://h:1", retry=QUICK, unavailable=TrackingUnavailableError)

    def refuse(client: MlflowClient) -> None:
        attempts.append(1)
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(
        TrackingUnavailableError, match=r"server http://h:1 did not answer while trying to ping \(3 att"
    ):
        session.call("ping", refuse)
    assert len(attempts) == 3


def test_other_errors_are_not_retried() -> None:
    attempts: list[int] = []
    session = TrackingSession("http://h:1", retry=QUICK, unavailable=TrackingUnavailableError)

    def broken(client: MlflowClient) -> None:
        attempts.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        session.call("ping", broken)
    assert len(attempts) == 1


def test_child_processes_get_the_uris_through_their_environment() -> None:
    session = TrackingSession("http://h:1", registry_uri="http://r:2")
    assert session.child_environment() == {
        "MLFLOW_TRACKING_URI": "http://h:1",
        "MLFLOW_REGISTRY_URI": "http://r:2",
    }
