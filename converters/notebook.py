"""Read and validate a notebook (nbformat), classify its cells by tag, translate their magics."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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
    """A validated notebook: its path, raw bytes hash, kernel name and classified cells."""

    path: Path
    raw: bytes
    metadata: dict[str, object]
    cells: tuple[SourceCell, ...]

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


def _validated(path: Path, raw: bytes, document: dict[str, Any]) -> dict[str, Any]:
    """The notebook as nbformat 4 JSON; NotebookReadError naming the first problem's place."""
    if document.get("nbformat") == 4 and isinstance(document.get("nbformat_minor"), int):
        try:
            _schema_validator(min(document["nbformat_minor"], 5))(document)
            return document
        except fastjsonschema.JsonSchemaException:
            pass
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
    return json.loads(nbformat.writes(node))


def read_notebook(path: Path) -> Notebook:
    """Load, validate and classify; raise a ConversionError subclass on bad input."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookReadError(f"cannot read {path}: {error.strerror or error}") from None
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
    document = _validated(path, raw, document)
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
    return Notebook(path=path, raw=raw, metadata=dict(document.get("metadata", {})), cells=tuple(cells))
