"""The generated package's tests: conftest, a test per step, the `test` cells, and the parity test."""

from __future__ import annotations

import libcst as cst

from converters.emit.literals import identifier, literal
from converters.emit.runtime import Part, function_def, module_code
from converters.emit.templates import render
from converters.plan import Plan


def conftest_module(package: str) -> str:
    """`tests/conftest.py`."""
    return render("conftest.py.tmpl", package)


def testing_module(package: str) -> str:
    """`<pkg>/testing.py`: seeding, snapshots and type-aware equality shared by the generated tests."""
    return render("testing.py.tmpl", package)


def parity_module(plan: Plan, package: str) -> str:
    """`tests/test_<pkg>_parity.py`."""
    expressions = {
        step.name: {spec.name: spec.expression for spec in step.metrics}
        for step in plan.steps
        if step.kind == "metrics"
    }
    values = {"PARAMETERS_CELL": literal(plan.parameters_cell), "METRIC_EXPRESSIONS": literal(expressions)}
    return render("test_parity.py.tmpl", package, values)


def steps_test_module(package: str) -> str:
    """`tests/test_<pkg>_steps.py`: each step alone, on the state the steps before it left."""
    return render("test_steps.py.tmpl", package)


def _assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    """`name = value`."""
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(identifier(name))], value)])


def _results(*keys: str) -> cst.BaseExpression:
    """`results[key1][key2]...`."""
    node: cst.BaseExpression = cst.Name("results")
    for key in keys:
        node = cst.Subscript(node, [cst.SubscriptElement(cst.Index(literal(key)))])
    return node


def cells_test_module(plan: Plan, package: str) -> str:
    """`tests/test_<pkg>_cells.py`: each `test` cell as a pytest test on the pipeline's results."""
    parts: list[Part] = [(list(cst.parse_module("from __future__ import annotations\n").body), [])]
    shared = sorted({name for test in plan.tests for name in test.shared})
    if shared:
        names = [cst.ImportAlias(identifier(name)) for name in shared]
        module = cst.Attribute(identifier(package), cst.Name("steps"))
        statement = cst.SimpleStatementLine(
            [cst.ImportFrom(module=module, names=names)], leading_lines=[cst.EmptyLine(indent=False)]
        )
        parts[0][0].append(statement)
    if not plan.tests:
        test = function_def(
            "test_pipeline_produces_the_metrics",
            ["results"],
            "The notebook has no `test` cell: at least the pipeline runs and yields its metrics.",
            "assert isinstance(metrics, dict)\n",
            prologue=[_assign("metrics", _results("metrics"))],
        )
        parts.append(([test], []))
    for cell in plan.tests:
        prologue = [
            _assign(name, _results("metrics", name) if source == "metrics" else _results(name))
            for name, source in cell.inputs
        ]
        marker = cst.EmptyLine(comment=cst.Comment(f"# notebook cell {cell.cell_index}"))
        test = function_def(
            f"test_cell_{cell.cell_index}",
            ["results"],
            f"Notebook cell {cell.cell_index} (tag test).",
            cell.body,
            prologue=prologue,
            marker=marker,
        )
        parts.append(([test], []))
    doc = "The notebook's `test` cells, run against the results of the generated pipeline."
    return module_code(doc, parts, noqa=False)
