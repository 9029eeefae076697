"""build_plan phase: each unit's inputs (and who provides them) and writes, resolved in notebook order.

A name a unit reads comes from a parameter, an earlier step, the shared code, or the translation of a
`!cmd` line; anything else is hidden kernel state, and an error. Also the warnings about inputs a step
changes in place or aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from converters.cell_roles import CellRoles, Unit
from converters.magics import SHELL_HELPER
from converters.metrics import MetricSpec, metric_specs
from converters.notebook_flow import NOTEBOOK_ONLY_NAMES, Flow
from converters.shared_code import SharedCode


@dataclass(frozen=True)
class UnitFlow:
    """What one unit takes and binds."""

    inputs: tuple[str, ...]  # in order of first read
    providers: Mapping[str, str]  # input -> "parameter" or the step that defines it
    writes: tuple[str, ...]  # names bound at any depth, imports excluded, in binding order
    metrics: tuple[MetricSpec, ...] = ()  # a metrics unit's metrics, in cell order


@dataclass(frozen=True)
class UnitFlows:
    """Every unit's flow, and what the pipeline defines at its end."""

    units: Mapping[str, UnitFlow]
    defined: Mapping[str, str]  # name -> "parameter" or the last step that binds it
    metric_values: frozenset[str]
    uses_display: bool


def _resolve_unit(
    unit: Unit, flow: Flow, defined: Mapping[str, str], imported_so_far: set[str]
) -> tuple[UnitFlow, bool]:
    """The unit's flow (its reads checked against `defined`), and whether it calls `display`.

    Names the unit imports are added to `imported_so_far`: later units read them without taking inputs.
    """
    written: set[str] = set()
    inputs: list[str] = []
    providers: dict[str, str] = {}
    writes: list[str] = []
    uses_display = False
    for cell in unit.cells:
        cell_flow = flow.of(cell)
        reads = list(cell_flow.reads) + [use for use in cell_flow.builtin_reads if use.name in defined]
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
            if name == SHELL_HELPER and cell.code is not None and cell.code.uses_shell_helper:
                continue  # a `!cmd {expr}` line; the runtime module defines the helper
            if name in NOTEBOOK_ONLY_NAMES:
                uses_display = True
                continue
            raise flow.hidden_state_error(name, cell, use.line, unit.name)
        imported_so_far.update(cell_flow.import_writes)
        for name in cell_flow.writes:
            if name in cell_flow.import_writes:
                continue
            written.add(name)
            if name not in writes:
                writes.append(name)
    metrics: tuple[MetricSpec, ...] = ()
    if unit.kind == "metrics":
        metrics = tuple(
            spec
            for cell in unit.cells
            for spec in metric_specs(cell.code.source if cell.code else "", cell_index=cell.index)
        )
    return UnitFlow(tuple(inputs), providers, tuple(writes), metrics), uses_display


def resolve_units(
    roles: CellRoles, flow: Flow, shared: SharedCode, parameter_names: frozenset[str]
) -> UnitFlows:
    """Resolve every unit's reads in notebook order; a step's writes become what later units can read."""
    defined: dict[str, str] = {name: "parameter" for name in parameter_names}
    imported_so_far = {name for cell in roles.shared for name in flow.of(cell).writes} | {
        name for cell in roles.parameters for name in flow.of(cell).import_writes
    }  # the parameters cell's imports are hoisted to the shared imports
    units: dict[str, UnitFlow] = {}
    metric_values: set[str] = set()
    uses_display = shared.uses_display
    for unit in roles.units:
        unit_flow, unit_uses_display = _resolve_unit(unit, flow, defined, imported_so_far)
        uses_display = uses_display or unit_uses_display
        if unit.kind == "metrics":
            metric_values.update(spec.name for spec in unit_flow.metrics)
        else:
            defined.update((name, unit.name) for name in unit_flow.writes)
        units[unit.name] = unit_flow
    return UnitFlows(units, defined, frozenset(metric_values), uses_display)


def sharing_warnings(roles: CellRoles, flow: Flow, resolved: UnitFlows) -> tuple[str, ...]:
    """Warnings for inputs a step changes in place or aliases, and for dynamic namespace access."""
    warnings: list[str] = []
    for unit in roles.units:
        providers = resolved.units[unit.name].providers
        for cell in unit.cells:
            cell_flow = flow.of(cell)
            for mutation in cell_flow.mutations:
                if mutation.name in providers and not mutation.how.startswith(f"{mutation.name} "):
                    source = providers[mutation.name]
                    origin = "a parameter" if source == "parameter" else f"step {source!r}"
                    warnings.append(
                        f"cell {cell.index}, line {mutation.line}: step {unit.name!r} changes "
                        f"{mutation.name!r} "
                        f"in place ({mutation.how}); it comes from {origin}, so both share one object — "
                        "the pipeline keeps the notebook's step order for this reason"
                    )
                elif mutation.name in providers:
                    warnings.append(
                        f"cell {cell.index}, line {mutation.line}: step {unit.name!r} updates "
                        f"{mutation.name!r} "
                        f"({mutation.how}); for lists, arrays and DataFrames this changes the object in place"
                    )
            for target, source_name, line in cell_flow.aliases:
                if source_name in providers:
                    warnings.append(
                        f"cell {cell.index}, line {line}: step {unit.name!r} binds {target!r} "
                        "to the same object "
                        f"as {source_name!r} (aliasing); a change through one shows in the other"
                    )
            for use in cell_flow.dynamic:
                warnings.append(
                    f"cell {cell.index}, line {use.line}: {use.name}() reads or writes names dynamically; "
                    "the dataflow analysis cannot see them"
                )
    return tuple(warnings)
