"""build_plan phase: the code the runtime module runs once at import — imports and functions cells, and the
imports hoisted out of steps — and the modules it imports (read from libcst's import nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import libcst as cst

from converters.cell_roles import CellRoles, Unit
from converters.dataflow import parse_module, split_imports
from converters.errors import HiddenStateError
from converters.notebook import SourceCell
from converters.notebook_flow import BUILTIN_NAMES, NOTEBOOK_ONLY_NAMES, Flow


@dataclass(frozen=True)
class SharedCode:
    """What every step and test may use without taking it as an input."""

    names: frozenset[str]  # names the shared code binds, and names imports hoisted out of steps bind
    imports: tuple[str, ...]  # import blocks: shared cells' first, then steps' in cell order
    code: tuple[str, ...]  # each shared cell's non-import code, headed by its cell marker
    step_code: Mapping[int, str]  # a step cell's code without its imports, by cell index
    imported_modules: tuple[str, ...]  # top-level modules, in import order
    uses_display: bool


def cell_marker(cell: SourceCell) -> str:
    """The comment naming a cell in generated code: `# notebook cell 3 (step:train)`."""
    label = cell.label.strip() if cell.label else ""
    return f"# notebook cell {cell.index}" + (f" ({label})" if label and label.isprintable() else "")


def top_level_module(name: cst.Attribute | cst.Name) -> str:
    """`a` for the dotted name `a.b.c`."""
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]
    assert isinstance(name, cst.Name)
    return name.value


def _hoisted_imports(statement: cst.BaseStatement) -> list[cst.Import | cst.ImportFrom]:
    """The imports of a line `split_imports` hoists (imports only, no star import); [] for any other."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    imports = [small for small in statement.body if isinstance(small, (cst.Import, cst.ImportFrom))]
    if len(imports) != len(statement.body):
        return []
    if any(
        isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar) for small in imports
    ):
        return []
    return imports


def imported_modules(sources: Iterable[str]) -> tuple[str, ...]:
    """The top-level modules the hoisted imports of these cells name (`import a.b, c` → a, c), in order.

    Read from the cells' libcst trees (the cached parse `split_imports` used); relative imports are skipped.
    """
    modules: dict[str, None] = {}
    for source in sources:
        for statement in parse_module(source).body:
            for node in _hoisted_imports(statement):
                if isinstance(node, cst.Import):
                    modules.update((top_level_module(alias.name), None) for alias in node.names)
                elif node.module is not None and not node.relative:
                    modules[top_level_module(node.module)] = None
    return tuple(modules)


def _check_shared_reads(
    cell: SourceCell, flow: Flow, names: frozenset[str], parameter_names: frozenset[str]
) -> bool:
    """Refuse what shared code reads but cannot have at import time; True when it calls `display`."""
    uses_display = False
    for use in flow.of(cell).reads:
        if use.name in names or use.name in BUILTIN_NAMES:
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
        raise flow.hidden_state_error(use.name, cell, use.line)
    return uses_display


def _step_cells(units: Iterable[Unit]) -> list[SourceCell]:
    """The step and metrics cells, in cell order (the order their imports are hoisted in)."""
    return sorted((cell for unit in units for cell in unit.cells), key=lambda cell: cell.index)


def _source(cell: SourceCell) -> str:
    return cell.code.source if cell.code else ""


def gather_shared_code(roles: CellRoles, flow: Flow, parameter_names: frozenset[str]) -> SharedCode:
    """Collect the shared code and hoist every step's imports; refuse shared code that reads state."""
    step_cells = _step_cells(roles.units)
    split_steps = {cell.index: split_imports(_source(cell)) for cell in step_cells}
    shared_names = frozenset(
        {name for cell in roles.shared for name in flow.of(cell).writes}
        | {name for cell in [*roles.parameters, *step_cells] for name in flow.of(cell).import_writes}
    )
    imports: list[str] = [
        parameter_imports.rstrip()
        for parameter_imports, _ in (split_imports(_source(cell)) for cell in roles.parameters)
        if parameter_imports
    ]
    code: list[str] = []
    uses_display = False
    for cell in roles.shared:
        uses_display = _check_shared_reads(cell, flow, shared_names, parameter_names) or uses_display
        cell_imports, rest = split_imports(_source(cell))
        if cell_imports:
            imports.append(cell_imports.rstrip())
        if rest.strip():
            code.append(cell_marker(cell) + "\n" + rest.rstrip())
    imports.extend(step_imports.rstrip() for step_imports, _ in split_steps.values() if step_imports)
    return SharedCode(
        names=shared_names,
        imports=tuple(imports),
        code=tuple(code),
        step_code={index: rest for index, (_, rest) in split_steps.items()},
        imported_modules=imported_modules(
            _source(cell) for cell in [*roles.parameters, *roles.shared, *step_cells]
        ),
        uses_display=uses_display,
    )
