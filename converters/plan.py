"""From classified cells to a conversion plan: steps, their inputs and outputs, checks and warnings.

Cells are grouped into units (shared code, steps, metrics, tests), read with `dataflow.analyse_cells`;
a step's inputs are the names it reads that parameters or earlier steps define, its outputs the names it
defines that later units read. Anything read that nothing defines is hidden kernel state, and an error.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field

from converters.dataflow import (
    CellFlow,
    analyse_cells,
    imported_top_modules,
    split_imports,
    unconditional_bindings,
)
from converters.errors import HiddenStateError, ParameterError, TagError
from converters.graph import order_steps
from converters.metrics import MetricSpec, metric_specs
from converters.notebook import Notebook, SourceCell
from converters.parameters import Parameter, parse_parameters_cell

NOTEBOOK_ONLY_NAMES = frozenset({"display"})
# Names the generated package uses itself: run(experiment_name=, run_name=), --no-mlflow, -h/--help,
# and the "metrics" key of run_steps()'s results.
RESERVED_NAMES = frozenset(
    {"metrics", "experiment_name", "run_name", "no_mlflow", "help", "h"}
)  # provided by a shim in the runtime module
IPYTHON_HISTORY = re.compile(r"^(_+|_i+|_\d+|_i\d+|In|Out|_oh|_ih|_dh)$")


@dataclass(frozen=True)
class Unit:
    """A run of cells that becomes one function: a step, or the metrics cell(s) at that place."""

    name: str
    kind: str  # "step" | "metrics"
    cells: tuple[SourceCell, ...]
    prev: tuple[str, ...] = ()
    heading: str | None = None


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


@dataclass(frozen=True)
class TestPlan:
    """A `test` cell turned into a pytest test reading the pipeline's results."""

    cell_index: int
    body: str
    inputs: tuple[tuple[str, str], ...]  # (name, "results" | "metrics")
    shared: tuple[str, ...]


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


