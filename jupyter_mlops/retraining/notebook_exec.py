"""Execute a notebook once with papermill — no MLflow here, so fan-out workers can call it too."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from converters.metrics import MetricSpec
from converters.training_data import TrainingInput
from jupyter_mlops.retraining.capture import capture_cell, read_captured
from jupyter_mlops.retraining.models import load_pickled
from jupyter_mlops.retraining.outcome import CellFailure, ExecutionPlace, Outcome

if TYPE_CHECKING:
    import nbformat

PAPERMILL_PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


class ExecutableNotebook(Protocol):
    """What executing reads of a notebook target (target.NotebookTarget has it)."""

    path: Path
    notebook: nbformat.NotebookNode
    parameters_cell: int | None
    metrics: list[MetricSpec]
    model_variable: str | None
    training_input: TrainingInput | None


def prepared_notebook(target: ExecutableNotebook, capture_folder: Path) -> nbformat.NotebookNode:
    """A copy with papermill's `parameters` tag on the parameters cell (Kale spells it differently) and the
    capture cell appended."""
    notebook = copy.deepcopy(target.notebook)
    if target.parameters_cell is not None:
        tags = list(notebook.cells[target.parameters_cell].metadata.get("tags", []))
        if PAPERMILL_PARAMETERS_TAG not in tags:
            notebook.cells[target.parameters_cell].metadata["tags"] = [*tags, PAPERMILL_PARAMETERS_TAG]
    if target.metrics or target.model_variable:
        training = target.training_input.variable if target.training_input else None
        notebook.cells.append(capture_cell(target.metrics, target.model_variable, capture_folder, training))
    language_info = notebook.metadata.setdefault("language_info", {})
    language_info.setdefault("name", "python")
    return notebook


def _source_index(executed: nbformat.NotebookNode, index: int) -> int:
    """Executed-notebook cell index → the index in the user's notebook (papermill inserts cells)."""
    injected = sum(
        1 for cell in executed.cells[:index] if INJECTED_TAG in cell.get("metadata", {}).get("tags", [])
    )
    return index - injected


def _failure_from_papermill(error: Exception, output_path: Path) -> CellFailure:
    from papermill.exceptions import PapermillExecutionError

    assert isinstance(error, PapermillExecutionError)
    try:
        executed = _read(output_path)
        # papermill adds two marker cells (one on top) before raising; drop them to index like the source
        executed.cells = [
            cell
            for cell in executed.cells
            if "papermill-error-cell-tag" not in cell.get("metadata", {}).get("tags", [])
        ]
        failing = executed.cells[error.cell_index] if error.cell_index < len(executed.cells) else None
        in_capture = failing is not None and "jupyter-mlops-capture" in failing.metadata.get("tags", [])
        index = _source_index(executed, error.cell_index)
    except (OSError, ValueError):
        in_capture, index = False, error.cell_index
    return CellFailure(
        cell_index=index,
        execution_count=error.exec_count,
        ename=str(error.ename),
        evalue=str(error.evalue),
        in_capture_cell=in_capture,
    )


def _dead_kernel_failure(error: Exception, output_path: Path) -> CellFailure:
    """The last cell papermill started before the kernel died, from the saved notebook."""
    index: int | None = None
    try:
        executed = _read(output_path)
        for position, cell in enumerate(executed.cells):
            if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
                index = _source_index(executed, position)
    except (OSError, ValueError):
        pass
    return CellFailure(
        cell_index=index, execution_count=None, ename="DeadKernelError", evalue=str(error) or "kernel died"
    )


def execute_notebook(
    target: ExecutableNotebook, parameters: dict[str, object], place: ExecutionPlace
) -> Outcome:
    """Run the notebook with papermill (parameters injected after the parameters cell) in its own folder;
    the metrics and model the capture cell handed out, or the failing cell."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    output_path, capture_folder = place.output_path, place.capture_folder
    capture_folder.mkdir(parents=True, exist_ok=True)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    notebook = prepared_notebook(target, capture_folder)
    started = time.monotonic()
    failure: CellFailure | None = None
    try:
        papermill.execute_notebook(
            notebook,
            str(output_path),
            parameters=parameters or None,
            kernel_name=place.kernel_name,
            cwd=str(target.path.parent),
            progress_bar=False,
            execution_timeout=place.cell_timeout,
        )
    except PapermillExecutionError as error:
        failure = _failure_from_papermill(error, output_path)
    except DeadKernelError as error:
        failure = _dead_kernel_failure(error, output_path)
    outcome = Outcome(duration_seconds=time.monotonic() - started, executed_notebook=str(output_path))
    if failure is not None:
        outcome.failure, outcome.error = failure, failure.describe(target.path)
        return outcome
    captured = read_captured(capture_folder)
    outcome.metrics, outcome.problems = dict(captured.metrics), list(captured.problems)
    if captured.model_path and captured.model_is_sklearn:
        outcome.model_path = captured.model_path
        if captured.input_example_path:
            outcome.input_example = load_pickled(captured.input_example_path)
    elif captured.model_path:
        outcome.model_type = captured.model_type
    return outcome


def _read(path: Path) -> nbformat.NotebookNode:
    """An executed notebook (nbformat is imported here, on a notebook target's path only)."""
    import nbformat

    return nbformat.read(str(path), as_version=4)
