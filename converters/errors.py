"""One exception root for nb2prod: every bad input names the cell (index, tag) and line it comes from."""

from __future__ import annotations


class ConversionError(Exception):
    """A notebook nb2prod cannot convert faithfully; `str()` reads `cell 3 (tag step:train), line 2: ...`."""

    def __init__(
        self,
        message: str,
        *,
        cell_index: int | None = None,
        tag: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.cell_index = cell_index
        self.tag = tag
        self.line = line

    def location(self) -> str:
        """The `cell N (tag T), line L` prefix, or an empty string when the error has no place."""
        parts: list[str] = []
        if self.cell_index is not None:
            cell = f"cell {self.cell_index}"
            if self.tag:
                cell += f" (tag {self.tag})"
            parts.append(cell)
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts)

    def located(self, *, cell_index: int | None = None, tag: str | None = None, line_offset: int = 0) -> None:
        """Fill in the cell (and shift the line) when a lower layer raised without knowing them."""
        if self.cell_index is None:
            self.cell_index = cell_index
        if self.tag is None:
            self.tag = tag
        if self.line is not None:
            self.line += line_offset

    def __str__(self) -> str:
        where = self.location()
        return one_line(f"{where}: {self.message}" if where else self.message)


def one_line(text: str) -> str:
    """`text` with every unprintable character (line breaks, controls) escaped: an error is one line."""
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


class NotebookReadError(ConversionError):
    """The file is not a readable, valid nbformat notebook."""


class TagError(ConversionError):
    """A cell tag that is misspelled, missing its value, or conflicts with another tag."""


class ParameterError(ConversionError):
    """The `parameters` cell is not simple literal assignments."""


class CellSyntaxError(ConversionError):
    """A code cell that Python cannot parse."""


class MagicError(ConversionError):
    """An IPython magic or shell line with no faithful translation."""


class HiddenStateError(ConversionError):
    """A step reads a name that nothing defines before it (state left in the kernel)."""


class DependencyError(ConversionError):
    """A `prev:` naming an unknown step, or a dependency cycle between steps."""


class ParameterValueError(ValueError):
    """A value given for a parameter (command line, schedule) that does not fit its type."""


class OutputError(ConversionError):
    """OUTDIR cannot be written as asked: it exists, holds files nb2prod did not write, or is not writable."""


class OutputBusyError(OutputError):
    """Another nb2prod is writing the same OUTDIR right now."""
