"""The converter's passes in order: read → plan (classify, dataflow, check) → emit; writes nothing."""

from __future__ import annotations

import keyword
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from converters.ci import CiOptions, ci_context
from converters.emit import ci_files, orchestration, project, runtime, tests
from converters.errors import ConversionError
from converters.experiment_naming import experiment_name_for, metadata_experiment
from converters.notebook import read_notebook
from converters.plan import Plan, build_plan


@dataclass(frozen=True)
class Conversion:
    """The result: the plan, the package name, and every file to write (relative path → bytes)."""

    plan: Plan
    package: str
    files: dict[str, bytes]
    report: str


def package_name_for(notebook: Path) -> str:
    """`Iris Classifier.ipynb` → `iris_classifier`."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", notebook.stem).strip("_").lower() or "pipeline"
    return f"nb_{name}" if name[0].isdigit() else name


def check_package_name(name: str) -> None:
    """Refuse names that are not identifiers or that would shadow a standard-library module."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ConversionError(f"package name {name!r} is not a Python identifier; choose one with --name")
    if name in sys.stdlib_module_names or name in (
        "mlflow",
        "sklearn",
        "pandas",
        "numpy",
        "tests",
        "conftest",
    ):
        raise ConversionError(
            f"package name {name!r} would shadow the module of that name; choose one with --name"
        )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def recorded_workdir(notebook_path: Path, package_folder: Path | None) -> str:
    """The notebook's folder as the package records it: relative to `package_folder` when there is a
    relative path (so the package and its data can move together), else absolute."""
    folder = notebook_path.resolve().parent
    if package_folder is None:
        return folder.as_posix()
    try:
        return Path(os.path.relpath(folder, package_folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return folder.as_posix()


def convert(
    notebook_path: Path,
    package: str | None = None,
    progress: Callable[[str], None] | None = None,
    out_dir: Path | None = None,
    ci: CiOptions | None = None,
) -> Conversion:
    """Run every pass over the notebook and return the files of the package (ConversionError on bad input).
    `out_dir`: where the package will be written (the pipeline records the notebook's folder from there);
    `ci`: also write a CI file for it (`nb2prod --ci`)."""
    say = progress or (lambda message: None)
    say(f"reading {notebook_path}")
    notebook_file = notebook_path.name
    if not notebook_file.isprintable() or not _is_utf8(notebook_file):
        raise ConversionError(
            f"the notebook's file name {notebook_file!r} has control characters or is not UTF-8; rename it"
        )
    notebook = read_notebook(notebook_path)
    name = package or package_name_for(notebook_path)
    check_package_name(name)
    say(f"analysing {len(notebook.cells)} cells")
    plan = build_plan(notebook)
    metadata_experiment(notebook.metadata)  # malformed jupyter_mlops metadata: one line, exit 2
    experiment = experiment_name_for(notebook_path, notebook.metadata)
    notebook_file = notebook.ipynb_name  # a Jupytext .py/.md notebook travels as .ipynb
    say(f"emitting {len(plan.steps)} steps as package {name}")
    report = project.conversion_report(plan, name)
    ci_text: tuple[str, str] | None = None
    if ci is not None:
        if out_dir is None:
            raise ConversionError(
                "--ci needs -o OUTDIR (paths in the CI file are relative to the repository)"
            )
        metrics = [spec.name for step in plan.steps for spec in step.metrics]
        context = ci_context(
            ci,
            name,
            notebook_path,
            out_dir,
            metrics,
            project.python_version(plan),
            project.jupyter_mlops_requirement(),
        )
        ci_text = ci_files.ci_file(context)
        report += "\n## CI\n\n" + "".join(f"{line}\n" for line in ci_files.report_lines(context))
    text_files = {
        f"{name}/__init__.py": orchestration.init_module(name, notebook_file, plan),
        f"{name}/figures.py": orchestration.figures_module(name, notebook_file),
        f"{name}/plot_backend.py": orchestration.plot_backend_module(name),
        f"{name}/__main__.py": orchestration.main_module(name),
        f"{name}/steps.py": runtime.runtime_module(plan),
        f"{name}/pipeline.py": orchestration.pipeline_module(
            plan, name, experiment, notebook_file, recorded_workdir(notebook_path, out_dir and out_dir / name)
        ),
        f"{name}/testing.py": tests.testing_module(name),
        "tests/conftest.py": tests.conftest_module(name),
        f"tests/test_{name}_steps.py": tests.steps_test_module(name),
        f"tests/test_{name}_cells.py": tests.cells_test_module(plan, name),
        f"tests/test_{name}_parity.py": tests.parity_module(plan, name),
        "requirements.txt": project.requirements_txt(plan),
        "requirements-test.txt": project.requirements_test_txt(),
        "MLproject": project.mlproject(plan, name),
        "python_env.yaml": project.python_env(plan),
        "README.md": project.package_readme(plan, name),
        "CONVERSION_REPORT.md": report,
    }
    if ci_text is not None:
        text_files[ci_text[0]] = ci_text[1]
    files = {path: text.encode("utf-8") for path, text in text_files.items()}
    files[f"{name}/{notebook_file}"] = notebook.ipynb or notebook.raw
    return Conversion(plan=plan, package=name, files=dict(sorted(files.items())), report=report)
