"""build_plan phase: what every code cell reads and writes (one libcst scope pass), and who writes each name.

The writers serve the hidden-state error: a name read that nothing defines before it gets a hint when a
skipped cell or a later cell defines it.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass

from converters.dataflow import CellFlow, analyse_cells
from converters.errors import HiddenStateError
from converters.notebook import Notebook, SourceCell

NOTEBOOK_ONLY_NAMES = frozenset({"display"})
BUILTIN_NAMES = frozenset(dir(builtins))
IPYTHON_HISTORY = re.compile(r"^(_+|_i+|_\d+|_i\d+|In|Out|_oh|_ih|_dh)$")


@dataclass(frozen=True)
class Flow:
    """Each analysed cell's dataflow by cell index, and the cells that write each name."""

    cells: Mapping[int, CellFlow]
    writers: Mapping[str, tuple[int, ...]]  # name -> indices of the cells that write it, in order
    skipped_writers: Mapping[str, int]  # name -> the first `skip`-tagged cell that writes it

    def of(self, cell: SourceCell) -> CellFlow:
        """The dataflow of an analysed cell."""
        return self.cells[cell.index]

    def hidden_state_error(self, name: str, cell: SourceCell, line: int, unit: str = "") -> HiddenStateError:
        """The error for `name`, read in `cell` (of step `unit`) though nothing defines it before."""
        what = f"step {unit!r}" if unit else "this cell"
        message = (
            f"{what} reads {name!r}, which nothing defines before it (parameters, imports, functions or an "
            "earlier step): it exists only in the kernel's hidden state"
        )
        later = [index for index in self.writers.get(name, ()) if index > cell.index]
        if IPYTHON_HISTORY.match(name):
            message += "; IPython's output history (_, Out, In) does not exist outside a notebook"
        elif name in self.skipped_writers:
            message += f"; only the skipped cell {self.skipped_writers[name]} defines it"
        elif later:
            message += f"; cell {later[0]} defines it later"
        return HiddenStateError(message, cell_index=cell.index, tag=cell.label, line=line)


def analyse_flow(notebook: Notebook) -> Flow:
    """Analyse every non-empty code cell in one pass and index who writes what."""
    analysed = [cell for cell in notebook.cells if cell.code is not None and cell.code.source.strip()]
    cells = dict(
        zip(
            (cell.index for cell in analysed),
            analyse_cells([cell.code.source for cell in analysed if cell.code is not None]),
            strict=True,
        )
    )
    writers: dict[str, list[int]] = {}
    skipped_writers: dict[str, int] = {}
    for cell in notebook.cells:
        flow = cells.get(cell.index)
        if flow is None:
            continue
        for name in flow.writes:
            writers.setdefault(name, []).append(cell.index)
            if cell.tags.role == "skip":
                skipped_writers.setdefault(name, cell.index)
    return Flow(
        cells=cells,
        writers={name: tuple(indices) for name, indices in writers.items()},
        skipped_writers=skipped_writers,
    )
