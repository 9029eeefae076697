"""`jupyter-mlops run` and `schedule` refuse malformed notebook metadata: one line, exit 2, nothing made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from mlflow import MlflowClient

from tests.retraining.conftest import iris_cells

NOT_AN_OBJECT = 'notebook metadata \'jupyter_mlops\' must be an object like {"experiment": "NAME"},'


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            "oops",
            f"{NOT_AN_OBJECT} not 'oops'",
        ),
        (
            ["a", "list"],
            f"{NOT_AN_OBJECT} not ['a', 'list']",
        ),
        ({"experiment": 7}, "notebook metadata jupyter_mlops.experiment must be a string, not 7"),
    ],
)
def test_malformed_jupyter_mlops_metadata_exits_2(
    cli, make_notebook: Callable[..., Path], local_store: str, tmp_path: Path, settings: object, message: str
) -> None:
    notebook = make_notebook("bad_metadata.ipynb", iris_cells())
    document = nbformat.read(str(notebook), as_version=4)
    document.metadata["jupyter_mlops"] = settings
    nbformat.write(document, str(notebook))
    result = cli("run", notebook, "--experiment", "never-created")
    assert result.exit_code == 2
    assert result.output.strip() == f"jupyter-mlops: {notebook.resolve().parent / notebook.name}: {message}"
    assert MlflowClient(local_store).get_experiment_by_name("never-created") is None
    scheduled = cli("schedule", notebook, "--cron", "0 3 * * 1", "-o", tmp_path / "schedule")
    assert scheduled.exit_code == 2
    assert (
        scheduled.output.strip() == f"jupyter-mlops: {notebook.resolve().parent / notebook.name}: {message}"
    )
    assert not (tmp_path / "schedule").exists()
