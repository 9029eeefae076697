"""Fixtures for the nb2prod tests: build small notebooks from (source, tags) pairs, run the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from converters.cli import main

DATA = Path(__file__).parent / "data"
CellSpec = tuple[str, ...]  # (source, tag, tag, ...) ; a source starting with "md:" is a markdown cell


def write_notebook(path: Path, cells: list[CellSpec]) -> Path:
    """Write a valid python3 notebook with the given cells."""
    node = nbformat.v4.new_notebook()
    node.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, (source, *tags) in enumerate(cells):
        if source.startswith("md:"):
            cell = nbformat.v4.new_markdown_cell(source[3:])
        else:
            cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        cell["id"] = f"c{index}"
        node.cells.append(cell)
    nbformat.write(node, path)
    return path


@pytest.fixture
def make_notebook(tmp_path: Path) -> Callable[..., Path]:
    """`make_notebook([("x = 1", "parameters"), ...], name="nb")` → path of a notebook in tmp_path."""

    def build(cells: list[CellSpec], name: str = "sample") -> Path:
        return write_notebook(tmp_path / f"{name}.ipynb", cells)

    return build


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `nb2prod ARGS` in-process; returns (exit code, stdout, stderr)."""

    def invoke(*arguments: str) -> tuple[int, str, str]:
        try:
            code = main([str(argument) for argument in arguments])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
