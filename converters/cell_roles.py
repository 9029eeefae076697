"""build_plan phase: each cell gets its role — parameters, shared code, a step or metrics unit, test, dropped.

With `step:` tags, untagged code cells continue the current unit; without them, level-2 markdown headings
open a step each (named by `slug`), and the code before the first heading is `main` (or shared code when
it only imports).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from converters.dataflow import split_imports
from converters.errors import TagError
from converters.notebook import Notebook, SourceCell


@dataclass(frozen=True)
class Unit:
    """A run of cells that becomes one function: a step, or the metrics cell(s) at that place."""

    name: str
    kind: str  # "step" | "metrics"
    cells: tuple[SourceCell, ...]
    prev: tuple[str, ...] = ()
    heading: str | None = None


@dataclass(frozen=True)
class CellRoles:
    """Every cell of the notebook, grouped by the part of the package it becomes."""

    parameters: tuple[SourceCell, ...]
    shared: tuple[SourceCell, ...]  # imports and functions: run once when the runtime module is imported
    units: tuple[Unit, ...]  # in notebook order
    tests: tuple[SourceCell, ...]
    dropped: tuple[tuple[int, str], ...]  # (cell index, why)
    renamed: tuple[str, ...] = ()  # notes on heading-derived step names changed to be identifiers


def slug(text: str) -> str:
    """A step name from a heading: `## Load the data` → `load_the_data`; `## Import` → `import_` (a
    keyword gets a trailing underscore, PEP 8's convention)."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not name:
        return "step"
    if keyword.iskeyword(name):
        return f"{name}_"
    return f"step_{name}" if name[0].isdigit() else name


def _only_imports(cell: SourceCell) -> bool:
    if cell.code is None or not cell.code.source.strip():
        return False
    imports, rest = split_imports(cell.code.source)
    return bool(imports) and not rest.strip()


@dataclass
class _OpenUnit:
    """A unit while its cells are being collected."""

    name: str
    kind: str
    heading: str | None = None
    cells: list[SourceCell] = field(default_factory=list)
    prev: list[str] = field(default_factory=list)

    def add(self, cell: SourceCell) -> None:
        self.cells.append(cell)
        self.prev.extend(cell.tags.prev)

    def close(self) -> Unit:
        return Unit(self.name, self.kind, tuple(self.cells), tuple(dict.fromkeys(self.prev)), self.heading)


def classify_cells(notebook: Notebook) -> CellRoles:
    """Assign every cell to parameters, shared code, a step, metrics, a test, or the dropped list."""
    parameters: list[SourceCell] = []
    shared: list[SourceCell] = []
    tests: list[SourceCell] = []
    dropped: list[tuple[int, str]] = []
    renamed: list[str] = []
    units: list[_OpenUnit] = []
    tagged_mode = any(cell.tags.role == "step" for cell in notebook.cells)
    current: str | None = None  # "shared" or "unit": where an untagged code cell goes
    seen_steps: dict[str, int] = {}
    pending_heading: str | None = None
    used_names: set[str] = set()

    for cell in notebook.cells:
        role = cell.tags.role
        if cell.cell_type == "markdown":
            heading = cell.heading()
            if not tagged_mode and heading and role != "skip":
                pending_heading = heading
                current = None
            continue
        if cell.cell_type != "code":
            dropped.append((cell.index, f"{cell.cell_type} cell"))
            continue
        if role == "skip":
            dropped.append((cell.index, "tag skip"))
            continue
        if role == "parameters":
            parameters.append(cell)
            continue
        if role == "test":
            tests.append(cell)
            continue
        if cell.code is None or not cell.code.has_statements:
            dropped.append((cell.index, "no code (empty, or only magics that configure the session)"))
            continue
        if role in ("imports", "functions"):
            shared.append(cell)
            current = "shared"
            continue
        if role == "metrics":
            count = sum(1 for unit in units if unit.kind == "metrics")
            units.append(
                _OpenUnit("compute_metrics" if count == 0 else f"compute_metrics_{count + 1}", "metrics")
            )
            units[-1].cells.append(cell)
            current = "unit"
            continue
        if role == "step":
            name = cell.tags.step or "step"
            continues_last = bool(units) and units[-1].name == name
            if name in seen_steps and not continues_last:
                raise TagError(
                    f"step {name!r} continues here after another step began; "
                    f"its first cell is cell {seen_steps[name]} — give this part its own step name",
                    cell_index=cell.index,
                    tag=cell.label,
                )
            if not continues_last:
                units.append(_OpenUnit(name, "step"))
                seen_steps[name] = cell.index
            units[-1].add(cell)
            current = "unit"
            continue
        # an untagged code cell
        if pending_heading is not None:
            name = slug(pending_heading)
            if keyword.iskeyword(name.rstrip("_")):
                renamed.append(
                    f"cell {cell.index}: the heading {pending_heading!r} names step `{name}` "
                    f"(`{name.rstrip('_')}` is a Python keyword)"
                )
            base, suffix = name, 2
            while name in used_names:
                name, suffix = f"{base}_{suffix}", suffix + 1
            used_names.add(name)
            units.append(_OpenUnit(name, "step", pending_heading))
            pending_heading = None
            current = "unit"
        elif current is None:
            if _only_imports(cell):
                shared.append(cell)
                current = "shared"
                continue
            name = "setup" if tagged_mode or any(unit.name == "main" for unit in units) else "main"
            if any(unit.name == name for unit in units):
                name = f"{name}_{len(units) + 1}"
            units.append(_OpenUnit(name, "step"))
            current = "unit"
        if current == "shared":
            shared.append(cell)
        else:
            units[-1].add(cell)
    return CellRoles(
        parameters=tuple(parameters),
        shared=tuple(shared),
        units=tuple(unit.close() for unit in units),
        tests=tuple(tests),
        dropped=tuple(dropped),
        renamed=tuple(renamed),
    )
