"""IPython magics and shell lines: translated to plain Python when faithful, else refused.

IPython's own input transformer finds them (so `!` inside a string is left alone); each resulting
`get_ipython()` call is then replaced line for line, keeping the cell's line numbers for later messages.
"""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager

from converters.errors import CellSyntaxError, MagicError

# Line magics that only configure the interactive session (plots inline, autoreload): no effect on results.
SESSION_ONLY_MAGICS = frozenset({"matplotlib", "config", "load_ext", "autoreload", "reload_ext"})
_SHELL_SYNTAX = set("|&;<>*?`~()")
_TRANSFORMER = TransformerManager()


@dataclass(frozen=True)
class TranslatedCell:
    """A cell's code as plain Python, with what the translation added or dropped."""

    source: str
    requirements: tuple[str, ...] = ()
    uses_subprocess: bool = False
    notes: tuple[str, ...] = ()

    @property
    def has_statements(self) -> bool:
        """False for a cell left with only comments and blank lines (e.g. `%matplotlib inline`)."""
        return bool(ast.parse(self.source).body) if self.source.strip() else False


def _pip_requirements(arguments: str, *, cell_index: int, tag: str | None, line: int) -> list[str]:
    words = shlex.split(arguments)
    if not words or words[0] != "install":
        raise MagicError(
            f"`pip {arguments}` has no translation; only `pip install PACKAGE...` becomes a requirement",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    packages = [word for word in words[1:] if word and not word.startswith("-")]
    if len(packages) != len(words) - 1:
        raise MagicError(
            f"`pip {arguments}`: pip options have no place in requirements.txt; list packages only",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    return packages


def _shell_call(command: str, *, cell_index: int, tag: str | None, line: int) -> str:
    if "{" in command or "$" in command:
        raise MagicError(
            f"`!{command}` uses IPython variable expansion ({{...}} or $name); "
            "write subprocess.run([...], check=True) with the values yourself",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    if _SHELL_SYNTAX & set(command):
        return f"subprocess.run({command!r}, shell=True, check=True)"
    return f"subprocess.run({shlex.split(command)!r}, check=True)"


def _ipython_call(node: ast.AST) -> tuple[str, list[str]] | None:
    """`get_ipython().METHOD('a', 'b')` → ("METHOD", ["a", "b"]); anything else → None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (
        isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"
    ):
        return None
    arguments = [
        arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    return node.func.attr, arguments


def translate_cell(source: str, *, cell_index: int, tag: str | None = None) -> TranslatedCell:
    """Plain-Python source of a code cell; MagicError for magics without translation, CellSyntaxError."""
    lines = source.splitlines()
    notes: list[tuple[int, str]] = []  # (line, what became of it), reported under "Translations"
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] != "time":
            raise MagicError(
                f"cell magic `%%{magic[0] if magic else ''}` has no faithful translation in plain Python",
                cell_index=cell_index,
                tag=tag,
                line=1,
            )
        lines[0] = "# %%time (timing only, dropped)"
        notes.append((1, f"cell {cell_index} line 1: `%%time` removed (the cell's statements are kept)"))
    text = "\n".join(lines) + "\n"
    transformed = _TRANSFORMER.transform_cell(text)
    removed = len(text.splitlines()) - len(transformed.splitlines())
    if removed > 0:  # IPython drops leading blank lines; put them back so line numbers stay the notebook's
        transformed = "\n" * removed + transformed
    try:
        module = ast.parse(transformed)
    except SyntaxError as error:
        raise CellSyntaxError(
            f"syntax error: {error.msg}", cell_index=cell_index, tag=tag, line=error.lineno
        ) from None
    output_lines = transformed.splitlines()
    requirements: list[str] = []
    uses_subprocess = False
    handled: set[int] = set()
    for node in ast.walk(module):
        if _ipython_call(node) is not None:
            handled.add(id(node.func.value.func))  # type: ignore[attr-defined]
    for node in ast.walk(module):
        call = _ipython_call(node)
        if call is None:
            if isinstance(node, ast.Name) and node.id == "get_ipython" and id(node) not in handled:
                raise MagicError(
                    "get_ipython() only exists inside IPython; the converted code cannot call it",
                    cell_index=cell_index,
                    tag=tag,
                    line=node.lineno,
                )
            continue
        method, arguments = call
        line = node.lineno  # type: ignore[attr-defined]
        statement_line = output_lines[line - 1]
        indent = statement_line[: len(statement_line) - len(statement_line.lstrip())]
        is_statement = statement_line.strip().startswith(
            "get_ipython()"
        ) and statement_line.rstrip().endswith(")")
        if not is_statement or method not in ("system", "run_line_magic"):
            original = source.splitlines()[line - 1].strip() if line <= len(source.splitlines()) else method
            raise MagicError(
                f"`{original}` has no faithful translation in plain Python (captured shell output or magic)",
                cell_index=cell_index,
                tag=tag,
                line=line,
            )
        replacement: str
        if method == "system":
            command = arguments[0].strip()
            if command.startswith(("pip ", "pip3 ")) or command.startswith("python -m pip "):
                requirements += _pip_requirements(
                    command.split("pip", 1)[1].strip(), cell_index=cell_index, tag=tag, line=line
                )
                replacement = f"# {command} -> requirements.txt"
                notes.append((line, f"cell {cell_index} line {line}: `!{command}` → requirements.txt"))
            else:
                replacement = _shell_call(command, cell_index=cell_index, tag=tag, line=line)
                uses_subprocess = True
                notes.append((line, f"cell {cell_index} line {line}: `!{command}` → `{replacement}`"))
        else:
            name, argument = arguments[0], (arguments[1] if len(arguments) > 1 else "")
            if name == "pip":
                requirements += _pip_requirements(argument, cell_index=cell_index, tag=tag, line=line)
                replacement = f"# %pip {argument} -> requirements.txt"
                notes.append((line, f"cell {cell_index} line {line}: `%pip {argument}` → requirements.txt"))
            elif name == "time":
                replacement = argument
                notes.append((line, f"cell {cell_index} line {line}: `%time {argument}` → `{argument}`"))
            elif name in SESSION_ONLY_MAGICS:
                magic = f"%{name} {argument}".rstrip()
                notes.append(
                    (line, f"cell {cell_index} line {line}: `{magic}` dropped (session setting only)")
                )
                replacement = f"# %{name} {argument} (notebook session setting, dropped)".replace("  ", " ")
            else:
                raise MagicError(
                    f"magic `%{name} {argument}`".rstrip() + " has no faithful translation in plain Python",
                    cell_index=cell_index,
                    tag=tag,
                    line=line,
                )
        if replacement.startswith("#") and indent:
            replacement = "pass  " + replacement
        output_lines[line - 1] = indent + replacement if replacement else ""
    translated = "\n".join(output_lines).rstrip() + "\n" if any(line.strip() for line in output_lines) else ""
    return TranslatedCell(
        source=translated,
        requirements=tuple(requirements),
        uses_subprocess=uses_subprocess,
        notes=tuple(note for _, note in sorted(notes)),
    )
