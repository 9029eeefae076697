"""Convert to production: nb2prod's library (convert, then write) as contract data for the panel.

The caller (the server) has already confined both paths to the Jupyter root; this module turns nb2prod's
plan into a `ConversionReport` and its `ConversionError` into a `ConversionRefusal` with the cell and line.
"""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath

from converters.convert import Conversion, convert
from converters.errors import ConversionError, OutputBusyError
from converters.manifest import MANIFEST_NAME
from converters.write import write_package
from jupyter_mlops.core.contract import (
    ConversionRefusal,
    ConversionReport,
    ConvertedParameter,
    ConvertedStep,
    ConvertResponse,
    DroppedCell,
)
from jupyter_mlops.core.errors import Conflict

OUTPUT_SUFFIX = "_prod"
REPORT_NAME = "CONVERSION_REPORT.md"


def default_output(notebook: str) -> str:
    """`work/Iris Classifier.ipynb` → `work/Iris Classifier_prod` (contents-API paths)."""
    path = PurePosixPath(notebook)
    return posixpath.join(str(path.parent), f"{path.stem}{OUTPUT_SUFFIX}").removeprefix("./")


def is_generated_package(folder: Path) -> bool:
    """Whether `folder` holds a package nb2prod wrote (its manifest)."""
    return (folder / MANIFEST_NAME).is_file()


def report_of(conversion: Conversion, output: str) -> ConversionReport:
    """The plan nb2prod built, as the data CONVERSION_REPORT.md shows (`output` is the API path)."""
    plan = conversion.plan
    steps = [
        ConvertedStep(
            name=step.name,
            function_name=step.function_name,
            kind=step.kind,
            cells=list(step.cells),
            inputs=list(step.inputs),
            outputs=[spec.name for spec in step.metrics] if step.kind == "metrics" else list(step.outputs),
        )
        for step in plan.steps
    ]
    parameters = [ConvertedParameter(p.name, p.type_name, repr(p.default)) for p in plan.parameters]
    translations = list(plan.notes) + [
        f"requirement from `pip install`: {name}" for name in plan.requirements
    ]
    return ConversionReport(
        package=conversion.package,
        steps=steps,
        parameters=parameters,
        model_variable=plan.model_variable,
        dropped=[DroppedCell(index, reason) for index, reason in plan.dropped],
        translations=translations,
        warnings=list(plan.warnings),
        files=sorted([*conversion.files, MANIFEST_NAME]),
        report_path=posixpath.join(output, REPORT_NAME),
    )


def refusal_of(error: ConversionError, root: Path) -> ConversionRefusal:
    """nb2prod's one-line error (`cell 3 (tag step:train), line 2: ...`) with its place in the notebook as
    fields; paths in it are shown relative to the Jupyter root."""
    return ConversionRefusal(
        message=str(error).replace(f"{root}/", "").replace(str(root), "."),
        kind=type(error).__name__,
        cell_index=error.cell_index,
        tag=error.tag,
        line=error.line,
    )


def convert_notebook(
    notebook_file: Path, output_dir: Path, *, root: Path, notebook: str, output: str, force: bool
) -> ConvertResponse:
    """Convert `notebook_file` and write the package to `output_dir` (blocking: run it on a thread).

    `notebook` and `output` are the API paths the answer names, `root` the Jupyter root (resolved). A
    notebook nb2prod cannot convert, or an output folder it may not write, is a refusal (nothing written);
    another conversion writing the same folder right now is a Conflict.
    """
    try:
        conversion = convert(notebook_file)
        write_package(output_dir, conversion.files, force=force, notebook=notebook_file)
    except OutputBusyError as error:
        raise Conflict(str(error)) from None
    except ConversionError as error:
        return ConvertResponse(
            notebook, output, converted=False, report=None, refusal=refusal_of(error, root)
        )
    return ConvertResponse(
        notebook, output, converted=True, report=report_of(conversion, output), refusal=None
    )
