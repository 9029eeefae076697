"""Prefect and Airflow schedules run for real, each in its own environment (the optional extras).

Each engine's interpreter: $JUPYTER_MLOPS_PREFECT_PYTHON / $JUPYTER_MLOPS_AIRFLOW_PYTHON, else the
repository's `.venv-prefect` / `.venv-airflow` (docs/retraining.md), else this one if it has the extra.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
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
completed = True
for deployment in config["deployments"]:
    flow = load_flow_from_entrypoint(deployment["entrypoint"])
    built = flow.to_deployment(name=deployment["name"], cron=deployment["schedules"][0]["cron"])
    print(deployment["name"], "schedule", built.schedules[0].schedule.cron)
    state = flow(return_state=True)
    print(deployment["name"], "state", state.type.value)
    completed = completed and state.is_completed()
sys.exit(0 if completed else 1)
"""

AIRFLOW_CHECK = """
import sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print("import errors", bag.import_errors)
succeeded = not bag.import_errors
for dag_id in sys.argv[2:]:
    dag = bag.get_dag(dag_id)
    print(dag_id, "timetable", dag.timetable.expression)
    print(dag_id, "mapped", [task.task_id for task in dag.tasks if getattr(task, "is_mapped", False)])
    run = dag.test()
    print(dag_id, "state", run.state)
    succeeded = succeeded and str(run.state) == "success"
sys.exit(0 if succeeded else 1)
"""


def write_fanout_grid(folder: Path) -> Path:
    """A 4-set grid of the iris package, best set per random_state."""
    grid = folder / "grid.yaml"
    grid.write_text("grid:\n  n_estimators: [5, 10]\n  random_state: [1, 2]\ngroup_by: random_state\n")
    return grid


def assert_one_fanout(uri: str, experiment: str, sets: int) -> None:
    """One FINISHED parent, one FINISHED child per set (none twice), the best set per group tagged."""
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    assert found is not None, f"no run reached experiment {experiment!r}"
    runs = MlflowClient(uri).search_runs([found.experiment_id])
    parents = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    assert [run.info.status for run in parents] == ["FINISHED"]
    assert sorted(run.data.tags["jupyter_mlops.fanout.set"] for run in children) == [
        str(index) for index in range(sets)
    ]
    assert {run.info.status for run in children} == {"FINISHED"}
    assert parents[0].data.metrics["sets_failed"] == 0
    assert sum(run.data.tags.get("jupyter_mlops.fanout.best") == "true" for run in children) == 2


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
def test_prefect_flow_runs_in_prefects_local_mode(
    tracking_uri: str, cli, iris_package: Path, tmp_path: Path
) -> None:
    """A single run, and a fan-out mapped over 2 shards (`.map`), each flow run by Prefect."""
    experiment = f"prefect-{tmp_path.name}"
    out = tmp_path / "prefect"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "prefect", "-o", out]
    assert cli(*args, "-p", "C", "0.5", "--experiment", experiment).exit_code == 0
    fanout = ["schedule", iris_package, "--cron", "0 3 * * 1", "--target", "prefect", "-o", out]
    fanout += ["--grid", write_fanout_grid(tmp_path), "--shards", "2", "--metric", "accuracy"]
    written = cli(*fanout, "--experiment", f"{experiment}-fanout", "--name", "iris_fanout")
    assert written.exit_code == 0, written.output
    assert ".map(range(SHARDS)" in (out / "iris_fanout_flow.py").read_text()
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
    assert "iris_small schedule 0 3 * * 1" in completed.stdout
    assert "iris_small state COMPLETED" in completed.stdout
    assert "iris_fanout state COMPLETED" in completed.stdout
    assert finished_runs(tracking_uri, experiment) == ["FINISHED"]
    assert_one_fanout(tracking_uri, f"{experiment}-fanout", 4)


