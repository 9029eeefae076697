"""Champion/challenger promotion against a real MLflow server (runs made with MlflowClient, real models)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from mlflow import MlflowClient
from sklearn.dummy import DummyClassifier

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.gate import GateError, GateOptions, gate_run
from jupyter_mlops.retraining.models import log_sklearn_model

pytestmark = pytest.mark.slow


def challenger(
    uri: str, experiment: str, value: float | None, with_model: bool = True
) -> tuple[str, str | None]:
    """A finished run with metric `auc` = value and a small sklearn model; returns (run id, model URI)."""
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run_id = client.create_run(experiment_id).info.run_id
    if value is not None:
        client.log_metric(run_id, "auc", value)
    model_uri = (
        log_sklearn_model(DummyClassifier().fit([[0], [1]], [0, 1]), run_id, TrackingSession(uri))
        if with_model
        else None
    )
    client.set_terminated(run_id)
    return run_id, model_uri


def options(name: str, tmp_path: Path, **overrides: object) -> GateOptions:
    values: dict[str, object] = {"settle_seconds": 0.3, "lock_dir": tmp_path}
    values.update(overrides)
    return GateOptions(name, "champion", "auc", **values)  # type: ignore[arg-type]


def version_tags(uri: str, name: str, version: str) -> dict[str, str]:
    return dict(MlflowClient(uri).get_model_version(name, version).tags)


def test_first_version_is_promoted_then_only_better_ones(tracking_uri: str, tmp_path: Path) -> None:
    client = MlflowClient(tracking_uri)
    name = f"gate-{tmp_path.name}"
    first = gate_run(
        TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.70), options(name, tmp_path)
    )
    assert first.promoted and first.reason == "no version held @champion: the first version is promoted"
    worse = gate_run(
        TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.65), options(name, tmp_path)
    )
    assert worse.decision == "rejected"
    assert worse.summary() == (
        f"{name} version 2: rejected (auc 0.65 does not beat champion version 1's 0.7 "
        "(higher is better, min delta 0))"
    )
    better = gate_run(
        TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.80), options(name, tmp_path)
    )
    assert better.promoted and better.champion_version == "1" and better.champion_value == 0.70
    assert client.get_model_version_by_alias(name, "champion").version == "3"
    tags = version_tags(tracking_uri, name, "3")
    assert tags["jupyter_mlops.gate.decision"] == "promoted"
    assert tags["jupyter_mlops.gate.challenger_value"] == "0.8"
    assert tags["jupyter_mlops.gate.champion_value"] == "0.7"
    assert tags["jupyter_mlops.gate.champion_version"] == "1"
    assert "beats champion version 1's 0.7" in tags["jupyter_mlops.gate.reason"]
    assert version_tags(tracking_uri, name, "2")["jupyter_mlops.gate.decision"] == "rejected"
    assert version_tags(tracking_uri, name, "1")["jupyter_mlops.gate.replaced_by"] == "3"


def test_min_delta_and_lower_is_better(tracking_uri: str, tmp_path: Path) -> None:
    name = f"gate-loss-{tmp_path.name}"
    lower = options(name, tmp_path, greater_is_better=False, min_delta=0.05)
    assert gate_run(TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.50), lower).promoted
    small_gain = gate_run(TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.47), lower)
    assert small_gain.decision == "rejected" and "lower is better, min delta 0.05" in small_gain.reason
    assert gate_run(TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.40), lower).promoted


def test_run_without_metric_or_model_registers_nothing(tracking_uri: str, tmp_path: Path) -> None:
    client = MlflowClient(tracking_uri)
    name = f"gate-missing-{tmp_path.name}"
    with pytest.raises(GateError, match=r"has no metric 'auc' to gate on \(its metrics: none\); nothing"):
        gate_run(
            TrackingSession(tracking_uri), *challenger(tracking_uri, name, None), options(name, tmp_path)
        )
    with pytest.raises(
        GateError, match=r"logged no model \(tag a cell `model:VAR`\), so nothing was registered"
    ):
        gate_run(
            TrackingSession(tracking_uri),
            *challenger(tracking_uri, name, 0.9, with_model=False),
            options(name, tmp_path),
        )
    assert client.search_registered_models(filter_string=f"name = '{name}'") == []


def _promote_at_once(uri: str, run_id: str, model_uri: str, gate: GateOptions, barrier, results) -> None:  # type: ignore[no-untyped-def]
    barrier.wait(timeout=120)
    decision = gate_run(TrackingSession(uri), run_id, model_uri, gate)
    results.put((decision.version, decision.decision, decision.challenger_value))


@pytest.mark.parametrize("lock", ["file-lock", "no-lock"])
def test_two_concurrent_promoters_do_not_both_win(tracking_uri: str, tmp_path: Path, lock: str) -> None:
    name = f"gate-race-{lock}-{tmp_path.name}"
    client = MlflowClient(tracking_uri)
    gate_run(TrackingSession(tracking_uri), *challenger(tracking_uri, name, 0.50), options(name, tmp_path))
    gate = options(name, tmp_path, lock_dir=tmp_path if lock == "file-lock" else None)
    contenders = [challenger(tracking_uri, name, value) for value in (0.80, 0.90)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=_promote_at_once, args=(tracking_uri, run_id, uri, gate, barrier, results))
        for run_id, uri in contenders
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    decisions = {
        value: (version, kind) for version, kind, value in (results.get(timeout=5) for _ in processes)
    }
    best_version, best_kind = decisions[0.90]
    worse_version, worse_kind = decisions[0.80]
    assert best_kind == "promoted"
    assert client.get_model_version_by_alias(name, "champion").version == best_version
    worse_tags = version_tags(tracking_uri, name, worse_version)
    assert (
        worse_kind in ("rejected", "superseded")
        or worse_tags.get("jupyter_mlops.gate.replaced_by") == best_version
    )
