"""The `metrics` cell: which names (or dict keys) it shows, and the expression that gives each value."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from converters.errors import CellSyntaxError

_DISPLAY_CALLS = ("print", "display")


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its MLflow name and the Python expression (over the cell's names) giving its value."""

    name: str
    expression: str


def _from_expression(node: ast.expr) -> list[MetricSpec]:
    if isinstance(node, ast.Name):
        return [MetricSpec(node.id, node.id)]
    if isinstance(node, ast.Tuple):
        return [spec for element in node.elts for spec in _from_expression(element)]
    if isinstance(node, ast.Dict):
        specs: list[MetricSpec] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                specs.append(MetricSpec(key.value, ast.unparse(value)))
        return specs
    if isinstance(node, ast.JoinedStr):
        return [
            MetricSpec(part.value.id, part.value.id)
            for part in node.values
            if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name)
        ]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DISPLAY_CALLS:
        return [spec for argument in node.args for spec in _from_expression(argument)]
    return []


def metric_specs(source: str, *, cell_index: int | None = None, tag: str = "metrics") -> list[MetricSpec]:
    """Metrics of a cell: `name = value` lines, print()/display() names, the last expression's names/keys."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise CellSyntaxError(
            f"syntax error: {error.msg}", cell_index=cell_index, tag=tag, line=error.lineno
        ) from None
    found: dict[str, MetricSpec] = {}
    body = module.body
    for position, statement in enumerate(body):
        specs: list[MetricSpec] = []
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                specs.extend(MetricSpec(name.id, name.id) for name in names if isinstance(name, ast.Name))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            specs.append(MetricSpec(statement.target.id, statement.target.id))
        elif isinstance(statement, ast.Expr):
            value = statement.value
            is_display_call = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in _DISPLAY_CALLS
            )
            if is_display_call or position == len(body) - 1:
                specs.extend(_from_expression(value))
        for spec in specs:
            found.setdefault(spec.name, spec)
    return list(found.values())


def metric_names(source: str) -> list[str]:
    """The names/keys a `metrics` cell shows, in order, without duplicates."""
    return [spec.name for spec in metric_specs(source)]
