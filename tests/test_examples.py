"""The example notebooks: valid, tagged as documented, runnable, in step with their generated packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from converters.metrics import metric_names
from converters.parameters import parse_parameters_cell
from converters.tags import parse_cell_tags

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NB2PROD = Path(sys.executable).parent / "nb2prod"

# What examples/README.md and the README's tutorial promise about each notebook.
PROMISED = {
    "iris_classifier": {
        "tags": {
            "imports",
            "parameters",
            "functions",
            "step:load",
            "step:prepare",
            "step:train",
            "model:model",
            "step:evaluate",
            "metrics",
            "test",
            "skip",
        },
        "parameters": {"n_estimators": 100, "max_depth": 5, "test_size": 0.2, "random_state": 42},
        "metrics": ["accuracy", "f1_macro", "roc_auc"],
    },
    "wine_quality_kale": {
        "tags": {
            "imports",
            "pipeline-parameters",
            "block:load_data",
            "block:preprocess",
            "prev:load_data",
            "block:train",
            "prev:preprocess",
            "model:clf",
            "block:evaluate",
            "prev:train",
            "pipeline-metrics",
            "skip",
        },
        "parameters": {"regularization": 1.0, "max_iter": 500, "test_size": 0.25, "seed": 7},
        "metrics": ["accuracy", "f1_weighted", "test_log_loss"],
    },
    "diabetes_regression": {
        "tags": {
            "imports",
            "parameters",
            "step:load",
            "step:split",
            "step:train",
            "model:model",
            "step:evaluate",
            "metrics",
            "test",
        },
        "parameters": {"alpha": 0.1, "test_size": 0.2, "random_state": 42},
        "metrics": ["rmse", "mae", "r2"],
    },
}
NAMES = sorted(PROMISED)


def read_example(name: str) -> nbformat.NotebookNode:
    """The example notebook `name`, read as nbformat 4."""
    return nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)


def cells_with_role(notebook: nbformat.NotebookNode, role: str) -> list[nbformat.NotebookNode]:
    """The code cells whose tags give them `role` (aliases such as `pipeline-metrics` included)."""
    return [
        cell
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and parse_cell_tags(cell.metadata.get("tags", []), cell_index=index).role == role
    ]


def test_the_examples_folder_holds_exactly_the_documented_notebooks() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.ipynb")) == NAMES
    readme = (EXAMPLES / "README.md").read_text()
    for name in NAMES:
        assert f"`{name}.ipynb`" in readme


@pytest.mark.parametrize("name", NAMES)
def test_example_is_valid_nbformat_with_a_python_kernel(name: str) -> None:
    notebook = read_example(name)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    # Without file_extension, `nbconvert --to script` writes .txt (the pipeline benchmark needs .py).
    assert notebook.metadata.language_info.file_extension == ".py"
    assert notebook.cells[0].cell_type == "markdown"


@pytest.mark.parametrize("name", NAMES)
def test_example_is_stored_without_outputs(name: str) -> None:
    for cell in read_example(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.id
            assert cell.execution_count is None, cell.id


@pytest.mark.parametrize("name", NAMES)
def test_example_has_the_promised_tags_and_every_tag_parses(name: str) -> None:
    notebook = read_example(name)
    found = set()
    for index, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags", [])
        parse_cell_tags(tags, cell_index=index)
        found.update(tags)
    assert found == PROMISED[name]["tags"]


@pytest.mark.parametrize("name", NAMES)
def test_example_parameters_and_metrics_are_the_documented_ones(name: str) -> None:
    notebook = read_example(name)
    (parameters_cell,) = cells_with_role(notebook, "parameters")
    defaults = {
        parameter.name: parameter.default for parameter in parse_parameters_cell(parameters_cell.source)
    }
    assert defaults == PROMISED[name]["parameters"]
    (metrics_cell,) = cells_with_role(notebook, "metrics")
    assert metric_names(metrics_cell.source) == PROMISED[name]["metrics"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_example_runs_top_to_bottom_in_a_real_kernel(name: str, tmp_path: Path) -> None:
    import papermill

    executed = papermill.execute_notebook(
        str(EXAMPLES / f"{name}.ipynb"),
        str(tmp_path / f"{name}.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    errors = [
        output
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("name", NAMES)
def test_generated_package_is_in_step_with_its_notebook(name: str) -> None:
    generated = EXAMPLES / "generated" / name
    assert generated.is_dir(), f"regenerate it: nb2prod examples/{name}.ipynb -o examples/generated/{name}"
    completed = subprocess.run(
        [str(NB2PROD), "--check", str(EXAMPLES / f"{name}.ipynb"), "-o", str(generated)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_generated_package_passes_its_own_tests(name: str, tmp_path: Path) -> None:
    """`pytest OUTDIR` on the checked-in package: step tests, the notebook's test cells, parity."""
    package_copy = tmp_path / name
    shutil.copytree(EXAMPLES / "generated" / name, package_copy)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package_copy)],
        capture_output=True,
        text=True,
        cwd=package_copy,
        env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"},
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout
