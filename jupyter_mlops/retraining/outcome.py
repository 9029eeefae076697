"""The data between a target and whoever tracks it: where one execution may write, and what it produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CellFailure:
    """Where and how the notebook failed: cell index in the *source* notebook, error name and value."""

    cell_index: int | None
    execution_count: int | None
    ename: str
    evalue: str
    in_capture_cell: bool = False

    def describe(self, notebook: Path) -> str:
        """`cell 4 of iris.ipynb raised ValueError: ...` (or the dead-kernel equivalent)."""
        if self.ename == "DeadKernelError":
            where = f"cell {self.cell_index}" if self.cell_index is not None else "a cell"
            return f"the kernel died while running {where} of {notebook.name}: {self.evalue}"
        if self.in_capture_cell:
            return f"capturing the metrics/model of {notebook.name} failed: {self.ename}: {self.evalue}"
        return f"cell {self.cell_index} of {notebook.name} raised {self.ename}: {self.evalue}"


@dataclass(frozen=True)
class ExecutionPlace:
    """Where one execution may write (its executed notebook, the values it hands out) and how it runs."""

    output_path: Path
    capture_folder: Path
    kernel_name: str | None = None
    cell_timeout: float | None = None


@dataclass
class Outcome:
    """What one execution produced, before anything is tracked; small enough to cross a process boundary
    once `model` (the object, in the process that ran it) is dropped or written to `model_path`."""

    duration_seconds: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # one line: `cell 3 of iris.ipynb raised ValueError: ...`
    error_detail: str = ""  # the last printed lines and traceback, when the target has them
    failure: CellFailure | None = None  # the failing cell, for a notebook
    problems: list[str] = field(default_factory=list)  # values the capture could not hand out
    model: object | None = None
    model_path: str | None = None  # a pickled scikit-learn model on disk
    input_example: object | None = None  # the first rows of the model's training data (small)
    model_type: str | None = None  # set when the model variable holds something that is not scikit-learn
    executed_notebook: str | None = None
