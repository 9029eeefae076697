"""Fixtures for the retraining tests: notebooks built from cells, the CLI called in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner, Result

from jupyter_mlops.cli import main

DATA = Path(__file__).parent / "data"
IRIS_NOTEBOOK = DATA / "iris_small.ipynb"


@pytest.fixture(autouse=True)
def fast_tracking_retries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Short retry budget (a dead server fails in ~1 s), executed notebooks under tmp_path, no alerts."""
    monkeypatch.setenv("JUPYTER_MLOPS_TRACKING_RETRIES", "2")
    monkeypatch.setenv("JUPYTER_MLOPS_TRACKING_BACKOFF", "0.2")
    monkeypatch.setenv("JUPYTER_MLOPS_OUTPUT_DIR", str(tmp_path / "executed"))
    # no alert leaves a test run, whatever the developer's ~/.config/jupyter-mlops/alerts.yaml says
    monkeypatch.setenv("JUPYTER_MLOPS_ALERTS_CONFIG", str(tmp_path / "no-alerts.yaml"))
    for name in list(os.environ):
        if name.startswith("JUPYTER_MLOPS_ALERT_"):
            monkeypatch.delenv(name)


def code_cell(source: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell with tags."""
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> Path:
    """A python3 notebook made of `cells`."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python", "file_extension": ".py"}
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture
def iris_copy(tmp_path: Path) -> Path:
    """The small iris notebook, copied out of the repository (so its experiment name is its file name)."""
    target = tmp_path / "iris_small.ipynb"
    shutil.copy(IRIS_NOTEBOOK, target)
    return target


@pytest.fixture
def make_notebook(tmp_path: Path) -> Callable[..., Path]:
    """Build a notebook in tmp_path from cells."""

    def make(name: str, cells: list[nbformat.NotebookNode]) -> Path:
        return write_notebook(tmp_path / name, cells)

    return make


@pytest.fixture
def cli() -> Iterator[Callable[..., Result]]:
    """Call `jupyter-mlops ARGS...` in-process; returns click's Result (exit_code, output)."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, [str(arg) for arg in args], catch_exceptions=False)

    yield invoke


def iris_cells(extra_train: str = "") -> list[nbformat.NotebookNode]:
    """The iris notebook's cells, with optional extra code in the train step."""
    notebook = nbformat.read(str(IRIS_NOTEBOOK), as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if extra_train:
        cells[3].source += "\n" + extra_train
    return cells


@pytest.fixture(scope="session")
def iris_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package nb2prod writes for examples/iris_classifier.ipynb (contract 2), converted once."""
    import subprocess
    import sys

    notebook = Path(__file__).parents[2] / "examples" / "iris_classifier.ipynb"
    outdir = tmp_path_factory.mktemp("package") / "iris_out"
    nb2prod = Path(sys.executable).with_name("nb2prod")
    completed = subprocess.run(
        [str(nb2prod), str(notebook), "-o", str(outdir)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return outdir


def assert_signed_model(
    tracking_uri: str, experiment_id: str, run_id: str, columns: list[str] | None
) -> None:
    """The run's one LoggedModel has a signature (named `columns`, or one tensor input when None) and an
    input example of 5 rows, and `mlflow.pyfunc` predicts on that example."""
    import mlflow
    from mlflow import MlflowClient

    [logged] = MlflowClient(tracking_uri).search_logged_models(
        [experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=logged.artifact_location, tracking_uri=tracking_uri
    )
    description = mlflow.models.Model.load(local)
    assert description.signature is not None and description.signature.outputs is not None
    if columns is None:
        [tensor] = description.signature.inputs.inputs
        assert tensor.shape == (-1, 4)
    else:
        assert description.signature.inputs.input_names() == columns
    model = mlflow.pyfunc.load_model(local)
    example = model.input_example
    assert len(example) == 5
    assert len(model.predict(example)) == 5
