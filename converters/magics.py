"""IPython magics and shell lines: translated to plain Python when faithful, else refused.

IPython's own input transformer finds them (so `!` inside a string is left alone); each resulting
`get_ipython()` call is then replaced line for line, keeping the cell's line numbers for later messages.
"""

from __future__ import annotations

import ast
import builtins
import re
import shlex
import string
import warnings
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager
from IPython.core.magic import Magics, magics_class
from IPython.utils.text import DollarFormatter
from packaging.requirements import InvalidRequirement, Requirement

from converters.errors import CellSyntaxError, MagicError

# Line magics that only configure the interactive session (plots inline, autoreload): no effect on results.
SESSION_ONLY_MAGICS = frozenset({"matplotlib", "config", "load_ext", "autoreload", "reload_ext"})
# Cell magics that only display their text in the notebook's front end: no effect on the kernel's state.
DISPLAY_ONLY_CELL_MAGICS = frozenset({"javascript", "js", "html", "HTML", "svg", "markdown", "latex"})
HELP_MAGICS = {"pinfo": "?", "pinfo2": "??"}  # `obj?` / `obj??`: help shown in the notebook only
DISPLAY_ONLY_LINE_MAGICS = frozenset({"who", "whos"})  # print the namespace; change nothing
# The runtime helper (defined in steps.py) that runs `!cmd {expr} $name` as IPython does.
SHELL_HELPER = "ipython_system"
_SHELL_SYNTAX = set("|&;<>*?`~()")
_TRANSFORMER = TransformerManager()
# Where Python's tokenizer ends a line. Not str.splitlines(), which also breaks at \f, \v, \x1c-\x1e, \x85,
# U+2028 and U+2029: inside a comment those are ordinary characters to Python, and splitting there would
# turn the rest of the comment into code.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
MAX_NESTING = 100  # syntax-tree depth the converter's passes (libcst visitors recurse) are sure to handle