@pytest.mark.slow
@pytest.mark.skipif(
    AIRFLOW_PYTHON is None,
    reason="Airflow is not installed: pip install jupyter-mlops[airflow], or make .venv-airflow "
    "(docs/retraining.md)",
)
def test_airflow_dag_loads_in_dagbag_and_runs_with_dag_test(
    tracking_uri: str, cli, iris_package: Path, tmp_path: Path
) -> None:
    """A single run, and a fan-out expanded over 2 shards (dynamic task mapping), each DAG run by Airflow."""
    experiment = f"airflow-{tmp_path.name}"
    dags = tmp_path / "dags"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "airflow", "-o", dags]
    assert cli(*args, "--experiment", experiment).exit_code == 0
    fanout = ["schedule", iris_package, "--cron", "0 3 * * 1", "--target", "airflow", "-o", dags]
    fanout += ["--grid", write_fanout_grid(tmp_path), "--shards", "2", "--metric", "accuracy"]
    written = cli(*fanout, "--experiment", f"{experiment}-fanout", "--name", "iris_fanout")
    assert written.exit_code == 0, written.output
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
        [AIRFLOW_PYTHON, "-c", AIRFLOW_CHECK, str(dags), "iris_small", "iris_fanout"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "import errors {}" in completed.stdout and "iris_small timetable 0 3 * * 1" in completed.stdout
    assert "iris_fanout mapped ['run_shard']" in completed.stdout
    assert "iris_fanout state success" in completed.stdout
    assert finished_runs(tracking_uri, experiment) == ["FINISHED"]
    assert_one_fanout(tracking_uri, f"{experiment}-fanout", 4)


OTHER_PROJECT = """\
# our team's deployments
name: etl
prefect-version: 3.8.0
deployments:
  - name: nightly-etl
    entrypoint: etl.py:nightly
    work_pool:
      name: etl-pool
"""


def test_an_existing_prefect_yaml_keeps_its_other_deployments(cli, tmp_path: Path) -> None:
    (tmp_path / "prefect.yaml").write_text(OTHER_PROJECT)
    args = ["schedule", IRIS_NOTEBOOK, "--target", "prefect", "-o", tmp_path]
    result = cli(*args, "--cron", "0 3 * * 1")
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "prefect.yaml").read_text())
    other = yaml.safe_load(OTHER_PROJECT)
    assert {key: config[key] for key in ("name", "prefect-version")} == {
        "name": "etl",
        "prefect-version": "3.8.0",
    }
    assert [entry["name"] for entry in config["deployments"]] == ["nightly-etl", "iris_small"]
    assert config["deployments"][0] == other["deployments"][0]
    assert cli(*args, "--cron", "0 3 * * 1").exit_code == 0, "the same schedule again changes nothing"
    before = (tmp_path / "prefect.yaml").read_text()
    refused = cli(*args, "--cron", "30 2 * * *")
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"jupyter-mlops: {tmp_path / 'prefect.yaml'} already has a deployment named 'iris_small' with other "
        "settings; nothing was written (use --force to replace it, or --name for another one)"
    )
    assert (tmp_path / "prefect.yaml").read_text() == before
    assert cli(*args, "--cron", "30 2 * * *", "--force").exit_code == 0
    config = yaml.safe_load((tmp_path / "prefect.yaml").read_text())
    assert [entry["name"] for entry in config["deployments"]] == ["nightly-etl", "iris_small"]
    assert config["deployments"][0] == other["deployments"][0]
    assert config["deployments"][1]["schedules"] == [{"cron": "30 2 * * *", "timezone": "UTC"}]
    assert cli(*args, "--cron", "0 4 * * *", "--name", "iris_early").exit_code == 0
    config = yaml.safe_load((tmp_path / "prefect.yaml").read_text())
    assert [entry["name"] for entry in config["deployments"]] == ["nightly-etl", "iris_small", "iris_early"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "deployments: [\n",
            "is not valid YAML (line 2, column 1: expected the node content, but found '<stream end>'); "
            "fix or move it",
        ),
        ("- just\n- a list\n", "is not a Prefect project file (no `deployments` list); fix or move it"),
    ],
)
def test_a_prefect_yaml_that_is_not_a_project_is_refused(
    cli, tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "prefect.yaml").write_text(content)
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "prefect", "-o", tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(f"jupyter-mlops: {tmp_path / 'prefect.yaml'} {message}")
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["prefect.yaml"]
    assert (tmp_path / "prefect.yaml").read_text() == content


def test_an_existing_dag_file_is_refused_without_force(cli, tmp_path: Path) -> None:
    dag = tmp_path / "iris_small_dag.py"
    dag.write_text("# my own DAG\n")
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "airflow", "-o", tmp_path]
    refused = cli(*args)
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"jupyter-mlops: {dag} already exists with other content; nothing was written "
        "(use --force to replace)"
    )
    assert dag.read_text() == "# my own DAG\n"
    assert cli(*args, "--force").exit_code == 0
    assert "CRON = '0 3 * * 1'" in dag.read_text()
    assert cli(*args).exit_code == 0, "the same DAG again changes nothing"


def shape(source: str) -> str:
    """The module's syntax tree with every constant blanked: what code it runs, not which values."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


def literal(source: str, name: str) -> object:
    """The value a module assigns to `name` at top level."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == [name]:  # type: ignore[attr-defined]
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the module")


HOSTILE = 'x"""\n__import__("os").system("touch PWNED")\n\'\'\'{}%\u2028😀y'


