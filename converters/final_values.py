"""build_plan phase: what reads the pipeline's final values — the `model:` tag and the `test` cells."""

from __future__ import annotations

from dataclasses import dataclass

from converters.cell_roles import CellRoles
from converters.errors import TagError
from converters.notebook import Notebook
from converters.notebook_flow import NOTEBOOK_ONLY_NAMES, Flow
from converters.shared_code import SharedCode
from converters.unit_flow import UnitFlows


@dataclass(frozen=True)
class TestPlan:
    """A `test` cell turned into a pytest test reading the pipeline's results."""

    cell_index: int
    body: str
    inputs: tuple[tuple[str, str], ...]  # (name, "results" | "metrics")
    shared: tuple[str, ...]


@dataclass(frozen=True)
class TestCells:
    """The test cells' plans, and the step results they read."""

    tests: tuple[TestPlan, ...]
    reads: tuple[tuple[str, str], ...]  # (providing step, name)
    uses_display: bool


def find_model_variable(notebook: Notebook, resolved: UnitFlows) -> str | None:
    """The variable the `model:` tag names; refuse a second, different one or one no step defines."""
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
            if resolved.defined.get(model_variable, "parameter") == "parameter":
                raise TagError(
                    f"model:{model_variable} names {model_variable!r}, but no step defines it",
                    cell_index=cell.index,
                    tag=f"model:{model_variable}",
                )
    return model_variable


def plan_tests(roles: CellRoles, flow: Flow, shared: SharedCode, resolved: UnitFlows) -> TestCells:
    """Each test cell reads results (final step values), metrics, or shared names; nothing else."""
    tests: list[TestPlan] = []
    reads: list[tuple[str, str]] = []
    uses_display = False
    for cell in roles.tests:
        if cell.code is None or not cell.code.source.strip():
            continue
        inputs: list[tuple[str, str]] = []
        shared_names: list[str] = []
        for use in flow.of(cell).reads:
            if use.name in resolved.metric_values and use.name not in resolved.defined:
                inputs.append((use.name, "metrics"))
            elif use.name in resolved.defined:
                inputs.append((use.name, "results"))
                provider = resolved.defined[use.name]
                if provider != "parameter":
                    reads.append((provider, use.name))
            elif use.name in shared.names:
                shared_names.append(use.name)
            elif use.name in NOTEBOOK_ONLY_NAMES:
                uses_display = True
            else:
                raise flow.hidden_state_error(use.name, cell, use.line)
        tests.append(TestPlan(cell.index, cell.code.source, tuple(inputs), tuple(shared_names)))
    return TestCells(tuple(tests), tuple(reads), uses_display)