def python_lines(text: str) -> list[str]:
    """The lines of `text` as Python's tokenizer counts them (no line endings; no empty last line)."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def comment_safe(text: str) -> str:
    """`text` as it can stand inside a `#` comment: as is when all printable, else its repr."""
    return text if text.isprintable() else repr(text)


def _nesting_depth(tree: ast.AST) -> int:
    """The depth of the deepest node (an explicit stack: the tree may be deeper than Python's recursion)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def parse_cell(text: str, *, cell_index: int, tag: str | None) -> ast.Module:
    """`ast.parse`, with every failure (syntax, too deep for the parser or for nb2prod) a CellSyntaxError."""
    try:
        module = ast.parse(text)
    except SyntaxError as error:
        raise CellSyntaxError(
            f"syntax error: {error.msg}", cell_index=cell_index, tag=tag, line=error.lineno
        ) from None
    except (RecursionError, MemoryError):
        raise CellSyntaxError(
            "the code is nested too deeply for Python's parser", cell_index=cell_index, tag=tag
        ) from None
    if _nesting_depth(module) > MAX_NESTING:
        raise CellSyntaxError(
            f"the code is nested more than {MAX_NESTING} levels deep; nb2prod converts code up to that depth",
            cell_index=cell_index,
            tag=tag,
        )
    return module


def _shell_words(command: str, *, cell_index: int, tag: str | None, line: int) -> list[str]:
    if not command.replace("\t", " ").isprintable():
        raise MagicError(
            f"`{command}` holds a control character; a shell line cannot pass it on",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    try:
        return shlex.split(command)
    except ValueError as error:  # "No closing quotation", "No escaped character"
        raise MagicError(
            f"`{command}` cannot be split into words like a shell would: {error}",
            cell_index=cell_index,
            tag=tag,
            line=line,
        ) from None


@dataclass(frozen=True)
class TranslatedCell:
    """A cell's code as plain Python, with what the translation added or dropped."""

    source: str
    requirements: tuple[str, ...] = ()
    uses_subprocess: bool = False
    notes: tuple[str, ...] = ()
    uses_shell_helper: bool = False

    @property
    def has_statements(self) -> bool:
        """False for a cell left with only comments and blank lines (e.g. `%matplotlib inline`)."""
        return bool(ast.parse(self.source).body) if self.source.strip() else False


def _pip_requirements(arguments: str, *, cell_index: int, tag: str | None, line: int) -> list[str]:
    words = _shell_words(f"pip {arguments}", cell_index=cell_index, tag=tag, line=line)[1:]
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
    for package in packages:
        try:
            Requirement(package)
        except InvalidRequirement:
            raise MagicError(
                f"`pip {arguments}`: {package!r} is not a requirement specifier (PEP 508)",
                cell_index=cell_index,
                tag=tag,
                line=line,
            ) from None
    return packages


def expands_variables(command: str) -> bool:
    """True when IPython would try to expand `{expr}` or `$name` in the shell line (var_expand)."""
    return "{" in command or "$" in command


def expansion_names(command: str) -> list[str]:
    """The free names of the `{expression}` and `$name` fields IPython would expand, in order: the step
    passes them to the helper, so the step takes them as inputs (builtins and unparsable fields left out:
    at run time such a field fails to expand, and IPython then keeps the whole line as written).
    `$HOME`, `$PATH` (capitals) are taken for environment variables, left to the shell."""
    try:
        fields = [
            ":".join([field, spec]) if spec else field
            for _, field, spec, _ in DollarFormatter().parse(command)
            if field is not None
        ]
        braced = [field for _, field, _, _ in string.Formatter().parse(command) if field is not None]
    except ValueError:  # unbalanced braces: str.format refuses the line, so IPython keeps it as written
        return []
    dollar = list(fields)
    for field in braced:
        if field in dollar:
            dollar.remove(field)
    names: dict[str, None] = {}
    for field in [field for field in dollar if not field.split(".")[0].isupper()] + braced:
        try:
            tree = ast.parse(field, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        nodes = list(ast.walk(tree))
        bound = {
            node.id for node in nodes if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
        }
        bound |= {arg.arg for node in nodes if isinstance(node, ast.Lambda) for arg in node.args.args}
        for node in nodes:
            free = isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound
            if free and not hasattr(builtins, node.id):  # type: ignore[attr-defined]
                names[node.id] = None  # type: ignore[attr-defined]
    return list(names)


def _shell_call(command: str, *, cell_index: int, tag: str | None, line: int) -> str:
    if expands_variables(command):
        _shell_words(command, cell_index=cell_index, tag=tag, line=line)  # control characters: refused
        passed = "".join(f", {name}={name}" for name in expansion_names(command))  # parsed identifiers
        return f"{SHELL_HELPER}({command!r}{passed})"
    words = _shell_words(command, cell_index=cell_index, tag=tag, line=line)
    if _SHELL_SYNTAX & set(command):
        return f"subprocess.run({command!r}, shell=True, check=False)"
    return f"subprocess.run({words!r}, check=False)"


def _timed_statement(argument: str, *, cell_index: int, tag: str | None, line: int) -> str:
    """The statement of `%time STATEMENT`, checked to be one line of Python (it replaces one line)."""
    statement = argument.strip()
    try:
        ast.parse(statement)
        one_line = len(python_lines(statement)) <= 1
    except (SyntaxError, RecursionError, MemoryError):
        one_line = False
    if not one_line:
        raise MagicError(
            f"`%time {argument}`: the timed code is not one line of Python",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    return statement


@magics_class
class _OptionParser(Magics):
    """IPython's own magic option parser (`Magics.parse_options`), without a shell."""


_OPTIONS = _OptionParser(shell=None)
TIMEIT_OPTIONS = "n:r:tcp:qov:"  # IPython's `%timeit` options (IPython/core/magics/execution.py)


def _timed_code_binds(module: ast.Module) -> bool:
    """True unless `module` is only expressions (no `:=`): IPython runs `%timeit`'s code inside a timing
    function, `def inner(_it, _timer)`, so whatever the code binds stays local to that function."""
    if not all(isinstance(statement, ast.Expr) for statement in module.body):
        return True
    return any(isinstance(node, ast.NamedExpr) for node in ast.walk(module))


def _timeit(
    options: str, body: str, *, cell_index: int, tag: str | None, line: int, shown: str
) -> tuple[str | None, str]:
    """What becomes of `%timeit OPTIONS STATEMENT` (body "") or a `%%timeit OPTIONS SETUP` cell: (the
    statement or setup code to run once, or None when it is all dropped; the note for the report).

    IPython runs the code in a loop inside `def inner(_it, _timer)` (`-n` times, `-r` repeats; the count is
    chosen from the measured time): names it binds never reach the notebook's namespace. So timed
    expressions run once (their value, as in IPython, is not kept; an exception stops the step as it stops
    the cell), and code that binds names is dropped; `-v NAME` (a timing stored in the namespace) and
    `global`/`nonlocal` (bindings that do reach it) have no faithful translation.
    """
    parsed, remainder = _OPTIONS.parse_options(
        options, TIMEIT_OPTIONS, posix=False, strict=False, preserve_non_opts=True
    )
    if "v" in parsed:
        raise MagicError(
            f"`{shown}` stores a timing measurement in `{parsed['v']}`; it has no reproducible value",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = _TRANSFORMER.transform_cell(remainder).strip() if remainder.strip() else ""
        code = "\n".join(part for part in (first, _TRANSFORMER.transform_cell(body)) if part.strip())
    try:
        module = ast.parse(code)
    except (SyntaxError, RecursionError, MemoryError):
        raise MagicError(
            f"`{shown}`: the timed code is not Python", cell_index=cell_index, tag=tag, line=line
        ) from None
    if any(isinstance(node, (ast.Global, ast.Nonlocal)) for node in ast.walk(module)):
        raise MagicError(
            f"`{shown}`: `global`/`nonlocal` in timed code binds names in the notebook from inside IPython's "
            "timing loop; that has no faithful translation",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    if "get_ipython" in code:
        raise MagicError(
            f"`{shown}`: magics or shell lines inside timed code have no faithful translation",
            cell_index=cell_index,
            tag=tag,
            line=line,
        )
    if not module.body or _timed_code_binds(module):
        return None, (
            f"`{shown}` dropped (IPython runs it inside a timing function: what it binds never reaches the "
            "notebook's namespace)"
        )
    if body:
        return first, f"`{shown}`: the cell's expressions run once (IPython times them in a loop)"
    return first, f"`{shown}` → `{first}`, run once (IPython runs it in a timing loop and keeps no value)"


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
    lines = python_lines(source)
    notes: list[tuple[int, str]] = []  # (line, what became of it), reported under "Translations"
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in DISPLAY_ONLY_CELL_MAGICS:
            note = f"cell {cell_index}: `%%{magic[0]}` cell dropped (display in the notebook only)"
            return TranslatedCell(source="", notes=(note,))
        if magic and magic[0] == "timeit":
            shown = comment_safe(lines[0].strip())
            setup, note = _timeit(
                magic[1] if len(magic) > 1 else "",
                "\n".join(lines[1:]) + "\n",
                cell_index=cell_index,
                tag=tag,
                line=1,
                shown=shown,
            )
            if setup is None:
                return TranslatedCell(source="", notes=(f"cell {cell_index}: {note}",))
            lines[0] = setup or f"# {shown} (timing only; the expressions below run once)"
            notes.append((1, f"cell {cell_index} line 1: {note}"))
        elif not magic or magic[0] != "time":
            raise MagicError(
                f"cell magic `%%{magic[0] if magic else ''}` has no faithful translation in plain Python",
                cell_index=cell_index,
                tag=tag,
                line=1,
            )
        else:
            lines[0] = "# %%time (timing only, dropped)"
            notes.append((1, f"cell {cell_index} line 1: `%%time` removed (the cell's statements are kept)"))
    text = "\n".join(lines) + "\n"
    with warnings.catch_warnings():  # IPython warns about lines it splits at \f or U+2028; so do we, above
        warnings.simplefilter("ignore")
        transformed = _TRANSFORMER.transform_cell(text)
    removed = len(python_lines(text)) - len(python_lines(transformed))
    if removed > 0:  # IPython drops leading blank lines; put them back so line numbers stay the notebook's
        transformed = "\n" * removed + transformed
    module = parse_cell(transformed, cell_index=cell_index, tag=tag)
    output_lines = python_lines(transformed)
    requirements: list[str] = []
    uses_subprocess = False
    uses_shell_helper = False
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
            source_lines = python_lines(source)
            original = source_lines[line - 1].strip() if line <= len(source_lines) else method
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
                replacement = f"# {comment_safe(command)} -> requirements.txt"
                notes.append((line, f"cell {cell_index} line {line}: `!{command}` → requirements.txt"))
            elif (command == "cd" or command.startswith(("cd ", "cd\t"))) and not _SHELL_SYNTAX & set(
                command
            ):
                replacement = f"# !{comment_safe(command)} (no effect: the shell it runs in exits at once)"
                notes.append(
                    (
                        line,
                        f"cell {cell_index} line {line}: `!{command}` dropped "
                        "(IPython runs it in a subshell: the kernel's directory does not change)",
                    )
                )
            else:
                replacement = _shell_call(command, cell_index=cell_index, tag=tag, line=line)
                uses_subprocess = True
                uses_shell_helper = uses_shell_helper or replacement.startswith(SHELL_HELPER)
                notes.append((line, f"cell {cell_index} line {line}: `!{command}` → `{replacement}`"))
        else:
            name, argument = arguments[0], (arguments[1] if len(arguments) > 1 else "")
            if name == "pip":
                requirements += _pip_requirements(argument, cell_index=cell_index, tag=tag, line=line)
                replacement = f"# %pip {comment_safe(argument)} -> requirements.txt"
                notes.append((line, f"cell {cell_index} line {line}: `%pip {argument}` → requirements.txt"))
            elif name == "time":
                replacement = _timed_statement(argument, cell_index=cell_index, tag=tag, line=line)
                notes.append((line, f"cell {cell_index} line {line}: `%time {argument}` → `{argument}`"))
            elif name == "timeit":
                shown = comment_safe(f"%timeit {argument}".rstrip())
                code, note = _timeit(argument, "", cell_index=cell_index, tag=tag, line=line, shown=shown)
                notes.append((line, f"cell {cell_index} line {line}: {note}"))
                replacement = code or f"# {shown} (timing only, dropped)"
            elif name == "load":  # IPython/core/magics/code.py: set_next_input(contents, replace=True)
                shown = comment_safe(f"%load {argument}".rstrip())
                notes.append(
                    (
                        line,
                        f"cell {cell_index} line {line}: `{shown}` dropped (it puts the code into the cell "
                        "in the front end; a kernel running the notebook runs none of it)",
                    )
                )
                replacement = f"# {shown} (fills the cell in the front end only, dropped)"
            elif name in HELP_MAGICS:
                shown = comment_safe(f"{argument}{HELP_MAGICS[name]}")
                notes.append((line, f"cell {cell_index} line {line}: `{shown}` dropped (help display only)"))
                replacement = f"# {shown} (help display, dropped)"
            elif name in DISPLAY_ONLY_LINE_MAGICS:
                shown = comment_safe(f"%{name} {argument}".rstrip())
                notes.append((line, f"cell {cell_index} line {line}: `{shown}` dropped (display only)"))
                replacement = f"# {shown} (display in the notebook only, dropped)"
            elif name in SESSION_ONLY_MAGICS:
                magic = f"%{name} {argument}".rstrip()
                notes.append(
                    (line, f"cell {cell_index} line {line}: `{magic}` dropped (session setting only)")
                )
                setting = comment_safe(f"%{name} {argument}".rstrip())
                replacement = f"# {setting} (notebook session setting, dropped)"
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
        uses_shell_helper=uses_shell_helper,
    )