@pytest.mark.parametrize("fanout", [False, True], ids=["once", "fanout"])
@pytest.mark.parametrize(("engine", "written"), [("prefect", "iris_flow.py"), ("airflow", "iris_dag.py")])
def test_hostile_paths_reach_the_flow_and_dag_only_as_literals(
    cli, tmp_path: Path, engine: str, written: str, fanout: bool
) -> None:
    """The same code whatever the notebook path, folder, grid file or experiment; the values come back
    unchanged."""
    sources = {}
    for kind in ("plain", "hostile"):
        folder = tmp_path / kind / ("notebooks" if kind == "plain" else HOSTILE)
        folder.mkdir(parents=True)
        notebook = folder / "iris.ipynb"
        shutil.copy(IRIS_NOTEBOOK, notebook)
        out = tmp_path / kind / ("out" if kind == "plain" else HOSTILE + "out")
        experiment = "plain" if kind == "plain" else HOSTILE
        grid = folder / "grid.yaml"
        grid.write_text("C: [0.1, 1.0]\n")
        result = cli(
            "schedule",
            notebook,
            "--cron",
            "0 3 * * 1",
            "--target",
            engine,
            "-o",
            out,
            "--experiment",
            experiment,
            *(["--grid", grid] if fanout else []),
        )
        assert result.exit_code == 0, result.output
        sources[kind] = (out / written).read_text(encoding="utf-8")
        assert literal(sources[kind], "TARGET") == str(notebook)
        command = literal(sources[kind], "COMMAND")
        assert isinstance(command, list) and command[command.index("--experiment") + 1] == experiment
        assert ("--grid" in command) == fanout
        if fanout:
            assert command[command.index("--grid") + 1] == str(grid)
        if engine == "prefect":
            config = yaml.safe_load((out / "prefect.yaml").read_text(encoding="utf-8"))
            [pull] = config["pull"]
            assert pull["prefect.deployments.steps.set_working_directory"]["directory"] == str(out)
    assert shape(sources["hostile"]) == shape(sources["plain"])


@pytest.mark.parametrize(
    ("engine", "written", "mapping"),
    [
        (
            "prefect",
            "iris_fanout_flow.py",
            "run_shard.map(range(SHARDS), parent_run_id=unmapped(parent_run_id))",
        ),
        ("airflow", "iris_fanout_dag.py", "run_shard.partial(parent_run_id=parent_run_id).expand("),
    ],
)
def test_a_fanout_schedule_maps_a_task_over_shards(
    cli, iris_package: Path, tmp_path: Path, engine: str, written: str, mapping: str
) -> None:
    grid = write_fanout_grid(tmp_path)
    out = tmp_path / "out"
    args = [
        "schedule",
        iris_package,
        "--cron",
        "0 3 * * 1",
        "--target",
        engine,
        "-o",
        out,
        "--name",
        "iris_fanout",
    ]
    result = cli(*args, "--grid", grid, "--shards", "3", "--metric", "accuracy", "--group-by", "random_state")
    assert result.exit_code == 0, result.output
    source = (out / written).read_text()
    compile(source, written, "exec")
    assert mapping in source
    assert literal(source, "SHARDS") == 3
    command = literal(source, "COMMAND")
    assert isinstance(command, list)
    assert command[command.index("--grid") + 1] == str(grid.resolve())
    assert command[command.index("--group-by") + 1] == "random_state"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--register", "iris", "--promote", "champion"], "--register/--promote gate one run; a fan-out"),
        (["--param-file", "rows.csv"], "give either --grid or --param-file, not both"),
        (["--group-by", "depth"], "--group-by 'depth' is not a parameter"),
    ],
)
def test_a_bad_fanout_schedule_writes_nothing(
    cli, iris_package: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    grid = write_fanout_grid(tmp_path)
    out = tmp_path / "out"
    args = ["schedule", iris_package, "--cron", "0 3 * * 1", "--target", "prefect", "-o", out]
    result = cli(*args, "--grid", grid, "--metric", "accuracy", *extra)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--shard", "2/2", "--resume", "abc"], "--shard '2/2': expected I/N with 0 <= I < N, e.g. 0/4"),
        (["--shard", "0/2"], "--shard needs --resume PARENT_RUN_ID (the parent run it logs into)"),
    ],
)
def test_a_bad_shard_is_refused_before_anything_runs(
    cli, iris_package: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    result = cli("run", iris_package, "--grid", write_fanout_grid(tmp_path), *extra)
    assert result.exit_code == 2
    assert result.output.strip() == f"jupyter-mlops: {message}"
