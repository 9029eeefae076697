"""build_plan phase: one function of the runtime module per unit, in execution order, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass

from converters.cell_roles import CellRoles
from converters.dataflow import unconditional_bindings
from converters.errors import HiddenStateError
from converters.magics import SHELL_HELPER
from converters.metrics import MetricSpec
from converters.notebook_flow import BUILTIN_NAMES, Flow
from converters.shared_code import SharedCode, cell_marker
from converters.step_graph import StepGraph
from converters.unit_flow import UnitFlows

# The runtime helper (defined in steps.py) called where a notebook cell ended inside a multi-cell step.
CELL_END_HELPER = "nb2prod_cell_end"
DEFAULTS_FUNCTION = "default_parameters"  # steps.py: computes the parameters cell's computed defaults
# Module-level names of the generated steps.py besides the notebook's: a step named so gets `_step` added.
RUNTIME_MODULE_NAMES = frozenset({"subprocess", "display", SHELL_HELPER, CELL_END_HELPER, DEFAULTS_FUNCTION})
# Names the generated package uses itself: run(experiment_name=, run_name=, workdir=), --no-mlflow, -h/--help,
# and the "metrics" key of run_steps()'s results.
RESERVED_NAMES = frozenset(
    {"metrics", "experiment_name", "run_name", "workdir", "no_mlflow", "help", "h"}
)  # provided by a shim in the runtime module


@dataclass(frozen=True)
class StepPlan:
    """One function of the runtime module."""

    name: str
    function_name: str
    kind: str
    cells: tuple[int, ...]
    body: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    providers: tuple[tuple[str, str], ...]  # (input name, where it comes from: "parameter" or a step name)
    metrics: tuple[MetricSpec, ...] = ()
    heading: str | None = None
    results: tuple[str, ...] = ()  # outputs no later unit reads: returned for parity and run_steps() results
    cell_markers: tuple[str, ...] = ()  # the comment line opening each cell's code in `body`


@dataclass(frozen=True)
class StepFunctions:
    """The runtime module's functions, and warnings about steps parity cannot compare."""

    steps: tuple[StepPlan, ...]
    warnings: tuple[str, ...]


def plan_steps(
    roles: CellRoles, flow: Flow, shared: SharedCode, resolved: UnitFlows, graph: StepGraph
) -> StepFunctions:
    """Bodies, inputs and outputs of every unit's function; outputs are what later readers consume."""
    shared_and_builtin = shared.names | BUILTIN_NAMES | RUNTIME_MODULE_NAMES
    units_by_name = {unit.name: unit for unit in roles.units}
    steps: list[StepPlan] = []
    warnings: list[str] = []
    last_step = next((name for name in reversed(graph.order) if units_by_name[name].kind == "step"), None)
    for name in graph.order:
        unit = units_by_name[name]
        unit_flow = resolved.units[name]
        consumed = graph.consumers.get(name, frozenset())
        results: set[str] = set()
        if unit.kind == "step" and (name == last_step or not consumed & set(unit_flow.writes)):
            # nothing later reads these values: return them anyway, so parity compares something real
            results = {
                bound
                for cell in unit.cells
                for bound in unconditional_bindings(cell.code.source if cell.code else "")
                if bound not in RESERVED_NAMES and bound not in consumed
            } & set(unit_flow.writes)
        outputs = [written for written in unit_flow.writes if written in consumed or written in results]
        if unit.kind == "step" and not outputs:
            warnings.append(
                f"step {name!r} (cell{'s' if len(unit.cells) > 1 else ''} "
                f"{', '.join(str(cell.index) for cell in unit.cells)}) binds no value at top level that "
                "the parity test could compare: parity checks only that it runs; assign its result to a "
                "name (e.g. `score = ...`) to have it compared"
            )
        parts: list[str] = []
        markers = tuple(cell_marker(cell) for cell in unit.cells)
        for cell in unit.cells:
            rest = shared.step_code[cell.index]
            parts.append(cell_marker(cell) + ("\n" + rest.rstrip() if rest.strip() else ""))
        if "metrics" in outputs:
            cell = next(cell for cell in unit.cells if "metrics" in flow.of(cell).writes)
            raise HiddenStateError(
                "a step output named 'metrics' would clash with the run's metrics in run_steps() results; "
                "rename the variable",
                cell_index=cell.index,
                tag=cell.label,
            )
        steps.append(
            StepPlan(
                name=name,
                function_name=name if name not in shared_and_builtin else f"{name}_step",
                kind=unit.kind,
                cells=tuple(cell.index for cell in unit.cells),
                body="\n".join(parts) + "\n",
                inputs=unit_flow.inputs,
                outputs=tuple(outputs),
                providers=tuple(unit_flow.providers.items()),
                metrics=tuple({spec.name: spec for spec in unit_flow.metrics}.values()),
                heading=unit.heading,
                results=tuple(output for output in outputs if output in results),
                cell_markers=markers,
            )
        )
    return StepFunctions(tuple(steps), tuple(warnings))
