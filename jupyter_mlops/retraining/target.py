"""What `jupyter-mlops run` is pointed at: a tagged notebook, or a package written by nb2prod (contract 2).

Both kinds implement one protocol, `Target` (like papermill's engines): `execute(parameters, place)` computes
one parameter set without MLflow and returns an `Outcome` (fan-out workers call it; so does the notebook's
tracked run), and `run(parameters, options, session)` makes one tracked run. Callers never ask which kind.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import numbers
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar, Protocol

from converters.errors import ConversionError
from converters.experiment_naming import metadata_experiment
from converters.magics import translate_cell
from converters.metrics import MetricSpec, metric_specs
from converters.parameters import parse_parameters_cell
from converters.tags import parse_cell_tags
from converters.training_data import TrainingInput, find_training_input
from jupyter_mlops.core.experiments import experiment_name_for
from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.models import first_rows
from jupyter_mlops.retraining.notebook_exec import execute_notebook
from jupyter_mlops.retraining.notebook_runner import RunOptions, RunResult, run_notebook
from jupyter_mlops.retraining.outcome import ExecutionPlace, Outcome
from jupyter_mlops.retraining.package_runner import run_package
from jupyter_mlops.retraining.params import ParameterSpec, spec_from_package

if TYPE_CHECKING:
    import nbformat  # imported where a notebook is read: a package run skips its ~1.5 s import

    from jupyter_mlops.core.session import TrackingSession


class Target(Protocol):
    """A notebook or a package, as `jupyter-mlops run` drives it."""

    kind: ClassVar[str]
    path: Path
    spec: ParameterSpec
    # whether fan-out may start computing before the tracking server has answered (nothing written to disk)
    computes_before_tracking: ClassVar[bool]

    @property
    def default_experiment(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    @property
    def model_variable(self) -> str | None: ...

    def known_metrics(self) -> list[str] | None:
        """The metric names a run will have, or None when only running it tells."""

    def execute(self, parameters: dict[str, object], place: ExecutionPlace) -> Outcome:
        """Compute one parameter set, no MLflow involved."""

    def run(self, parameters: dict[str, object], options: RunOptions, session: TrackingSession) -> RunResult:
        """One tracked run; raise RunFailedError when it fails (its run is marked FAILED)."""


def check_metric(target: Target, metric: str, *, listing: str) -> None:
    """Refuse `--metric` naming no metric of the target (when the target knows its metrics)."""
    known = target.known_metrics()
    if known is not None and metric not in known:
        raise BadInputError(
            f"--metric {metric!r} is not a metric of {target.path.name}; {listing}: {', '.join(known)}"
        )


@dataclass
class NotebookTarget:
    """A notebook, read and classified: its parameters, metric expressions and model variable."""

    path: Path
    notebook: nbformat.NotebookNode
    spec: ParameterSpec
    parameters_cell: int | None
    metrics: list[MetricSpec]
    model_variable: str | None
    source_sha256: str
    training_input: TrainingInput | None = None  # what the model is fitted on (its input example)

    kind: ClassVar[str] = "notebook"
    computes_before_tracking: ClassVar[bool] = False  # writes executed notebooks: waits for tracking

    @property
    def default_experiment(self) -> str:
        """The experiment the panel shows for this notebook (contract 1)."""
        return experiment_name_for(self.path, self.notebook.metadata)

    @property
    def display_name(self) -> str:
        """Short name for run names and messages."""
        return self.path.stem

    def known_metrics(self) -> list[str]:
        """The `metrics` cell's names, plus the duration every run logs."""
        return [spec.name for spec in self.metrics] + ["duration_seconds"]

    def execute(self, parameters: dict[str, object], place: ExecutionPlace) -> Outcome:
        """papermill in the notebook's folder; metrics and model handed out by the capture cell."""
        return execute_notebook(self, parameters, place)

    def run(self, parameters: dict[str, object], options: RunOptions, session: TrackingSession) -> RunResult:
        """One MLflow run around `execute` (notebook_runner.py)."""
        return run_notebook(self, parameters, options, session)


@dataclass
class PackageTarget:
    """A package nb2prod wrote: `<pkg>/pipeline.py` with PARAMETERS, PARAMETER_TYPES, run(), run_steps()."""

    path: Path
    name: str
    pipeline: ModuleType = field(repr=False)
    spec: ParameterSpec

    kind: ClassVar[str] = "package"
    computes_before_tracking: ClassVar[bool] = True  # run_steps makes no MLflow call and writes nothing

    @property
    def default_experiment(self) -> str:
        """EXPERIMENT_NAME baked in at conversion time (contract 2)."""
        return str(getattr(self.pipeline, "EXPERIMENT_NAME", self.name))

    @property
    def model_variable(self) -> str | None:
        """The `model:VAR` name the package logs as its model."""
        return getattr(self.pipeline, "MODEL_VARIABLE", None)

    @property
    def display_name(self) -> str:
        """Short name for run names and messages."""
        return self.name

    def known_metrics(self) -> None:
        """A package's metrics are known once it ran."""
        return None

    def execute(self, parameters: dict[str, object], place: ExecutionPlace) -> Outcome:
        """`pipeline.run_steps(**parameters)` in this process; its prints are kept for a failure's detail."""
        started = time.monotonic()
        printed = io.StringIO()  # 200 sets printing at once would bury the progress bar
        try:
            with contextlib.redirect_stdout(printed):
                outputs = self.pipeline.run_steps(**parameters)
        except Exception as error:
            return Outcome(
                duration_seconds=time.monotonic() - started,
                error=f"{type(error).__name__}: {error}",
                error_detail=printed.getvalue()[-2000:] + traceback.format_exc(limit=5),
            )
        raw_metrics = outputs.get("metrics", {}) or {}
        metrics = {name: value for name, raw in raw_metrics.items() if (value := _as_float(raw)) is not None}
        model = outputs.get(self.model_variable) if self.model_variable else None
        training_input = getattr(self.pipeline, "TRAINING_INPUT", None)
        return Outcome(
            duration_seconds=time.monotonic() - started,
            metrics=metrics,
            model=model,
            input_example=first_rows(outputs.get(training_input))
            if model is not None and training_input
            else None,
        )

    def run(self, parameters: dict[str, object], options: RunOptions, session: TrackingSession) -> RunResult:
        """The package's own tracked `run()` (package_runner.py)."""
        return run_package(self, parameters, options, session)


