"""Small tagged notebooks the Convert to Production tests create (server and browser): one nb2prod converts,
one it refuses at a known cell and line."""

from __future__ import annotations

from pathlib import Path

import nbformat

CellSpec = tuple[str, ...]  # (source, *tags)

CONVERTIBLE: list[CellSpec] = [
    ("alpha = 0.5\nrepeats = 3", "parameters"),
    ("import math", "imports"),
    ("values = [alpha * i for i in range(repeats)]", "step:load"),
    ("total = math.fsum(values)", "step:train"),
    ("score = total / repeats\nscore", "metrics"),
    ("assert score >= 0", "test"),
]
# Cell 3, line 2 reads a name nothing defines (it exists only in a kernel's hidden state).
HIDDEN_STATE_CELL = 3
HIDDEN_STATE_LINE = 2
HIDDEN_STATE: list[CellSpec] = [
    *CONVERTIBLE[:3],
    ("offset = 1\ntotal = math.fsum(valuez) + offset", "step:train"),
    *CONVERTIBLE[4:],
]


def write_tagged_notebook(path: Path, cells: list[CellSpec]) -> Path:
    """Write a Python 3 notebook with these (source, *tags) code cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for source, *tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path
