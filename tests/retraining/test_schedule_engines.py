"""Prefect and Airflow schedules run for real, each in its own environment (the optional extras).

Each engine's interpreter: $JUPYTER_MLOPS_PREFECT_PYTHON / $JUPYTER_MLOPS_AIRFLOW_PYTHON, else the
repository's `.venv-prefect` / `.venv-airflow` (docs/retraining.md), else this one if it has the extra.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from tests.retraining.conftest import IRIS_NOTEBOOK

REPOSITORY = Path(__file__).parents[2]


def engine_python(module: str, variable: str, venv: str) -> str | None:
    """The interpreter that has `module` (the engine) installed, or None."""
    configured = os.environ.get(variable)
    if configured:
        return configured
    candidate = REPOSITORY / venv / "bin" / "python"
    if candidate.exists():
        return str(candidate)
    return sys.executable if importlib.util.find_spec(module) else None


PREFECT_PYTHON = engine_python("prefect", "JUPYTER_MLOPS_PREFECT_PYTHON", ".venv-prefect")
AIRFLOW_PYTHON = engine_python("airflow", "JUPYTER_MLOPS_AIRFLOW_PYTHON", ".venv-airflow")

PREFECT_CHECK = """
import sys, yaml
from prefect.flows import load_flow_from_entrypoint
config = yaml.safe_load(open("prefect.yaml"))
deployment = config["deployments"][0]
flow = load_flow_from_entrypoint(deployment["entrypoint"])
built = flow.to_deployment(name=deployment["name"], cron=deployment["schedules"][0]["cron"])
print("schedule", built.schedules[0].schedule.cron)
state = flow(return_state=True)
print("state", state.type.value)
sys.exit(0 if state.is_completed() else 1)
"""

AIRFLOW_CHECK = """
import sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print("import errors", bag.import_errors)
dag = bag.get_dag(sys.argv[2])
print("timetable", dag.timetable.expression)
run = dag.test()
print("state", run.state)
sys.exit(0 if not bag.import_errors and str(run.state) == "success" else 1)
"""


def finished_runs(uri: str, experiment: str) -> list[str]:
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    assert found is not None, f"no run reached experiment {experiment!r}"
    return [run.info.status for run in MlflowClient(uri).search_runs([found.experiment_id])]


def test_prefect_files_are_written(cli, tmp_path: Path) -> None:
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "prefect", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "prefect.yaml").read_text())
    [deployment] = config["deployments"]
    assert deployment["entrypoint"] == "iris_small_flow.py:retrain_flow"
    assert deployment["schedules"] == [{"cron": "0 3 * * 1", "timezone": "UTC"}]
    assert deployment["concurrency_limit"] == 1
    compile((tmp_path / "iris_small_flow.py").read_text(), "iris_small_flow.py", "exec")
    assert "prefect deploy --all" in result.output


def test_airflow_dag_file_is_written(cli, tmp_path: Path) -> None:
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "airflow", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "iris_small_dag.py").read_text()
    compile(text, "iris_small_dag.py", "exec")
    assert "CRON = '0 3 * * 1'" in text and "schedule=CRON" in text and "max_active_runs=1" in text


@pytest.mark.slow
@pytest.mark.skipif(
    PREFECT_PYTHON is None,
    reason="Prefect is not installed: pip install jupyter-mlops[prefect], or make .venv-prefect "
    "(docs/retraining.md)",
)
def test_prefect_flow_runs_in_prefects_local_mode(tracking_uri: str, cli, tmp_path: Path) -> None:
    experiment = f"prefect-{tmp_path.name}"
    out = tmp_path / "prefect"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "prefect", "-o", out]
    assert cli(*args, "-p", "C", "0.5", "--experiment", experiment).exit_code == 0
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    assert PREFECT_PYTHON is not None
    completed = subprocess.run(
        [PREFECT_PYTHON, "-c", PREFECT_CHECK], cwd=out, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "schedule 0 3 * * 1" in completed.stdout and "state COMPLETED" in completed.stdout
    assert finished_runs(tracking_uri, experiment) == ["FINISHED"]


@pytest.mark.slow
@pytest.mark.skipif(
    AIRFLOW_PYTHON is None,
    reason="Airflow is not installed: pip install jupyter-mlops[airflow], or make .venv-airflow "
    "(docs/retraining.md)",
)
def test_airflow_dag_loads_in_dagbag_and_runs_with_dag_test(tracking_uri: str, cli, tmp_path: Path) -> None:
    experiment = f"airflow-{tmp_path.name}"
    dags = tmp_path / "dags"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "airflow", "-o", dags]
    assert cli(*args, "--experiment", experiment).exit_code == 0
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    assert AIRFLOW_PYTHON is not None
    migrate = subprocess.run(
        [AIRFLOW_PYTHON, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    completed = subprocess.run(
        [AIRFLOW_PYTHON, "-c", AIRFLOW_CHECK, str(dags), "iris_small"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "import errors {}" in completed.stdout and "timetable 0 3 * * 1" in completed.stdout
    assert finished_runs(tracking_uri, experiment) == ["FINISHED"]