def slug(text: str) -> str:
    """A step name from a heading: `## Load the data` → `load_the_data`."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not name:
        return "step"
    return f"step_{name}" if name[0].isdigit() else name


def _cell_marker(cell: SourceCell) -> str:
    """The comment naming a cell in generated code: `# notebook cell 3 (step:train)`."""
    return f"# notebook cell {cell.index}" + (f" ({cell.label})" if cell.label else "")


def _only_imports(cell: SourceCell) -> bool:
    if cell.code is None or not cell.code.source.strip():
        return False
    imports, rest = split_imports(cell.code.source)
    return bool(imports) and not rest.strip()


@dataclass
class _Grouping:
    parameters: list[SourceCell] = field(default_factory=list)
    shared: list[SourceCell] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    tests: list[SourceCell] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)


def _group_cells(notebook: Notebook) -> _Grouping:
    """Assign every cell to parameters, shared code, a step, metrics, a test, or the dropped list."""
    grouping = _Grouping()
    tagged_mode = any(cell.tags.role == "step" for cell in notebook.cells)
    unit_cells: list[tuple[str, str, list[SourceCell], list[str], str | None]] = []
    current: str | None = None  # "shared" or "unit"
    seen_steps: dict[str, int] = {}
    pending_heading: str | None = None
    used_names: set[str] = set()

    def open_unit(name: str, kind: str, heading: str | None = None) -> None:
        unit_cells.append((name, kind, [], [], heading))

    for cell in notebook.cells:
        role = cell.tags.role
        if cell.cell_type == "markdown":
            heading = cell.heading()
            if not tagged_mode and heading and role != "skip":
                pending_heading = heading
                current = None
            continue
        if cell.cell_type != "code":
            grouping.dropped.append((cell.index, f"{cell.cell_type} cell"))
            continue
        if role == "skip":
            grouping.dropped.append((cell.index, "tag skip"))
            continue
        if role == "parameters":
            grouping.parameters.append(cell)
            continue
        if role == "test":
            grouping.tests.append(cell)
            continue
        if cell.code is None or not cell.code.has_statements:
            grouping.dropped.append(
                (cell.index, "no code (empty, or only magics that configure the session)")
            )
            continue
        if role in ("imports", "functions"):
            grouping.shared.append(cell)
            current = "shared"
            continue
        if role == "metrics":
            count = sum(1 for unit in unit_cells if unit[1] == "metrics")
            open_unit("compute_metrics" if count == 0 else f"compute_metrics_{count + 1}", "metrics")
            unit_cells[-1][2].append(cell)
            current = "unit"
            continue
        if role == "step":
            name = cell.tags.step or "step"
            last = unit_cells[-1] if unit_cells else None
            if name in seen_steps and not (last and last[0] == name):
                raise TagError(
                    f"step {name!r} continues here after another step began; "
                    f"its first cell is cell {seen_steps[name]} — give this part its own step name",
                    cell_index=cell.index,
                    tag=cell.label,
                )
            if not (last and last[0] == name):
                open_unit(name, "step")
                seen_steps[name] = cell.index
            unit_cells[-1][2].append(cell)
            unit_cells[-1][3].extend(cell.tags.prev)
            current = "unit"
            continue
        # an untagged code cell
        if pending_heading is not None:
            name = slug(pending_heading)
            base, suffix = name, 2
            while name in used_names:
                name, suffix = f"{base}_{suffix}", suffix + 1
            used_names.add(name)
            open_unit(name, "step", pending_heading)
            pending_heading = None
            current = "unit"
        elif current is None:
            if _only_imports(cell):
                grouping.shared.append(cell)
                current = "shared"
                continue
            name = "setup" if tagged_mode or any(u[0] == "main" for u in unit_cells) else "main"
            if any(unit[0] == name for unit in unit_cells):
                name = f"{name}_{len(unit_cells) + 1}"
            open_unit(name, "step")
            current = "unit"
        if current == "shared":
            grouping.shared.append(cell)
        else:
            unit_cells[-1][2].append(cell)
            unit_cells[-1][3].extend(cell.tags.prev)
    for name, kind, cells, prev, heading in unit_cells:
        grouping.units.append(Unit(name, kind, tuple(cells), tuple(dict.fromkeys(prev)), heading))
    return grouping


def _hidden_state_error(
    name: str, cell: SourceCell, line: int, unit: str, later: dict[str, int], skipped: dict[str, int]
) -> HiddenStateError:
    what = f"step {unit!r}" if unit else "this cell"
    message = (
        f"{what} reads {name!r}, which nothing defines before it (parameters, imports, functions or an "
        "earlier step): it exists only in the kernel's hidden state"
    )
    if IPYTHON_HISTORY.match(name):
        message += "; IPython's output history (_, Out, In) does not exist outside a notebook"
    elif name in skipped:
        message += f"; only the skipped cell {skipped[name]} defines it"
    elif name in later:
        message += f"; cell {later[name]} defines it later"
    return HiddenStateError(message, cell_index=cell.index, tag=cell.label, line=line)


def build_plan(notebook: Notebook) -> Plan:
    """Group, analyse and check the notebook's cells; raise ConversionError subclasses on bad input."""
    grouping = _group_cells(notebook)
    warnings: list[str] = []
    notes: list[str] = list(notebook.notes)  # what reading changed (normalized, papermill's injection)
    for cell in notebook.cells:
        if cell.code is not None and cell.tags.role != "skip":
            notes.extend(cell.code.notes)

    if len(grouping.parameters) > 1:
        second = grouping.parameters[1]
        raise TagError(
            f"a second parameters cell; the first is cell {grouping.parameters[0].index}",
            cell_index=second.index,
            tag=second.label,
        )
    parameters: list[Parameter] = []
    parameters_cell = grouping.parameters[0] if grouping.parameters else None
    if parameters_cell is not None:
        parameters = parse_parameters_cell(
            parameters_cell.source,
            cell_index=parameters_cell.index,
            tag=parameters_cell.label or "parameters",
        )

    analysed = [cell for cell in notebook.cells if cell.code is not None and cell.code.source.strip()]
    for parameter in parameters:
        if parameter.name in RESERVED_NAMES:
            raise ParameterError(
                f"parameter name {parameter.name!r} is reserved by the generated package "
                f"({', '.join(sorted(RESERVED_NAMES))}); rename it",
                cell_index=parameters_cell.index if parameters_cell else None,
                tag=parameters_cell.label if parameters_cell else None,
                line=parameter.line,
            )
    flows: dict[int, CellFlow] = dict(
        zip(
            (cell.index for cell in analysed),
            analyse_cells([cell.code.source for cell in analysed]),
            strict=True,
        )
    )

    # where each name is (first) written by a skipped cell, or by any cell: for error hints
    skipped_writers: dict[str, int] = {}
    writers_at: dict[str, list[int]] = {}
    for cell in notebook.cells:
        flow = flows.get(cell.index)
        if flow is None:
            continue
        for name in flow.writes:
            writers_at.setdefault(name, []).append(cell.index)
            if cell.tags.role == "skip":
                skipped_writers.setdefault(name, cell.index)

    def later_writer(name: str, after: int) -> dict[str, int]:
        later = [index for index in writers_at.get(name, []) if index > after]
        return {name: later[0]} if later else {}

    parameter_names = {parameter.name for parameter in parameters}
    builtin_names = set(dir(builtins))

    # shared code: imports and functions cells, plus imports hoisted out of steps
    shared_names: set[str] = set()
    shared_imports: list[str] = []
    shared_code: list[str] = []
    imported_modules: list[str] = []
    for cell in grouping.shared:
        flow = flows[cell.index]
        shared_names.update(flow.writes)
    hoisted: dict[int, tuple[str, str]] = {}
    for unit in grouping.units:
        for cell in unit.cells:
            imports, rest = split_imports(cell.code.source if cell.code else "")
            hoisted[cell.index] = (imports, rest)
            shared_names.update(flows[cell.index].import_writes)
    uses_display = False
    for cell in grouping.shared:
        flow = flows[cell.index]
        for use in flow.reads:
            if use.name in shared_names or use.name in builtin_names:
                continue
            if use.name in NOTEBOOK_ONLY_NAMES:
                uses_display = True
                continue
            if use.name in parameter_names:
                raise HiddenStateError(
                    f"{cell.tags.role or 'shared'} code reads the parameter {use.name!r}, but it runs "
                    "once at import, before parameters exist; pass it to the function as an argument",
                    cell_index=cell.index,
                    tag=cell.label,
                    line=use.line,
                )
            raise _hidden_state_error(
                use.name, cell, use.line, "", later_writer(use.name, cell.index), skipped_writers
            )
        imports, rest = split_imports(cell.code.source if cell.code else "")
        marker = _cell_marker(cell)
        if imports:
            shared_imports.append(imports.rstrip())
        if rest.strip():
            shared_code.append(marker + "\n" + rest.rstrip())
    for index in sorted(hoisted):
        imports = hoisted[index][0]
        if imports:
            shared_imports.append(imports.rstrip())

    # steps, in notebook order: resolve every read
    defined: dict[str, str] = {name: "parameter" for name in parameter_names}
    unit_inputs: dict[str, list[str]] = {}
    unit_providers: dict[str, dict[str, str]] = {}
    unit_writes: dict[str, list[str]] = {}
    data_edges: dict[str, set[str]] = {}
    consumers: dict[str, set[str]] = {}  # step name -> names later units read from it
    metric_values: set[str] = set()
    unit_specs: dict[str, list[MetricSpec]] = {}  # metrics unit -> its metrics, in cell order
    imported_so_far: set[str] = {name for cell in grouping.shared for name in flows[cell.index].writes}
    for unit in grouping.units:
        written: set[str] = set()
        inputs: list[str] = []
        providers: dict[str, str] = {}
        writes: list[str] = []
        for cell in unit.cells:
            flow = flows[cell.index]
            reads = list(flow.reads) + [use for use in flow.builtin_reads if use.name in defined]
            for use in sorted(reads, key=lambda item: (item.line, item.name)):
                name = use.name
                if name in written:
                    continue
                if name in defined:
                    if name not in providers:
                        inputs.append(name)
                        providers[name] = defined[name]
                    continue
                if name in imported_so_far:
                    continue
                if name == "subprocess" and cell.code is not None and cell.code.uses_subprocess:
                    continue  # the translation of a `!cmd` line; the runtime module imports it
                if name in NOTEBOOK_ONLY_NAMES:
                    uses_display = True
                    continue
                raise _hidden_state_error(
                    name, cell, use.line, unit.name, later_writer(name, cell.index), skipped_writers
                )
            imported_so_far.update(flow.import_writes)
            for name in flow.writes:
                if name in flow.import_writes:
                    continue
                written.add(name)
                if name not in writes:
                    writes.append(name)
        for name, provider in providers.items():
            if provider != "parameter":
                data_edges.setdefault(unit.name, set()).add(provider)
                consumers.setdefault(provider, set()).add(name)
        if unit.kind == "metrics":
            unit_specs[unit.name] = [
                spec
                for cell in unit.cells
                for spec in metric_specs(cell.code.source if cell.code else "", cell_index=cell.index)
            ]
            metric_values.update(spec.name for spec in unit_specs[unit.name])
        else:
            for name in writes:
                defined[name] = unit.name
        unit_inputs[unit.name] = inputs
        unit_providers[unit.name] = providers
        unit_writes[unit.name] = writes

    # the model and the test cells read the final values
    model_variable: str | None = None
    for cell in notebook.cells:
        if cell.tags.model is not None and cell.tags.role != "skip":
            if model_variable is not None and model_variable != cell.tags.model:
                raise TagError(
                    f"a second model tag (model:{cell.tags.model}); the run logs one model, "
                    f"already model:{model_variable}",
                    cell_index=cell.index,
                    tag=f"model:{cell.tags.model}",
                )
            model_variable = cell.tags.model
            if defined.get(model_variable, "parameter") == "parameter":
                raise TagError(
                    f"model:{model_variable} names {model_variable!r}, but no step defines it",
                    cell_index=cell.index,
                    tag=f"model:{model_variable}",
                )
            consumers.setdefault(defined[model_variable], set()).add(model_variable)

    tests: list[TestPlan] = []
    for cell in grouping.tests:
        if cell.code is None or not cell.code.source.strip():
            continue
        flow = flows[cell.index]
        test_inputs: list[tuple[str, str]] = []
        test_shared: list[str] = []
        for use in flow.reads:
            if use.name in metric_values and use.name not in defined:
                test_inputs.append((use.name, "metrics"))
            elif use.name in defined:
                test_inputs.append((use.name, "results"))
                provider = defined[use.name]
                if provider != "parameter":
                    consumers.setdefault(provider, set()).add(use.name)
            elif use.name in shared_names:
                test_shared.append(use.name)
            elif use.name in NOTEBOOK_ONLY_NAMES:
                uses_display = True
            else:
                raise _hidden_state_error(
                    use.name, cell, use.line, "", later_writer(use.name, cell.index), skipped_writers
                )
        tests.append(TestPlan(cell.index, cell.code.source, tuple(test_inputs), tuple(test_shared)))

    # the execution order: data edges plus prev:
    names = [unit.name for unit in grouping.units]
    edges: dict[str, list[str]] = {}
    prev_cells: dict[str, tuple[int, str]] = {}
    for unit in grouping.units:
        needs = set(data_edges.get(unit.name, set())) | set(unit.prev)
        edges[unit.name] = sorted(needs)
        for cell in unit.cells:
            for tag in cell.tags.source_tags:
                if tag.startswith("prev:"):
                    prev_cells.setdefault(unit.name, (cell.index, tag))
    order = order_steps(names, edges, prev_cells)

    # mutation and aliasing warnings
    for unit in grouping.units:
        inputs = set(unit_inputs[unit.name])
        for cell in unit.cells:
            flow = flows[cell.index]
            for mutation in flow.mutations:
                if mutation.name in inputs and not mutation.how.startswith(f"{mutation.name} "):
                    source = unit_providers[unit.name][mutation.name]
                    origin = "a parameter" if source == "parameter" else f"step {source!r}"
                    warnings.append(
                        f"cell {cell.index}, line {mutation.line}: step {unit.name!r} changes "
                        f"{mutation.name!r} "
                        f"in place ({mutation.how}); it comes from {origin}, so both share one object — "
                        "the pipeline keeps the notebook's step order for this reason"
                    )
                elif mutation.name in inputs:
                    warnings.append(
                        f"cell {cell.index}, line {mutation.line}: step {unit.name!r} updates "
                        f"{mutation.name!r} "
                        f"({mutation.how}); for lists, arrays and DataFrames this changes the object in place"
                    )
            for target, source_name, line in flow.aliases:
                if source_name in inputs:
                    warnings.append(
                        f"cell {cell.index}, line {line}: step {unit.name!r} binds {target!r} "
                        "to the same object "
                        f"as {source_name!r} (aliasing); a change through one shows in the other"
                    )
            for use in flow.dynamic:
                warnings.append(
                    f"cell {cell.index}, line {use.line}: {use.name}() reads or writes names dynamically; "
                    "the dataflow analysis cannot see them"
                )

    # function bodies and outputs
    shared_and_builtin = shared_names | builtin_names
    units_by_name = {unit.name: unit for unit in grouping.units}
    plans: list[StepPlan] = []
    last_step = next((name for name in reversed(order) if units_by_name[name].kind == "step"), None)
    for name in order:
        unit = units_by_name[name]
        consumed = consumers.get(name, set())
        results: set[str] = set()
        if unit.kind == "step" and (name == last_step or not consumed & set(unit_writes[name])):
            # nothing later reads these values: return them anyway, so parity compares something real
            results = {
                bound
                for cell in unit.cells
                for bound in unconditional_bindings(cell.code.source if cell.code else "")
                if bound not in RESERVED_NAMES and bound not in consumed
            } & set(unit_writes[name])
        outputs = [written for written in unit_writes[name] if written in consumed or written in results]
        if unit.kind == "step" and not outputs:
            warnings.append(
                f"step {name!r} (cell{'s' if len(unit.cells) > 1 else ''} "
                f"{', '.join(str(cell.index) for cell in unit.cells)}) binds no value at top level that "
                "the parity test could compare: parity checks only that it runs; assign its result to a "
                "name (e.g. `score = ...`) to have it compared"
            )
        parts: list[str] = []
        for cell in unit.cells:
            rest = hoisted[cell.index][1]
            marker = _cell_marker(cell)
            parts.append(marker + ("\n" + rest.rstrip() if rest.strip() else ""))
        specs = unit_specs.get(name, [])
        if "metrics" in outputs:
            cell = next(cell for cell in unit.cells if "metrics" in flows[cell.index].writes)
            raise HiddenStateError(
                "a step output named 'metrics' would clash with the run's metrics in run_steps() results; "
                "rename the variable",
                cell_index=cell.index,
                tag=cell.label,
            )
        function_name = name if name not in shared_and_builtin else f"{name}_step"
        plans.append(
            StepPlan(
                name=name,
                function_name=function_name,
                kind=unit.kind,
                cells=tuple(cell.index for cell in unit.cells),
                body="\n".join(parts) + "\n",
                inputs=tuple(unit_inputs[name]),
                outputs=tuple(outputs),
                providers=tuple(unit_providers[name].items()),
                metrics=tuple(dict((spec.name, spec) for spec in specs).values()),
                heading=unit.heading,
                results=tuple(output for output in outputs if output in results),
            )
        )
    requirements: list[str] = []
    uses_subprocess = False
    for cell in notebook.cells:
        if cell.code is not None and cell.tags.role != "skip":
            requirements.extend(cell.code.requirements)
            uses_subprocess = uses_subprocess or cell.code.uses_subprocess
    for block in shared_imports:
        for module in imported_top_modules(block):
            if module not in imported_modules:
                imported_modules.append(module)
    return Plan(
        notebook=notebook,
        parameters=tuple(parameters),
        parameters_cell=parameters_cell.index if parameters_cell else None,
        shared_imports="\n".join(dict.fromkeys(shared_imports)),
        shared_code="\n\n".join(shared_code),
        shared_names=tuple(sorted(shared_names)),
        imported_modules=tuple(imported_modules),
        steps=tuple(plans),
        tests=tuple(tests),
        model_variable=model_variable,
        requirements=tuple(dict.fromkeys(requirements)),
        uses_subprocess=uses_subprocess,
        uses_display=uses_display,
        dropped=tuple(grouping.dropped),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )
