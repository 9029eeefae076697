"""The orchestration module `<pkg>/pipeline.py` (contract 2), `__init__.py` and `__main__.py`."""

from __future__ import annotations

import json
from importlib import resources

from converters.plan import Plan


def _template(name: str) -> str:
    return resources.files("converters").joinpath("templates", name).read_text(encoding="utf-8")


def _python_literal(value: object) -> str:
    return repr(value)


def dict_literal(items: dict[str, object], indent: str = "") -> str:
    """A dict literal on one line when short, else one entry per line (nested dicts likewise)."""
    inline = "{" + ", ".join(f"{key!r}: {value!r}" for key, value in items.items()) + "}"
    if len(inline) + len(indent) <= 60 or not items:
        return inline
    inner = indent + "    "
    lines = [
        f"{inner}{key!r}: {dict_literal(value, inner) if isinstance(value, dict) else repr(value)},"
        for key, value in items.items()
    ]
    return "{\n" + "\n".join(lines) + f"\n{indent}}}"


def _steps_table(plan: Plan) -> str:
    rows = []
    for step in plan.steps:
        rows.append(
            f"    Step(\n"
            f"        {step.name!r},\n"
            f"        steps.{step.function_name},\n"
            f"        inputs={tuple(step.inputs)!r},\n"
            f"        outputs={tuple(step.outputs)!r},\n"
            f"        cells={tuple(step.cells)!r},\n"
            f"        kind={step.kind!r},\n"
            f"    ),\n"
        )
    return "".join(rows)


def pipeline_module(plan: Plan, package: str, experiment_name: str, notebook_file: str) -> str:
    """The whole `pipeline.py`, from the template."""
    replacements = {
        "@@PACKAGE@@": package,
        "@@NOTEBOOK_NAME@@": plan.notebook.path.name,
        "@@NOTEBOOK_FILE@@": json.dumps(notebook_file),
        "@@NOTEBOOK_SHA256@@": json.dumps(plan.notebook.sha256),
        "@@EXPERIMENT_NAME@@": json.dumps(experiment_name),
        "@@MODEL_VARIABLE@@": _python_literal(plan.model_variable),
        "@@PARAMETERS@@": dict_literal({p.name: p.default for p in plan.parameters}),
        "@@PARAMETER_TYPES@@": dict_literal({p.name: p.type_name for p in plan.parameters}),
        "@@PARAMETER_HELP@@": dict_literal({p.name: p.comment for p in plan.parameters}),
        "@@OPTIONAL_PARAMETERS@@": repr(sorted(p.name for p in plan.parameters if p.optional)),
        "@@STEPS@@": _steps_table(plan),
    }
    text = _template("pipeline.py.tmpl")
    for marker, value in replacements.items():
        text = text.replace(marker, value)
    return text


def init_module(plan: Plan, package: str) -> str:
    """`<pkg>/__init__.py`: re-exports the contract's names."""
    return (
        f'"""Production package converted by nb2prod from `{plan.notebook.path.name}`."""\n\n'
        f"from {package}.pipeline import (\n"
        "    EXPERIMENT_NAME,\n    MODEL_VARIABLE,\n    PARAMETER_TYPES,\n    PARAMETERS,\n"
        "    main,\n    run,\n    run_steps,\n)\n\n"
        '__all__ = ["EXPERIMENT_NAME", "MODEL_VARIABLE", "PARAMETERS", "PARAMETER_TYPES", "main", "run",'
        ' "run_steps"]\n'
    )


def main_module(package: str) -> str:
    """`<pkg>/__main__.py`."""
    return (
        f'"""`python -m {package}`: run the pipeline and print the MLflow run id."""\n\n'
        "import sys\n\n"
        f"from {package}.pipeline import main\n\n"
        "sys.exit(main())\n"
    )
