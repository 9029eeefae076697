"""What `jupyter-mlops run` is pointed at: a tagged notebook, or a package written by nb2prod (contract 2)."""

from __future__ import annotations

import hashlib
import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat

from converters.errors import ConversionError
from converters.experiment_naming import metadata_experiment
from converters.metrics import MetricSpec, metric_specs
from converters.parameters import parse_parameters_cell
from converters.tags import parse_cell_tags
from jupyter_mlops.core.experiments import experiment_name_for
from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.params import ParameterSpec, spec_from_package

PAPERMILL_PARAMETERS_TAG = "parameters"


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

    kind = "notebook"

    @property
    def default_experiment(self) -> str:
        """The experiment the panel shows for this notebook (contract 1)."""
        return experiment_name_for(self.path, self.notebook.metadata)

    @property
    def display_name(self) -> str:
        """Short name for run names and messages."""
        return self.path.stem


@dataclass
class PackageTarget:
    """A package nb2prod wrote: `<pkg>/pipeline.py` with PARAMETERS, PARAMETER_TYPES, run(), run_steps()."""

    path: Path
    name: str
    pipeline: ModuleType = field(repr=False)
    spec: ParameterSpec

    kind = "package"

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


Target = NotebookTarget | PackageTarget


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_notebook_target(path: Path) -> NotebookTarget:
    """Read a notebook and find its `parameters`, `metrics` and `model:VAR` cells (converter's tag rules)."""
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
    )


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
    spec = spec_from_package(dict(pipeline.PARAMETERS), dict(getattr(pipeline, "PARAMETER_TYPES", {})))
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