def _as_float(value: object) -> float | None:
    """A real number as float (bools and non-numbers are not metrics)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_notebook_target(path: Path) -> NotebookTarget:
    """Read a notebook and find its `parameters`, `metrics` and `model:VAR` cells (converter's tag rules)."""
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several unrelated types for unreadable files
        raise BadInputError(
            f"{path}: not a readable Jupyter notebook ({type(error).__name__}: {error})"
        ) from None
    parameters: list = []
    parameters_cell: int | None = None
    metrics: list[MetricSpec] = []
    model_variable: str | None = None
    try:
        metadata_experiment(notebook.metadata)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            tags = parse_cell_tags(cell.metadata.get("tags", []), cell_index=index)
            if tags.model:
                model_variable = tags.model
            if tags.role == "parameters" and parameters_cell is None:
                parameters_cell = index
                parameters = parse_parameters_cell(
                    cell.source, cell_index=index, tag=tags.label or "parameters"
                )
            elif tags.role == "metrics":
                metrics.extend(metric_specs(cell.source, cell_index=index, tag=tags.label or "metrics"))
    except ConversionError as error:
        raise BadInputError(f"{path}: {error}") from None
    return NotebookTarget(
        path=path.resolve(),
        notebook=notebook,
        spec=ParameterSpec(tuple(parameters)),
        parameters_cell=parameters_cell,
        metrics=metrics,
        model_variable=model_variable,
        source_sha256=file_sha256(path),
        training_input=notebook_training_input(notebook, model_variable),
    )


def notebook_training_input(
    notebook: nbformat.NotebookNode, model_variable: str | None
) -> TrainingInput | None:
    """The variable the notebook fits its model on (the converter's rule, on cells translated as nb2prod
    translates their magics)."""
    if model_variable is None:
        return None
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "skip" in cell.metadata.get("tags", []):
            continue
        try:
            cells.append((index, translate_cell(cell.source, cell_index=index).source))
        except ConversionError:  # a magic nb2prod refuses: passed over, like code that does not parse
            continue
    return find_training_input(cells, model_variable)


def package_folder(path: Path) -> Path | None:
    """The package folder holding pipeline.py: PATH itself, or nb2prod's OUTDIR holding one package."""
    if (path / "pipeline.py").is_file():
        return path
    candidates = sorted(child for child in path.iterdir() if (child / "pipeline.py").is_file())
    return candidates[0] if len(candidates) == 1 else None


def load_package_target(path: Path) -> PackageTarget:
    """Import `<pkg>.pipeline` from the folder nb2prod wrote."""
    folder = package_folder(path)
    if folder is None:
        raise BadInputError(
            f"{path}: not a notebook nor a package written by nb2prod "
            "(no pipeline.py in it or in one subfolder)"
        )
    folder = folder.resolve()
    parent = str(folder.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    try:
        pipeline = importlib.import_module(f"{folder.name}.pipeline")
    except Exception as error:
        raise BadInputError(
            f"{folder}: cannot import its pipeline ({type(error).__name__}: {error})"
        ) from None
    missing = [name for name in ("PARAMETERS", "run") if not hasattr(pipeline, name)]
    if missing:
        raise BadInputError(
            f"{folder}/pipeline.py lacks {', '.join(missing)} (see nb2prod's package contract)"
        )
    # computed defaults (`today = date.today()`) are known by name; the package computes their values
    computed = dict.fromkeys(getattr(pipeline, "COMPUTED_PARAMETERS", {}))
    defaults = {**dict(pipeline.PARAMETERS), **computed}
    spec = spec_from_package(defaults, dict(getattr(pipeline, "PARAMETER_TYPES", {})))
    return PackageTarget(path=folder, name=folder.name, pipeline=pipeline, spec=spec)


def load_target(path: str | Path) -> Target:
    """A notebook (`*.ipynb`) or an nb2prod package folder; anything else is refused."""
    target_path = Path(path)
    if not target_path.exists():
        raise BadInputError(f"{target_path}: no such notebook or package")
    if target_path.is_dir():
        return load_package_target(target_path)
    if target_path.suffix != ".ipynb":
        raise BadInputError(f"{target_path}: expected a .ipynb notebook or an nb2prod package folder")
    return load_notebook_target(target_path)
