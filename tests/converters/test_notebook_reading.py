"""nb2prod reads what Jupyter reads: imperfect nbformat 4, papermill output notebooks, Jupytext files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from papermill.parameterize import parameterize_notebook

from converters.notebook import read_notebook

RunCli = Callable[..., tuple[int, str, str]]


def notebook_json(cells: list[dict[str, Any]], minor: int = 5) -> dict[str, Any]:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def code(source: str, *tags: str, **extra: Any) -> dict[str, Any]:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)} if tags else {}, **extra}


def test_cells_without_id_outputs_or_execution_count_are_read_as_jupyter_reads_them(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "loose.ipynb"
    cells = [
        code("x = 1", "step:load"),
        {"cell_type": "markdown", "source": "text"},
        code("y = x + 1", "step:use"),
    ]
    path.write_text(json.dumps(notebook_json(cells)))
    code_, out, err = run_cli(path, "-o", tmp_path / "out")
    assert code_ == 0, err
    assert "read: 3 cell(s) without a unique id given one, as nbformat does" in out
    assert "read: 2 cell(s) without 'outputs' given an empty one" in out
    assert "read: 1 cell(s) without 'metadata' given an empty one" in out
    copied = nbformat.read(tmp_path / "out" / "loose" / "loose.ipynb", as_version=nbformat.NO_CONVERT)
    nbformat.validate(copied)  # the package holds a notebook Jupyter and papermill read without repair
    assert [cell.id for cell in copied.cells] == ["cell-0", "cell-1", "cell-2"]
    assert run_cli(path, "-o", tmp_path / "out", "--check")[0] == 0  # the same bytes every time


def test_repeated_cell_ids_are_made_unique(tmp_path: Path) -> None:
    path = tmp_path / "twice.ipynb"
    cells = [code("x = 1", id="same", outputs=[], execution_count=None)] * 2
    path.write_text(json.dumps(notebook_json(cells)))
    notebook = read_notebook(path)
    assert [cell["id"] for cell in json.loads(notebook.ipynb)["cells"]] == ["same", "cell-1"]
    assert notebook.notes == ("read: 1 cell(s) without a unique id given one, as nbformat does",)


def test_an_older_minor_version_with_ids_is_upgraded_and_a_valid_one_is_kept_byte_for_byte(
    tmp_path: Path,
) -> None:
    with_ids = tmp_path / "with_ids.ipynb"
    cells = [code("x = 1", "step:load", id="abc", outputs=[], execution_count=None)]
    with_ids.write_text(json.dumps(notebook_json(cells, minor=2)))
    upgraded = read_notebook(with_ids)
    assert upgraded.notes[0] == "read: nbformat 4.2 upgraded to 4.5 (cell ids added), as nbformat does"
    document = json.loads(upgraded.ipynb)
    assert (document["nbformat_minor"], document["metadata"]["orig_nbformat_minor"]) == (5, 2)
    assert document["cells"][0]["id"] == "cell-0"

    valid = tmp_path / "valid.ipynb"
    valid.write_text(json.dumps(notebook_json([code("x = 1", outputs=[], execution_count=None)], minor=4)))
    kept = read_notebook(valid)
    assert kept.ipynb == valid.read_bytes() and kept.notes == ()


def papermill_output(tmp_path: Path, with_parameters_cell: bool) -> Path:
    """A notebook as papermill leaves it: its own `injected-parameters` cell (papermill's own code)."""
    node = nbformat.v4.new_notebook()
    node.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if with_parameters_cell:
        defaults = nbformat.v4.new_code_cell("alpha = 0.1\nlabel = 'base'")
        defaults.metadata["tags"] = ["parameters"]
        node.cells.append(defaults)
    step = nbformat.v4.new_code_cell("scaled = alpha * 2")
    step.metadata["tags"] = ["step:scale"]
    node.cells.append(step)
    node.metadata["papermill"] = {}  # papermill's execute_notebook sets this before parameterizing
    node = parameterize_notebook(node, {"alpha": 0.5}, kernel_name="python3", language="python")
    path = tmp_path / "output.ipynb"
    nbformat.write(node, path)
    return path


def test_papermill_injected_values_override_the_parameters_cell_defaults(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = papermill_output(tmp_path, with_parameters_cell=True)
    code_, out, err = run_cli(path, "-o", tmp_path / "out")
    assert code_ == 0, err
    assert "| alpha | float | `0.5` |" in out and "| label | str | `'base'` |" in out
    assert (
        "cell 1 (papermill's injected-parameters): its values override the defaults of the parameters cell 0"
    ) in out
    assert "- cell 1: tag skip" in out  # the injected cell is not a step of its own
    pipeline = (tmp_path / "out" / "output" / "pipeline.py").read_text()
    assert "PARAMETERS: dict[str, object] = {'alpha': 0.5, 'label': 'base'}" in pipeline.replace('"', "'")


def test_papermill_injected_cell_without_a_parameters_cell_is_the_parameters_cell(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = papermill_output(tmp_path, with_parameters_cell=False)
    code_, out, err = run_cli(path, "-o", tmp_path / "out")
    assert code_ == 0, err
    assert "| alpha | float | `0.5` |" in out
    assert "its values override the defaults of the notebook (no parameters cell)" in out


PERCENT_SCRIPT = """\
# %% [markdown]
# # Analysis

# %% tags=["parameters"]
factor = 3

# %% tags=["step:load"]
values = [1, 2, 3]

# %% tags=["step:scale"]
scaled = [factor * value for value in values]
"""

MARKDOWN_NOTEBOOK = """\
# Analysis

```python tags=["parameters"]
factor = 3
```

```python tags=["step:load"]
values = [1, 2, 3]
```
"""


@pytest.mark.parametrize(
    ("file_name", "text"), [("analysis.py", PERCENT_SCRIPT), ("notes.md", MARKDOWN_NOTEBOOK)]
)
def test_jupytext_notebooks_are_read_directly(
    run_cli: RunCli, tmp_path: Path, file_name: str, text: str
) -> None:
    path = tmp_path / file_name
    path.write_text(text)
    code_, out, err = run_cli(path, "-o", tmp_path / "out")
    assert code_ == 0, err
    assert "| factor | int | `3` |" in out
    assert "| `load` |" in out
    stem = path.stem
    copied = tmp_path / "out" / stem / f"{stem}.ipynb"
    nbformat.validate(nbformat.read(copied, as_version=nbformat.NO_CONVERT))  # what papermill will run
    assert f'NOTEBOOK_FILE = "{stem}.ipynb"' in (tmp_path / "out" / stem / "pipeline.py").read_text()
    assert not (tmp_path / "out" / stem / file_name).exists()
    assert run_cli(path, "-o", tmp_path / "out", "--check")[0] == 0  # deterministic: no random cell ids


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["jupytext", "papermill"])
def test_packages_from_jupytext_and_papermill_notebooks_pass_their_parity_test(
    run_cli: RunCli, tmp_path: Path, kind: str
) -> None:
    from tests.converters.test_end_to_end import run_generated_tests

    if kind == "jupytext":
        path = tmp_path / "analysis.py"
        path.write_text(PERCENT_SCRIPT)
    else:
        path = papermill_output(tmp_path, with_parameters_cell=True)
    assert run_cli(path, "-o", tmp_path / "out")[0] == 0
    completed = run_generated_tests(tmp_path / "out", "-s")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "scale: equal — scaled\n" in completed.stdout
