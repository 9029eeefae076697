"""From classified cells to a conversion plan: steps, their inputs and outputs, checks and warnings.

`build_plan` runs the phases in order, each a function returning frozen data: cell roles, parameters,
dataflow (one libcst scope pass, `dataflow.analyse_cells`), shared code, unit flows, the readers of final
values (model tag, tests), the step graph, and the step functions. A step's inputs are the names it reads
that parameters or earlier steps define, its outputs the names it defines that later units read. Anything
read that nothing defines is hidden kernel state, and an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from converters.cell_roles import CellRoles, Unit, classify_cells, slug
from converters.data_files import DataFile, find_data_files
from converters.dataflow import split_imports
from converters.errors import ParameterError, TagError
from converters.final_values import TestPlan, find_model_variable, plan_tests
from converters.notebook import Notebook
from converters.notebook_flow import BUILTIN_NAMES, Flow, analyse_flow
from converters.parameters import Parameter, parse_parameters_cell
from converters.shared_code import SharedCode, cell_marker, gather_shared_code
from converters.step_functions import RESERVED_NAMES, StepPlan, plan_steps
from converters.step_graph import link_steps
from converters.training_data import TrainingInput, find_training_input
from converters.unit_flow import resolve_units, sharing_warnings

__all__ = ["Plan", "StepPlan", "TestPlan", "TrainingInput", "Unit", "build_plan", "slug"]


@dataclass(frozen=True)
class Parameters:
    """The parameters cell (at most one) and the parameters it declares."""

    cell_index: int | None
    parameters: tuple[Parameter, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(parameter.name for parameter in self.parameters)


@dataclass(frozen=True)
class Plan:
    """Everything the emitters need, as plain frozen data."""

    notebook: Notebook
    parameters: tuple[Parameter, ...]
    parameters_cell: int | None
    shared_imports: str
    shared_code: str
    shared_names: tuple[str, ...]
    imported_modules: tuple[str, ...]
    steps: tuple[StepPlan, ...]
    tests: tuple[TestPlan, ...]
    model_variable: str | None
    requirements: tuple[str, ...]
    uses_subprocess: bool
    uses_display: bool
    dropped: tuple[tuple[int, str], ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    data_files: tuple[DataFile, ...] = field(default=())
    uses_shell_helper: bool = False
    # what the model is fitted on (signature, input example, reference data); None without a model tag
    training_input: TrainingInput | None = None
    parameters_code: str = ""  # the parameters cell without its imports, when a default is computed


def read_parameters(roles: CellRoles) -> Parameters:
    """Parse the one parameters cell; refuse a second one and names the generated package reserves."""
    if len(roles.parameters) > 1:
        second = roles.parameters[1]
        raise TagError(
            f"a second parameters cell; the first is cell {roles.parameters[0].index}",
            cell_index=second.index,
            tag=second.label,
        )
    if not roles.parameters:
        return Parameters(None, ())
    cell = roles.parameters[0]
    parameters = parse_parameters_cell(cell.source, cell_index=cell.index, tag=cell.label or "parameters")
    for parameter in parameters:
        if parameter.name in RESERVED_NAMES:
            raise ParameterError(
                f"parameter name {parameter.name!r} is reserved by the generated package "
                f"({', '.join(sorted(RESERVED_NAMES))}); rename it",
                cell_index=cell.index,
                tag=cell.label,
                line=parameter.line,
            )
    return Parameters(cell.index, tuple(parameters))


def plan_training_input(
    notebook: Notebook, model_variable: str | None, defined: Mapping[str, str]
) -> TrainingInput | None:
    """The variable the model is fitted on, kept when a step or parameter defines it (so the pipeline can
    hand it to the model logging); None without a model tag."""
    if model_variable is None:
        return None
    found = find_training_input(
        (
            (cell.index, cell.code.source)
            for cell in notebook.cells
            if cell.code is not None and cell.tags.role != "skip"
        ),
        model_variable,
    )
    if found.variable is not None and found.variable not in defined:
        return replace(
            found,
            variable=None,
            reason=f"`{found.variable}`, which `{model_variable}` is fitted on in cell {found.cell_index}, "
            "is not defined by a step or the parameters",
        )
    return found


def computed_defaults_code(roles: CellRoles, flow: Flow, shared: SharedCode, parameters: Parameters) -> str:
    """The parameters cell's statements (imports are hoisted), run by the generated `default_parameters()`
    when a default is computed; "" when all are literals. The cell may read only names the runtime module
    defines (imports, functions) and builtins: HiddenStateError for anything else."""
    if not any(parameter.computed for parameter in parameters.parameters):
        return ""
    cell = roles.parameters[0]
    for use in flow.of(cell).reads:
        if use.name not in shared.names | BUILTIN_NAMES:
            raise flow.hidden_state_error(use.name, cell, use.line)
    rest = split_imports(cell.code.source if cell.code else "")[1]
    return cell_marker(cell) + "\n" + rest.rstrip() + "\n"


def build_plan(notebook: Notebook) -> Plan:
    """Group, analyse and check the notebook's cells; raise ConversionError subclasses on bad input."""
    roles = classify_cells(notebook)
    parameters = read_parameters(roles)
    flow = analyse_flow(notebook)
    shared = gather_shared_code(roles, flow, parameters.names)
    parameters_code = computed_defaults_code(roles, flow, shared, parameters)
    resolved = resolve_units(roles, flow, shared, parameters.names)
    model_variable = find_model_variable(notebook, resolved)
    tests = plan_tests(roles, flow, shared, resolved)
    training_input = plan_training_input(notebook, model_variable, resolved.defined)
    model_read = [(resolved.defined[model_variable], model_variable)] if model_variable else []
    if training_input is not None and training_input.variable is not None:
        provider = resolved.defined[training_input.variable]
        if provider != "parameter":
            model_read.append((provider, training_input.variable))
    graph = link_steps(roles, resolved, [*model_read, *tests.reads])
    functions = plan_steps(roles, flow, shared, resolved, graph)
    kept = [cell.code for cell in notebook.cells if cell.code is not None and cell.tags.role != "skip"]
    return Plan(
        notebook=notebook,
        parameters=parameters.parameters,
        parameters_cell=parameters.cell_index,
        shared_imports="\n".join(dict.fromkeys(shared.imports)),
        shared_code="\n\n".join(shared.code),
        shared_names=tuple(sorted(shared.names)),
        imported_modules=shared.imported_modules,
        steps=functions.steps,
        tests=tests.tests,
        model_variable=model_variable,
        training_input=training_input,
        requirements=tuple(dict.fromkeys(requirement for code in kept for requirement in code.requirements)),
        uses_subprocess=any(code.uses_subprocess for code in kept),
        uses_shell_helper=any(code.uses_shell_helper for code in kept),
        parameters_code=parameters_code,
        uses_display=resolved.uses_display or tests.uses_display,
        dropped=roles.dropped,
        warnings=sharing_warnings(roles, flow, resolved) + functions.warnings,
        notes=notebook.notes + roles.renamed + tuple(note for code in kept for note in code.notes),
        data_files=find_data_files(
            (cell.index, cell.code.source)
            for cell in notebook.cells
            if cell.code is not None and cell.tags.role != "skip"
        ),
    )
