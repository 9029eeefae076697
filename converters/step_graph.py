"""build_plan phase: the step graph — which values each step hands on, and the order the steps run in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from converters.cell_roles import CellRoles
from converters.graph import order_steps
from converters.unit_flow import UnitFlows


@dataclass(frozen=True)
class StepGraph:
    """Execution order (data edges plus `prev:` tags) and the values read from each step."""

    order: tuple[str, ...]
    consumers: Mapping[str, frozenset[str]]  # step -> names later units, the model or tests read from it


def link_steps(roles: CellRoles, resolved: UnitFlows, final_reads: Iterable[tuple[str, str]]) -> StepGraph:
    """Order the units; `final_reads` are the (step, name) pairs the model and the tests read."""
    consumers: dict[str, set[str]] = {}
    edges: dict[str, list[str]] = {}
    prev_cells: dict[str, tuple[int, str]] = {}
    for unit in roles.units:
        data_edges: set[str] = set()
        for name, provider in resolved.units[unit.name].providers.items():
            if provider != "parameter":
                data_edges.add(provider)
                consumers.setdefault(provider, set()).add(name)
        edges[unit.name] = sorted(data_edges | set(unit.prev))
        for cell in unit.cells:
            for tag in cell.tags.source_tags:
                if tag.startswith("prev:"):
                    prev_cells.setdefault(unit.name, (cell.index, tag))
    for provider, name in final_reads:
        consumers.setdefault(provider, set()).add(name)
    order = order_steps([unit.name for unit in roles.units], edges, prev_cells)
    return StepGraph(tuple(order), {step: frozenset(names) for step, names in consumers.items()})
