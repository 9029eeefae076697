"""Batching and retry rules of the MLflow calls retraining makes."""

from __future__ import annotations

import pytest

from jupyter_mlops.retraining.errors import TrackingUnavailableError
from jupyter_mlops.retraining.mlflow_io import RetryPolicy, batches, with_retries


def test_log_batch_calls_respect_mlflows_limits() -> None:
    calls = batches(list(range(150)), list(range(1900)), list(range(5)))
    assert [(len(p), len(m), len(t)) for p, m, t in calls] == [(100, 895, 5), (50, 950, 0), (0, 55, 0)]
    assert sum(len(m) for _, m, _ in calls) == 1900


def test_retries_connection_errors_then_names_the_uri() -> None:
    attempts: list[int] = []

    def refuse() -> None:
        attempts.append(1)
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(
        TrackingUnavailableError, match=r"server http://h:1 did not answer while trying to ping \(3 att"
    ):
        with_retries(refuse, what="ping", uri="http://h:1", policy=RetryPolicy(attempts=3, first_delay=0.0))
    assert len(attempts) == 3


def test_other_errors_are_not_retried() -> None:
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        with_retries(broken, what="ping", uri="http://h:1", policy=RetryPolicy(attempts=3, first_delay=0.0))
    assert len(attempts) == 1
