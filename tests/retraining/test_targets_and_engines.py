"""The target protocol (`execute` without MLflow, `known_metrics`) and the schedule engine registry."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from jupyter_mlops.retraining import schedule
from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.outcome import ExecutionPlace
from jupyter_mlops.retraining.target import check_metric, load_target
from tests.retraining.conftest import IRIS_NOTEBOOK


def place(tmp_path: Path) -> ExecutionPlace:
    return ExecutionPlace(tmp_path / "out" / "executed.ipynb", tmp_path / "capture")


def test_a_package_set_runs_in_process_and_hands_back_metrics_and_model(
    iris_package: Path, tmp_path: Path
) -> None:
    target = load_target(iris_package)
    outcome = target.execute({"n_estimators": 5}, place(tmp_path))
    assert outcome.error is None, outcome.error_detail
    assert 0.0 <= outcome.metrics["accuracy"] <= 1.0
    assert type(outcome.model).__name__ == "RandomForestClassifier"
    assert target.known_metrics() is None and target.computes_before_tracking
    assert not (tmp_path / "out").exists(), "a package set writes no executed notebook"


def test_a_failing_package_set_is_an_outcome_with_the_error_not_an_exception(
    iris_package: Path, tmp_path: Path
) -> None:
    outcome = load_target(iris_package).execute({"n_estimators": -1}, place(tmp_path))
    assert outcome.error is not None and "n_estimators" in outcome.error
    assert "Traceback" in outcome.error_detail
    assert outcome.metrics == {} and outcome.model is None


@pytest.mark.slow
def test_a_notebook_set_runs_in_a_kernel_and_hands_back_metrics_and_a_model_file(tmp_path: Path) -> None:
    target = load_target(IRIS_NOTEBOOK)
    outcome = target.execute({}, place(tmp_path))
    assert outcome.error is None
    assert set(outcome.metrics) == {"accuracy", "f1_macro"}
    assert outcome.model_path is not None and Path(outcome.model_path).exists()
    assert outcome.executed_notebook == str(tmp_path / "out" / "executed.ipynb")
    assert Path(outcome.executed_notebook).exists()


def test_a_gate_metric_the_notebook_does_not_compute_is_refused_before_running() -> None:
    target = load_target(IRIS_NOTEBOOK)
    assert target.known_metrics() == ["accuracy", "f1_macro", "duration_seconds"]
    with pytest.raises(BadInputError, match=r"--metric 'auc' is not a metric of iris_small.ipynb; its m"):
        check_metric(target, "auc", listing="its metrics")
    check_metric(target, "accuracy", listing="its metrics")


@pytest.fixture
def outside_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An installed distribution (a dist-info on sys.path) declaring the schedule engine `toy`."""
    site = tmp_path / "site"
    info = site / "toy_scheduler-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-scheduler\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[jupyter_mlops.schedule_engines]\ntoy = toy_scheduler:emit\n")
    (site / "toy_scheduler.py").write_text(
        textwrap.dedent(
            """
            import json

            def emit(job, output_dir, *, force=False):
                output_dir.mkdir(parents=True, exist_ok=True)
                path = output_dir / f"{job.name}.toy.json"
                path.write_text(json.dumps({"cron": job.cron, "command": job.command}))
                return [f"wrote {path}"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(schedule, "_ENGINES", dict(schedule._ENGINES))  # forget it after the test
    return "toy"


def test_an_engine_from_an_entry_point_writes_its_schedule(cli, outside_engine: str, tmp_path: Path) -> None:
    out = tmp_path / "schedules"
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", outside_engine, "-o", out)
    assert result.exit_code == 0, result.output
    written = out / "iris_small.toy.json"
    assert f"wrote {written}" in result.output
    assert '"cron": "0 3 * * 1"' in written.read_text()


def test_an_unknown_engine_lists_the_outside_ones_too(cli, outside_engine: str, tmp_path: Path) -> None:
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "k8s", "-o", tmp_path)
    assert result.exit_code == 2
    assert "'k8s' is not one of 'cron', 'prefect', 'airflow', 'toy'" in result.output
