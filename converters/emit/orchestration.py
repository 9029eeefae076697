"""The orchestration module `<pkg>/pipeline.py` (contract 2), `__init__.py` and `__main__.py`."""

from __future__ import annotations

import libcst as cst

from converters.data_files import read_paths
from converters.emit.literals import identifier, literal, vertical_call, vertical_tuple
from converters.emit.templates import render
from converters.plan import Plan, StepPlan
from converters.training_data import INPUT_EXAMPLE_ROWS

PLOTTING_MODULES = frozenset({"matplotlib", "seaborn"})  # importing these selects a backend


def _step_entry(step: StepPlan) -> cst.Call:
    """`Step('load', steps.load, inputs=(...), outputs=(...), cells=(...), kind='step')`, one per line."""
    arguments = [
        cst.Arg(literal(step.name)),
        cst.Arg(cst.Attribute(cst.Name("steps"), identifier(step.function_name))),
        cst.Arg(literal(tuple(step.inputs)), keyword=cst.Name("inputs")),
        cst.Arg(literal(tuple(step.outputs)), keyword=cst.Name("outputs")),
        cst.Arg(literal(tuple(step.cells)), keyword=cst.Name("cells")),
        cst.Arg(literal(step.kind), keyword=cst.Name("kind")),
    ]
    return vertical_call(cst.Name("Step"), arguments, "    ")


def pipeline_module(
    plan: Plan, package: str, experiment_name: str, notebook_file: str, workdir: str = "."
) -> str:
    """The whole `pipeline.py`: the template with every value as a literal node. `workdir`: the
    notebook's folder, relative to the package's folder when possible."""
    parameters = plan.parameters
    values: dict[str, cst.BaseExpression] = {
        "NOTEBOOK_FILE": literal(notebook_file),
        "NOTEBOOK_SHA256": literal(plan.notebook.sha256),
        "EXPERIMENT_NAME": literal(experiment_name),
        "MODEL_VARIABLE": literal(plan.model_variable),
        "TRAINING_INPUT": literal(plan.training_input.variable if plan.training_input else None),
        "INPUT_EXAMPLE_ROWS": literal(INPUT_EXAMPLE_ROWS),
        "PARAMETERS": literal({p.name: p.default for p in parameters if not p.computed}),
        "COMPUTED_PARAMETERS": literal({p.name: p.expression for p in parameters if p.computed}),
        "PARAMETER_TYPES": literal({p.name: p.type_name for p in parameters}),
        "PARAMETER_HELP": literal({p.name: p.comment for p in parameters}),
        "OPTIONAL_PARAMETERS": literal(sorted(p.name for p in parameters if p.optional)),
        "WORKDIR": literal(workdir),
        "INPUT_FILES": literal(read_paths(plan.data_files)),
        "STEPS": vertical_tuple([_step_entry(step) for step in plan.steps]),
    }
    return render("pipeline.py.tmpl", package, values, notebook=notebook_file)


def init_module(package: str, notebook_file: str, plan: Plan) -> str:
    """`<pkg>/__init__.py`: selects the headless plotting backend (when the notebook imports matplotlib),
    then re-exports the contract's names."""
    values = {"HEADLESS_PLOTS": literal(bool(PLOTTING_MODULES.intersection(plan.imported_modules)))}
    return render("init.py.tmpl", package, values, notebook=notebook_file)


def figures_module(package: str, notebook_file: str) -> str:
    """`<pkg>/figures.py`: figures shown or left open by a step, kept for the run."""
    return render("figures.py.tmpl", package, notebook=notebook_file)


def plot_backend_module(package: str) -> str:
    """`<pkg>/plot_backend.py`: the Agg backend whose show() hands figures to figures.py."""
    return render("plot_backend.py.tmpl", package)


def main_module(package: str) -> str:
    """`<pkg>/__main__.py`."""
    return render("main.py.tmpl", package)
