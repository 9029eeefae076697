"""End to end: convert a corpus notebook, run `pytest OUTDIR` (parity, real papermill kernel), run the
pipeline against the real MLflow server (CLI and `mlflow run`), check the package's contract in-process."""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import mlflow
import pytest
from mlflow import MlflowClient

from converters.cli import main
from converters.errors import ParameterValueError
from converters.parameters import Parameter, coerce_parameter_value
from jupyter_mlops.core.experiments import experiment_name_for
from tests.converters.conftest import DATA, write_notebook
from tests.support.mlflow_server import MlflowServer

NOTEBOOK = DATA / "tagged_pipeline.ipynb"
pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("e2e") / "tagged_pipeline"
    assert main([str(NOTEBOOK), "-o", str(out_dir), "-q"]) == 0
    git = ["git", "-C", str(out_dir), "-c", "user.name=nb2prod", "-c", "user.email=nb2prod@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "generated"], check=True)
    return out_dir


def run_generated_tests(out_dir: Path, *pytest_args: str) -> subprocess.CompletedProcess[str]:
    """Run the generated package's own tests (`pytest OUTDIR -q`) in a fresh process, MLflow env cleared."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(out_dir), "-q", "-p", "no:cacheprovider", *pytest_args],
        cwd=out_dir,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=600,
        check=False,
    )


def head_commit(folder: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def package(converted: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(converted))
    try:
        yield importlib.import_module("tagged_pipeline.pipeline")
    finally:
        sys.path.remove(str(converted))
        for name in [name for name in sys.modules if name.split(".")[0] == "tagged_pipeline"]:
            del sys.modules[name]


def test_generated_tests_pass_including_parity(converted: Path) -> None:
    completed = run_generated_tests(converted, "-s")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "split: equal — test_idx, train_idx" in completed.stdout
    assert "compute_metrics: equal — accuracy, n_test" in completed.stdout
    assert "passed" in completed.stdout.splitlines()[-1]


def test_pipeline_logs_to_the_real_server(converted: Path, mlflow_server: MlflowServer) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tagged_pipeline", "--C", "0.5", "--run-name", "e2e"],
        cwd=converted,
        capture_output=True,
        text=True,
        env=clean_env(MLFLOW_TRACKING_URI=mlflow_server.uri),
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]
    client = MlflowClient(mlflow_server.uri)
    run = client.get_run(run_id)
    assert run.data.params == {"C": "0.5", "max_iter": "200", "holdout": "0.3"}
    assert set(run.data.metrics) == {"accuracy", "n_test"} and run.data.metrics["n_test"] == 45.0
    assert run.data.tags["nb2prod.notebook_sha256"] == hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    assert run.data.tags["mlflow.source.git.commit"] == head_commit(converted)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == experiment_name_for(NOTEBOOK)
    assert [item.path for item in client.list_artifacts(run_id, "source")] == ["source/tagged_pipeline.ipynb"]
    models = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    assert [model.name for model in models] == ["model"]
    local_copy = mlflow.artifacts.download_artifacts(
        artifact_uri=models[0].artifact_location, tracking_uri=mlflow_server.uri
    )
    loaded = mlflow.sklearn.load_model(local_copy)
    assert type(loaded).__name__ == "LogisticRegression" and loaded.C == 0.5


def test_help_lists_parameters_with_type_and_default(converted: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tagged_pipeline", "--help"],
        cwd=converted,
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(COLUMNS="200"),
    )
    assert (
        "--C VALUE" in completed.stdout and "inverse regularization (float, default 1.0)" in completed.stdout
    )
    assert "--max_iter VALUE, --max-iter VALUE" in completed.stdout and "int, default 200" in completed.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tagged_pipeline", "--max_iter", "many"],
        cwd=converted,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )
    assert bad.returncode == 2
    assert "error: parameter 'max_iter' expects int, got 'many'" in bad.stderr


def test_mlflow_run_uses_the_mlproject(converted: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "mlflow"),
            "run",
            str(converted),
            "--env-manager",
            "local",
            "-P",
            "C=0.25",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(MLFLOW_TRACKING_URI=uri),
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    runs = MlflowClient(uri).search_runs(
        [experiment.experiment_id for experiment in MlflowClient(uri).search_experiments()],
        filter_string="params.C = '0.25'",
    )
    assert runs and runs[0].data.metrics["n_test"] == 45.0


def test_contract_in_process(package: ModuleType, local_store: str) -> None:
    assert package.PARAMETERS == {"C": 1.0, "max_iter": 200, "holdout": 0.3}
    assert package.PARAMETER_TYPES == {"C": "float", "max_iter": "int", "holdout": "float"}
    assert package.MODEL_VARIABLE == "clf"
    results = package.run_steps(holdout=0.5)
    assert results["metrics"]["n_test"] == 75.0
    assert {"X", "y", "clf", "accuracy", "train_idx", "test_idx"} <= set(results)
    with pytest.raises(
        TypeError, match="unknown parameter\\(s\\) alpha; parameters are: C, max_iter, holdout"
    ):
        package.run_steps(alpha=1)
    client = MlflowClient(local_store)
    parent_experiment = client.create_experiment("parent")
    parent_run = client.create_run(parent_experiment)
    mlflow.set_tracking_uri(local_store)
    try:
        with mlflow.start_run(run_id=parent_run.info.run_id) as parent:
            child_id = package.run(experiment_name="parent", max_iter=50)
    finally:
        mlflow.set_tracking_uri(None)
    child = client.get_run(child_id)
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child.data.params["max_iter"] == "50"


@pytest.mark.parametrize(
    ("type_name", "raw"),
    [
        ("int", "3"),
        ("int", "3.5"),
        ("float", "2"),
        ("bool", "no"),
        ("bool", "maybe"),
        ("list", "[1]"),
        ("list", "{}"),
        ("dict", '{"a": 1}'),
        ("str", " x "),
        ("tuple", "[1, 2]"),
    ],
)
def test_generated_coercion_matches_converters_parameters(
    package: ModuleType, type_name: str, raw: str
) -> None:
    parameter = Parameter("p", None if type_name == "x" else 0, type_name, 1)
    package.PARAMETER_TYPES["p"] = type_name
    try:
        try:
            expected: object = coerce_parameter_value(parameter, raw)
        except ParameterValueError:
            expected = ValueError
        try:
            actual: object = package.coerce_parameter("p", raw)
        except ValueError:
            actual = ValueError
        assert actual == expected
    finally:
        del package.PARAMETER_TYPES["p"]


def test_parity_compares_values_nothing_reads_and_says_when_there_is_nothing(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "untagged.ipynb",
        [
            ("md:## Load",),
            ("x = [3, 1, 2]\n\ndef double(v):\n    return 2 * v",),
            ("md:Show\n----",),
            ("print(x)",),
            ("md:## Total",),
            ("total = sum(double(v) for v in x)\nsquares = (v * v for v in x)",),
        ],
    )
    out_dir = tmp_path / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    report = (out_dir / "CONVERSION_REPORT.md").read_text()
    assert "- step 'show' (cell 3) binds no value at top level that the parity test could compare" in report
    completed = run_generated_tests(out_dir, "-s")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "load: equal — x; not compared: double\n" in completed.stdout
    assert (  # the package defines `double` inside the step function `load`
        "step load: double: not compared, because it refers to 'double' of the notebook, "
        "which untagged.steps does not define at top level"
    ) in completed.stdout
    assert "show: nothing to compare (the step returns no value; it only ran)\n" in completed.stdout
    assert "total: equal — total; not compared: squares\n" in completed.stdout
    assert (
        "step total: squares: not compared, because a generator yields its values once and holds none"
    ) in completed.stdout
    assert "NotComparedWarning" in completed.stdout


def test_parity_names_the_notebook_cell_that_fails_by_itself(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "broken.ipynb",
        [("x = 1", "step:load"), ("md:text",), ("y = x + 1\nz = {}['missing']", "step:use")],
    )
    out_dir = tmp_path / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    completed = run_generated_tests(out_dir, "-k", "parity")
    assert completed.returncode == 1
    assert (
        "the notebook itself fails in a fresh kernel (papermill), so parity cannot be checked: "
        "notebook cell 2: KeyError: 'missing'"
    ) in completed.stdout
    assert "PapermillExecutionError" not in completed.stdout


def test_the_logged_model_has_a_signature_and_input_example_from_its_training_data(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    notebook = Path(__file__).parents[2] / "examples" / "iris_classifier.ipynb"
    out_dir = tmp_path / "iris"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    completed = subprocess.run(
        [sys.executable, "-m", "iris_classifier", "--n_estimators", "10", "--run-name", "signature"],
        cwd=out_dir,
        capture_output=True,
        text=True,
        env=clean_env(MLFLOW_TRACKING_URI=mlflow_server.uri),
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]
    client = MlflowClient(mlflow_server.uri)
    run = client.get_run(run_id)
    [logged] = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    local_copy = mlflow.artifacts.download_artifacts(
        artifact_uri=logged.artifact_location, tracking_uri=mlflow_server.uri
    )
    info = mlflow.models.Model.load(local_copy)
    model = mlflow.pyfunc.load_model(local_copy)
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert info.signature is not None
    assert info.signature.inputs.input_names() == columns
    assert {spec.type.name for spec in info.signature.inputs.inputs} == {"double"}
    assert info.signature.outputs is not None
    example = model.input_example
    assert list(example.columns) == columns and len(example) == 5
    predictions = model.predict(example)
    assert len(predictions) == 5 and set(predictions) <= {0, 1, 2}


def test_a_model_fitted_on_an_expression_is_logged_without_a_signature(
    converted: Path, mlflow_server: MlflowServer
) -> None:
    report = (converted / "CONVERSION_REPORT.md").read_text()
    assert (
        "Training data of the model: not found: cell 8 fits `clf` on an expression (`X[train_idx]`)" in report
    )
    completed = subprocess.run(
        [sys.executable, "-m", "tagged_pipeline", "--run-name", "no-signature"],
        cwd=converted,
        capture_output=True,
        text=True,
        env=clean_env(MLFLOW_TRACKING_URI=mlflow_server.uri),
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]
    client = MlflowClient(mlflow_server.uri)
    run = client.get_run(run_id)
    [logged] = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    local_copy = mlflow.artifacts.download_artifacts(
        artifact_uri=logged.artifact_location, tracking_uri=mlflow_server.uri
    )
    assert mlflow.models.Model.load(local_copy).signature is None
