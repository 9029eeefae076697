"""Read and validate a notebook (nbformat), classify its cells by tag, translate their magics."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import fastjsonschema

from converters.errors import ConversionError, NotebookReadError
from converters.magics import TranslatedCell, translate_cell
from converters.tags import CellTags, parse_cell_tags


@cache
def _markdown_parser() -> Any:
    """mistune (nbconvert's Markdown parser) producing a CommonMark token tree instead of HTML."""
    import mistune  # imported only for notebooks that have markdown cells

    return mistune.create_markdown(renderer=None)


def _plain_text(tokens: list[dict[str, Any]]) -> str:
    """The text of inline tokens (emphasis, code spans and links flattened; line breaks as spaces)."""
    parts: list[str] = []
    for token in tokens:
        if token["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
        elif "children" in token:
            parts.append(_plain_text(token["children"]))
        else:
            parts.append(token.get("raw", ""))
    return "".join(parts)


def markdown_heading(source: str, level: int = 2) -> str | None:
    """The text of the first level-`level` heading of a Markdown text, ATX (`## Title`) or setext
    (`Title` underlined with `---`), by CommonMark's rules (not inside code blocks; not `##Title`)."""
    for token in _markdown_parser()(source):
        if token["type"] == "heading" and token["attrs"]["level"] == level:
            text = " ".join(_plain_text(token.get("children", [])).split())
            return text or None
    return None


@dataclass(frozen=True)
class SourceCell:
    """One notebook cell: index, kind, original source, parsed tags, and (code cells) translated code."""

    index: int
    cell_type: str
    source: str
    tags: CellTags
    code: TranslatedCell | None = None

    @property
    def label(self) -> str | None:
        """The tag naming this cell in messages."""
        return self.tags.label

    def heading(self) -> str | None:
        """The text of the first level-2 heading (`## Title`, or `Title` over `---`) of a markdown cell."""
        if self.cell_type != "markdown":
            return None
        return markdown_heading(self.source)


@dataclass(frozen=True)
class Notebook:
    """A validated notebook: its path, raw bytes (hashed), metadata, classified cells, and its .ipynb form.

    `ipynb` is the file itself when it is a valid .ipynb, else the notebook as Jupyter reads it (normalized
    like nbformat, or converted from a Jupytext .py/.md file): what the package copies and papermill runs.
    `notes` say what reading changed (for the conversion report).
    """

    path: Path
    raw: bytes
    metadata: dict[str, object]
    cells: tuple[SourceCell, ...]
    ipynb: bytes = b""
    notes: tuple[str, ...] = ()

    @property
    def ipynb_name(self) -> str:
        """The file name of the .ipynb form (`analysis.py` → `analysis.ipynb`)."""
        return self.path.name if self.path.suffix == ".ipynb" else self.path.stem + ".ipynb"

    @property
    def sha256(self) -> str:
        """Hash of the notebook file, logged with every run of the generated pipeline."""
        return hashlib.sha256(self.raw).hexdigest()


@cache
def _schema_validator(minor: int) -> Any:
    """nbformat's own v4.x JSON schema, compiled with fastjsonschema (nbformat's fast backend).

    Importing `nbformat` costs seconds here (its jsonschema stack compiles grammars at import); the valid
    path only needs the schema file. nbformat itself is imported on the error path, for its messages.
    """
    spec = find_spec("nbformat")
    locations = list(spec.submodule_search_locations or []) if spec else []
    schemas = Path(locations[0]) / "v4" if locations else Path()
    schema_file = schemas / f"nbformat.v4.{minor}.schema.json"
    if not schema_file.exists():
        schema_file = schemas / "nbformat.v4.schema.json"
    return fastjsonschema.compile(json.loads(schema_file.read_text(encoding="utf-8")))


JUPYTEXT_SUFFIXES = (".py", ".md", ".Rmd", ".myst", ".mystnb", ".mnb")
LATEST_MINOR = 5


def _cell_ids(cells: list[Any]) -> tuple[list[Any], int]:
    """Cells with a unique id each (nbformat 4.5): missing or repeated ids replaced by `cell-N`."""
    taken = {cell.get("id") for cell in cells if isinstance(cell, dict)}
    seen: set[object] = set()
    repaired = 0
    result: list[Any] = []
    for index, cell in enumerate(cells):
        if isinstance(cell, dict) and (not isinstance(cell.get("id"), str) or cell["id"] in seen):
            candidate, suffix = f"cell-{index}", 0
            while candidate in taken or candidate in seen:
                suffix += 1
                candidate = f"cell-{index}-{suffix}"
            cell = {**cell, "id": candidate}
            repaired += 1
        if isinstance(cell, dict):
            seen.add(cell["id"])
        result.append(cell)
    return result, repaired


def _unique_ids(cells: list[dict[str, Any]]) -> bool:
    """Whether no two cells share an id (nbformat checks this beside the schema)."""
    ids = [cell["id"] for cell in cells]
    return len(ids) == len(set(ids))


def _normalized(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """An nbformat 4.x notebook as Jupyter reads it, and what changed.

    Like nbformat's reader (`nbformat.reads(..., as_version=4)`): 4.0–4.4 are upgraded to 4.5, cells
    without an id (or with a repeated one) get one; like JupyterLab, a code cell without `outputs` or
    `execution_count` gets none, a cell without `metadata` gets empty metadata.
    """
    cells = document.get("cells")
    if not isinstance(cells, list):
        return document, []
    changes: list[str] = []
    minor = document.get("nbformat_minor")
    if not isinstance(minor, int) or minor < LATEST_MINOR:
        changes.append(f"nbformat 4.{minor} upgraded to 4.{LATEST_MINOR} (cell ids added), as nbformat does")
        cells = [
            {key: value for key, value in cell.items() if key != "id"} if isinstance(cell, dict) else cell
            for cell in cells
        ]
    filled = {"outputs": 0, "execution_count": 0, "metadata": 0}
    completed: list[Any] = []
    for cell in cells:
        if isinstance(cell, dict):
            cell = dict(cell)
            if "metadata" not in cell:
                cell["metadata"] = {}
                filled["metadata"] += 1
            if cell.get("cell_type") == "code":
                for key, empty in (("outputs", []), ("execution_count", None)):
                    if key not in cell:
                        cell[key] = empty
                        filled[key] += 1
        completed.append(cell)
    completed, repaired = _cell_ids(completed)
    if repaired and minor == LATEST_MINOR:
        changes.append(f"{repaired} cell(s) without a unique id given one, as nbformat does")
    changes += [
        f"{count} cell(s) without {key!r} given an empty one" for key, count in filled.items() if count
    ]
    metadata = document.get("metadata", {})
    if isinstance(minor, int) and minor < LATEST_MINOR and isinstance(metadata, dict):
        metadata = {**metadata, "orig_nbformat_minor": minor}
    normalized = {**document, "cells": completed, "metadata": metadata, "nbformat_minor": LATEST_MINOR}
    return normalized, changes


def _validated(path: Path, raw: bytes, document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The notebook as nbformat 4.5 JSON and what normalizing changed; NotebookReadError naming the first
    problem's place. A valid file passes untouched (B1: no nbformat import, no rewrite)."""
    if document.get("nbformat") == 4 and isinstance(document.get("nbformat_minor"), int):
        try:
            _schema_validator(min(document["nbformat_minor"], LATEST_MINOR))(document)
            if document["nbformat_minor"] < LATEST_MINOR or _unique_ids(document["cells"]):
                return document, []
        except fastjsonschema.JsonSchemaException:
            pass
        normalized, changes = _normalized(document)
        try:
            _schema_validator(LATEST_MINOR)(normalized)
            return normalized, changes
        except fastjsonschema.JsonSchemaException:
            document = normalized  # report the problems normalizing cannot fix
    import nbformat  # slow import, only for old formats and for nbformat's precise error messages
    from nbformat.validator import iter_validate

    if document.get("nbformat") == 4:
        for problem in iter_validate(document):
            where = "/".join(str(part) for part in problem.absolute_path) or "top level"
            raise NotebookReadError(
                f"{path} is not a valid nbformat 4 notebook at {where}: {problem.message}"
            )
    try:
        node = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(node)
    except nbformat.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "top level"
        raise NotebookReadError(
            f"{path} is not a valid nbformat 4 notebook at {where}: {error.message}"
        ) from None
    except Exception as error:  # nbformat raises several reader errors for unsupported versions
        raise NotebookReadError(f"{path} is not a readable nbformat notebook: {error}") from None
    return json.loads(nbformat.writes(node)), [f"nbformat {document.get('nbformat')} upgraded to 4.5"]


def _jupytext_document(path: Path, raw: bytes) -> dict[str, Any]:
    """A Jupytext notebook (`.py` percent/light, `.md`, MyST) read by jupytext, as nbformat JSON."""
    try:
        import jupytext
    except ImportError:
        raise NotebookReadError(
            f"{path} is a {path.suffix} file: reading it as a notebook needs jupytext (pip install jupytext)"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookReadError(f"{path} is not UTF-8 text: {error.reason}") from None
    try:
        node = jupytext.reads(text, fmt=path.suffix.lstrip("."))
    except Exception as error:  # jupytext's readers raise many kinds
        raise NotebookReadError(f"{path} is not a notebook jupytext can read: {error}") from None
    document = json.loads(jupytext.writes(node, fmt="ipynb"))
    for cell in document.get("cells", []):
        cell.pop("id", None)  # jupytext draws random ids: number them instead, so output is deterministic
    metadata = document.setdefault("metadata", {})
    if "kernelspec" not in metadata:  # Jupyter opens it with the default Python kernel; papermill needs one
        metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return document


def _apply_injected_parameters(cells: list[SourceCell]) -> tuple[list[SourceCell], list[str]]:
    """papermill's `injected-parameters` cell, as papermill runs it: its values override the defaults.

    Run as-is (Jupyter's Run All, or papermill without -p), the injected cell executes right after the
    `parameters` cell, so its assignments win; its outputs show that run. The injected assignments are
    therefore appended to the parameters cell (later assignment wins) and the injected cell is skipped.
    Without a parameters cell, the injected cell is the parameters cell.
    """
    injected = [cell for cell in cells if "injected-parameters" in cell.tags.source_tags]
    if not injected:
        return cells, []
    cell = injected[-1]  # papermill replaces its own cell; the last one is what ran last
    parameters = next((other for other in cells if other.tags.role == "parameters"), None)
    notes = [
        f"cell {cell.index} (papermill's injected-parameters): its values override the defaults of "
        + (f"the parameters cell {parameters.index}" if parameters else "the notebook (no parameters cell)")
        + ", as when papermill or Jupyter runs this notebook as it is"
    ]
    replaced: list[SourceCell] = []
    for other in cells:
        if other is cell and parameters is None:
            other = replace(other, tags=replace(other.tags, role="parameters"))
        elif any(other is injected_cell for injected_cell in injected):
            other = replace(other, tags=replace(other.tags, role="skip"))
        elif other is parameters:
            source = (
                other.source.rstrip("\n")
                + "\n# papermill's injected parameters (cell "
                + str(cell.index)
                + ")\n"
            )
            other = replace(other, source=source + cell.source)
        replaced.append(other)
    return replaced, notes


def read_notebook(path: Path) -> Notebook:
    """Load, validate and classify; raise a ConversionError subclass on bad input."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookReadError(f"cannot read {path}: {error.strerror or error}") from None
    if path.suffix in JUPYTEXT_SUFFIXES:
        return _classified(path, raw, _jupytext_document(path, raw))
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise NotebookReadError(f"{path} nests JSON too deeply to be a notebook") from None
    except UnicodeDecodeError as error:
        raise NotebookReadError(f"{path} is not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise NotebookReadError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(document, dict) or ("cells" not in document and "worksheets" not in document):
        raise NotebookReadError(f"{path} is not a Jupyter notebook (no 'cells' list)")
    return _classified(path, raw, document)


def notebook_from_document(path: Path, document: dict[str, Any]) -> Notebook:
    """A notebook given as nbformat JSON data (an editor's unsaved content) instead of a file; `path` names
    it in messages. Validated, tagged and classified exactly as `read_notebook` does."""
    return _classified(path, _ipynb_bytes(document), document)


def _classified(path: Path, raw: bytes, document: dict[str, Any]) -> Notebook:
    """Validate (normalizing what Jupyter would), then tag, translate and classify every cell."""
    document, changes = _validated(path, raw, document)
    cells: list[SourceCell] = []
    for index, cell in enumerate(document["cells"]):
        tags = parse_cell_tags(cell.get("metadata", {}).get("tags", []), cell_index=index)
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            raise NotebookReadError(
                f"cell {index}: the source holds a lone surrogate (an escape like \\ud83d without its pair); "
                "it is not text Python can run"
            ) from None
        cell_type = cell["cell_type"]
        code = None
        if cell_type == "code":
            try:
                code = translate_cell(source, cell_index=index, tag=tags.label)
            except ConversionError:
                if tags.role != "skip":
                    raise  # skipped cells are read only to explain hidden-state errors; they need not convert
        cells.append(SourceCell(index=index, cell_type=cell_type, source=source, tags=tags, code=code))
    cells, injected_notes = _apply_injected_parameters(cells)
    ipynb = raw if path.suffix == ".ipynb" and not changes else _ipynb_bytes(document)
    return Notebook(
        path=path,
        raw=raw,
        metadata=dict(document.get("metadata", {})),
        cells=tuple(cells),
        ipynb=ipynb,
        notes=tuple(f"read: {change}" for change in changes) + tuple(injected_notes),
    )


def _ipynb_bytes(document: dict[str, Any]) -> bytes:
    """The notebook as nbformat writes it (1-space indent, sorted keys, trailing newline)."""
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
