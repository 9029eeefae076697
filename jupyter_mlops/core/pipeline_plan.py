"""The step graph of a notebook as the editor holds it: nb2prod's planning (never its writer) on the current
cells, with every misspelled or conflicting tag reported at its cell in nb2prod's own words.

Blocking (libcst parses every cell): the server runs it on its thread pool.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from converters.errors import ConversionError, TagError
from converters.notebook import notebook_from_document
from converters.plan import Plan, build_plan
from converters.tags import parse_cell_tags
from jupyter_mlops.core.contract import (
    ConversionRefusal,
    PipelinePlanResponse,
    PlanCell,
    PlannedStep,
    StepLink,
)

NBFORMAT_MINOR = 5


def document_of(cells: list[PlanCell]) -> dict[str, object]:
    """An nbformat 4.5 notebook holding `cells` (no outputs: planning reads sources and tags only)."""
    ipynb_cells: list[dict[str, object]] = []
    for index, cell in enumerate(cells):
        entry: dict[str, object] = {
            "id": f"cell-{index}",
            "cell_type": cell.cell_type,
            "metadata": {"tags": list(cell.tags)} if cell.tags else {},
            "source": cell.source,
        }
        if cell.cell_type == "code":
            entry.update(outputs=[], execution_count=None)
        ipynb_cells.append(entry)
    return {"cells": ipynb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": NBFORMAT_MINOR}


def issue_of(error: ConversionError) -> ConversionRefusal:
    """nb2prod's one-line message with its cell, tag and line as fields."""
    return ConversionRefusal(
        message=str(error),
        kind=type(error).__name__,
        cell_index=error.cell_index,
        tag=error.tag,
        line=error.line,
    )


def tag_issues(cells: list[PlanCell]) -> list[ConversionRefusal]:
    """Every cell's tag problem (nb2prod's tag parser, cell by cell), not only the first one."""
    issues: list[ConversionRefusal] = []
    for index, cell in enumerate(cells):
        try:
            parse_cell_tags(cell.tags, cell_index=index)
        except TagError as error:
            issues.append(issue_of(error))
    return issues


def steps_of(plan: Plan) -> list[PlannedStep]:
    """The plan's steps in execution order, each with the steps it runs after (data and `prev:` links)."""
    prev_by_cell = {cell.index: cell.tags.prev for cell in plan.notebook.cells}
    planned: list[PlannedStep] = []
    for step in plan.steps:
        reads: dict[str, list[str]] = {}
        for name, provider in step.providers:
            if provider != "parameter":
                reads.setdefault(provider, []).append(name)
        asked = [name for index in step.cells for name in prev_by_cell.get(index, ())]
        links = [StepLink(provider, names, provider in asked) for provider, names in reads.items()]
        links += [StepLink(name, [], True) for name in dict.fromkeys(asked) if name not in reads]
        outputs = [spec.name for spec in step.metrics] if step.kind == "metrics" else list(step.outputs)
        planned.append(PlannedStep(step.name, step.kind, list(step.cells), list(step.inputs), outputs, links))
    return planned


def plan_pipeline(notebook: str, cells: list[PlanCell]) -> PipelinePlanResponse:
    """Plan `cells` (the notebook at contents-API path `notebook`) as nb2prod would; nothing is written."""
    issues = tag_issues(cells)
    empty = PipelinePlanResponse(notebook, False, [], [], None, [], issues)
    if issues:
        return empty
    try:
        name = PurePosixPath(notebook).with_suffix(".ipynb").name
        plan = build_plan(notebook_from_document(Path(name), document_of(cells)))
    except ConversionError as error:
        empty.issues = [issue_of(error)]
        return empty
    steps = steps_of(plan)
    variables = sorted({name for step in plan.steps for name in (*step.outputs, *step.results)})
    return PipelinePlanResponse(
        notebook=notebook,
        planned=True,
        steps=steps,
        parameters=[parameter.name for parameter in plan.parameters],
        model_variable=plan.model_variable,
        variables=variables,
        issues=[],
    )
