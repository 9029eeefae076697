"""`jupyter-mlops run PKG` (an nb2prod package) and fan-out over grids and CSV rows, against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.errors import TrackingUnavailableError
from jupyter_mlops.retraining.fanout import (
    ChildContext,
    ModelKeeping,
    SetOutcome,
    _keeps_model,
    _Worker,
    log_child,
)
from tests.retraining.conftest import IRIS_NOTEBOOK, assert_signed_model
from tests.support.mlflow_server import free_port

pytestmark = pytest.mark.slow
IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def runs_of(uri: str, experiment: str) -> list:  # type: ignore[type-arg]
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    assert found is not None
    return MlflowClient(uri).search_runs([found.experiment_id], max_results=1000)


def test_package_runs_once_and_is_gated(tracking_uri: str, cli, iris_package: Path, tmp_path: Path) -> None:
    experiment, model = f"package-{tmp_path.name}", f"iris-{tmp_path.name}"
    gate = ["--register", model, "--promote", "champion", "--metric", "accuracy"]
    result = cli("run", iris_package, "-p", "n_estimators", "20", "--experiment", experiment, *gate)
    assert result.exit_code == 0, result.output
    assert f"{model} version 1: promoted (no version held @champion" in result.output
    [run] = runs_of(tracking_uri, experiment)
    assert run.info.status == "FINISHED"
    assert run.data.params["n_estimators"] == "20"
    assert "accuracy" in run.data.metrics
    assert run.data.tags["jupyter_mlops.runner"] == "jupyter-mlops run"
    version = MlflowClient(tracking_uri).get_model_version_by_alias(model, "champion")
    assert version.run_id == run.info.run_id
    assert_signed_model(tracking_uri, run.info.experiment_id, run.info.run_id, IRIS_COLUMNS)


def test_package_parameter_is_checked_against_parameter_types(
    tracking_uri: str, cli, iris_package: Path
) -> None:
    result = cli("run", iris_package, "-p", "n_estimators", "lots")
    assert result.exit_code == 2
    assert "parameter 'n_estimators' expects an int, got 'lots'" in result.output
    result = cli("run", iris_package / "iris_classifier", "-p", "depth", "3")
    assert result.exit_code == 2
    assert (
        "unknown parameter 'depth'; valid parameters: n_estimators, max_depth, test_size, random_state"
        in (result.output)
    )


def test_package_grid_fans_out_into_child_runs(
    tracking_uri: str, cli, iris_package: Path, tmp_path: Path
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "grid:\n  n_estimators: [5, 10]\n  max_depth: [2, 3]\n  random_state: [1, 2]\n"
        "group_by: random_state\n"
    )
    experiment = f"fanout-{tmp_path.name}"
    result = cli(
        "run",
        iris_package,
        "--grid",
        grid,
        "--metric",
        "accuracy",
        "--workers",
        "2",
        "--experiment",
        experiment,
    )
    assert result.exit_code == 0, result.output
    assert "8 of 8 parameter sets finished, 0 failed" in result.output
    assert "best set per random_state by accuracy:" in result.output
    runs = runs_of(tracking_uri, experiment)
    parents = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert len(parents) == 1 and len(children) == 8
    assert {run.data.tags["mlflow.parentRunId"] for run in children} == {parents[0].info.run_id}
    assert all(run.info.status == "FINISHED" for run in runs)
    assert parents[0].data.metrics["sets_total"] == 8 and parents[0].data.metrics["sets_failed"] == 0
    best = [run for run in children if run.data.tags.get("jupyter_mlops.fanout.best") == "true"]
    assert len(best) == 2
    assert {run.data.params["random_state"] for run in best} == {"1", "2"}
    client = MlflowClient(tracking_uri)
    experiment_id = parents[0].info.experiment_id
    for run in children:
        models = client.search_logged_models(
            [experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
        )
        assert len(models) == (1 if run in best else 0)
    assert_signed_model(tracking_uri, experiment_id, best[0].info.run_id, IRIS_COLUMNS)


def test_notebook_rows_one_failing_set_fails_only_its_child(tracking_uri: str, cli, tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("C,test_size\n0.5,0.3\n1.0,3.0\n")
    experiment = f"fanout-nb-{tmp_path.name}"
    result = cli(
        "run", IRIS_NOTEBOOK, "--param-file", rows, "--metric", "accuracy", "--experiment", experiment
    )
    assert result.exit_code == 1, result.output
    assert "1 of 2 parameter sets finished, 1 failed" in result.output
    assert (
        "FAILED set 1 {'C': 1.0, 'test_size': 3.0}: cell 3 of iris_small.ipynb raised InvalidParameterError"
        in (result.output)
    )
    runs = runs_of(tracking_uri, experiment)
    statuses = sorted(
        (run.data.tags.get("jupyter_mlops.fanout.set", "parent"), run.info.status) for run in runs
    )
    assert statuses == [("0", "FINISHED"), ("1", "FAILED"), ("parent", "FINISHED")]
    failed = next(run for run in runs if run.info.status == "FAILED")
    assert "InvalidParameterError" in failed.data.tags["jupyter_mlops.error"]
    assert MlflowClient(tracking_uri).list_artifacts(failed.info.run_id, "executed_notebook")
    finished = next(run for run in runs if run.data.tags.get("jupyter_mlops.fanout.set") == "0")
    assert_signed_model(tracking_uri, finished.info.experiment_id, finished.info.run_id, None)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.yaml", "C: [0.1, 1\n", "bad.yaml: not valid YAML at line 2"),
        (
            "unknown.yaml",
            "C: [0.1]\ngamma: [1, 2]\n",
            "unknown.yaml set 1: unknown parameter 'gamma'; valid parameters",
        ),
        (
            "typed.yaml",
            "max_iter: [10, 2.5]\n",
            "typed.yaml set 2: parameter 'max_iter' expects an int, got '2.5'",
        ),
        ("scalar.yaml", "3\n", "scalar.yaml: expected a mapping of parameter names to lists of values"),
        ("group.yaml", "grid: {C: [1]}\ngroup_by: nope\n", "group.yaml: group_by 'nope' is not a parameter"),
        ("rows.csv", "C,seed\n0.5,1\n0.7,x\n", "rows.csv line 3: parameter 'seed' expects an int, got 'x'"),
        ("wide.csv", "C\n0.5,1\n", "wide.csv line 2: more values than header columns"),
    ],
)
def test_bad_grid_or_rows_exit_2_before_any_run(
    tracking_uri: str, cli, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    option = "--param-file" if name.endswith(".csv") else "--grid"
    experiment = f"fanout-bad-{tmp_path.name}"
    result = cli("run", IRIS_NOTEBOOK, option, path, "--experiment", experiment)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert MlflowClient(tracking_uri).get_experiment_by_name(experiment) is None


def test_grid_and_param_file_together_are_refused(cli, tmp_path: Path) -> None:
    result = cli("run", IRIS_NOTEBOOK, "--grid", tmp_path / "a.yaml", "--param-file", tmp_path / "b.csv")
    assert result.exit_code == 2
    assert "give either --grid or --param-file, not both" in result.output


def test_register_without_promote_adds_a_version_and_moves_no_alias(
    tracking_uri: str, cli, iris_package: Path, tmp_path: Path
) -> None:
    model = f"iris-plain-{tmp_path.name}"
    result = cli("run", iris_package, "-p", "n_estimators", "5", "--register", model)
    assert result.exit_code == 0, result.output
    assert f"as {model} version 1" in result.output
    registered = MlflowClient(tracking_uri).get_registered_model(model)
    assert registered.aliases == {}


def _context(experiment_id: str, parent_id: str) -> ChildContext:
    defaults: dict[str, object] = {"n_estimators": 10, "max_depth": 3}
    return ChildContext(experiment_id, parent_id, "/somewhere/pkg", "pkg", defaults)


def _session(uri: str) -> TrackingSession:
    return TrackingSession(uri, unavailable=TrackingUnavailableError)


def test_child_run_is_logged_in_three_calls_with_tags_params_metrics_and_status(
    tracking_uri: str, tmp_path: Path
) -> None:
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(f"child-{tmp_path.name}")
    parent = client.create_run(experiment_id)
    context = _context(experiment_id, parent.info.run_id)
    session = _session(tracking_uri)
    good = log_child(session, context, SetOutcome(0, {"max_depth": 5}, metrics={"accuracy": 0.9}))
    bad = log_child(
        session, context, SetOutcome(1, {"max_depth": 7}, error="ValueError: no", error_detail="line 3")
    )
    finished = client.get_run(good.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert finished.data.tags["jupyter_mlops.fanout.set"] == "0"
    assert finished.data.params == {"n_estimators": "10", "max_depth": "5"}
    assert finished.data.metrics["accuracy"] == 0.9 and "duration_seconds" in finished.data.metrics
    failed = client.get_run(bad.run_id)
    assert failed.info.status == "FAILED"
    assert failed.data.tags["jupyter_mlops.error"] == "ValueError: no"
    assert failed.data.tags["jupyter_mlops.error.detail"] == "line 3"
    assert failed.data.tags["mlflow.runName"] == "pkg-set0001"


def test_child_logging_with_the_server_gone_names_the_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    uri = f"http://127.0.0.1:{free_port()}"
    context = _context("1", "parent")
    with pytest.raises(TrackingUnavailableError) as raised:
        log_child(_session(uri), context, SetOutcome(0, {}))
    assert f"MLflow tracking server {uri} did not answer while trying to create a child run" in str(
        raised.value
    )


@pytest.mark.parametrize(
    ("keep", "greater", "values", "kept"),
    [
        ("best", True, [("a", 0.5), ("a", 0.7), ("a", 0.6), ("b", 0.1), ("a", 0.7)], [1, 1, 0, 1, 1]),
        ("best", False, [("a", 0.5), ("a", 0.7), ("a", 0.4)], [1, 0, 1]),
        ("all", True, [("a", 0.5), ("a", 0.1)], [1, 1]),
        ("none", True, [("a", 0.5)], [0]),
    ],
)
def test_a_worker_keeps_a_model_file_only_for_sets_that_may_be_the_best_of_their_group(
    keep: str, greater: bool, values: list[tuple[str, float]], kept: list[int]
) -> None:
    context = ModelKeeping("/somewhere/pkg", "/unused", keep, "accuracy", "seed", greater)
    worker = _Worker(target=None, context=context)  # type: ignore[arg-type]
    decisions = [
        int(_keeps_model(worker, SetOutcome(index, {"seed": group}, metrics={"accuracy": value})))
        for index, (group, value) in enumerate(values)
    ]
    assert decisions == kept


def test_package_fanout_with_the_server_unreachable_stops_the_pool_and_exits_3(
    cli, iris_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  n_estimators: [5, 10, 15, 20]\n  random_state: [1, 2]\n")
    uri = f"http://127.0.0.1:{free_port()}"
    result = cli("run", iris_package, "--grid", grid, "--workers", "2", "--tracking-uri", uri)
    assert result.exit_code == 3, result.output
    assert f"MLflow tracking server {uri} did not answer while trying to open experiment" in result.output
    assert "parameter sets finished" not in result.output
