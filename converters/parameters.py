"""The `parameters` cell: assignments (papermill's convention) and typed value coercion.

A default is a literal (`alpha = 0.5`) or, as papermill runs the cell, any expression computed when the
pipeline starts (`today = date.today()`, `path = base + "/x.csv"`): typed from its annotation, else `str`
when given on the command line.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from dataclasses import dataclass

from converters.errors import ParameterError, ParameterValueError

MAX_DEFAULT_DEPTH = 30  # nested lists/dicts/tuples in a default; deeper ones are refused
SIMPLE_TYPES = ("int", "float", "str", "bool", "list", "dict", "tuple")
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


@dataclass(frozen=True)
class Parameter:
    """One parameter: name, default (a Python literal), type name, the line it sits on, its comment; a
    computed default has `expression` (its source) instead, and `default` None."""

    name: str
    default: object
    type_name: str
    line: int
    annotation: str | None = None
    comment: str = ""
    expression: str | None = None

    @property
    def computed(self) -> bool:
        """Whether the default is an expression evaluated at run time rather than a literal."""
        return self.expression is not None

    @property
    def optional(self) -> bool:
        """Whether None is an accepted value (`x: int | None = None`, or a None default)."""
        literal_none = self.default is None and not self.computed
        return literal_none or "None" in (self.annotation or "") or "Optional" in (self.annotation or "")


def _type_from_annotation(annotation: ast.expr) -> str:
    """`int` → int, `int | None` / `Optional[int]` → int, `list[str]` → list; anything else → its source."""
    if isinstance(annotation, ast.Name):
        return annotation.id
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        named = [side for side in sides if not (isinstance(side, ast.Constant) and side.value is None)]
        if len(named) == 1:
            return _type_from_annotation(named[0])
    if isinstance(annotation, ast.Subscript):
        base = _type_from_annotation(annotation.value)
        if base in ("Optional",):
            return _type_from_annotation(annotation.slice)
        return {"List": "list", "Dict": "dict", "Tuple": "tuple"}.get(base, base)
    if isinstance(annotation, ast.Attribute):
        return annotation.attr
    return ast.unparse(annotation)


def _type_from_default(default: object) -> str:
    if default is None:
        return "str"
    return type(default).__name__


def _line_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return comments


def parse_parameters_cell(
    source: str, *, cell_index: int | None = None, tag: str = "parameters"
) -> list[Parameter]:
    """The cell's parameters; raise ParameterError (with line) for anything but `name[: type] = value`
    (imports and bare strings aside). A value that is no literal is a computed default."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise ParameterError(
            f"syntax error: {error.msg}", cell_index=cell_index, tag=tag, line=error.lineno
        ) from None
    comments = _line_comments(source)
    parameters: dict[str, Parameter] = {}
    for statement in module.body:
        line = statement.lineno
        if isinstance(statement, ast.Assign):
            if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                raise ParameterError(
                    "a parameter is one name assigned a value (`alpha = 0.5`); "
                    "unpacking and chained assignments are not parameters",
                    cell_index=cell_index,
                    tag=tag,
                    line=line,
                )
            name = statement.targets[0].id
            value_node = statement.value
            annotation: ast.expr | None = None
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if statement.value is None:
                raise ParameterError(
                    f"parameter {statement.target.id!r} has an annotation but no default value",
                    cell_index=cell_index,
                    tag=tag,
                    line=line,
                )
            name = statement.target.id
            value_node = statement.value
            annotation = statement.annotation
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or bare string: documentation, not code
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue  # hoisted to the shared imports, as papermill runs the cell before the rest
        else:
            first_line = ast.unparse(statement).partition("\n")[0]  # unparse ends its lines with \n only
            raise ParameterError(
                "the parameters cell may only assign values to names (`alpha = 0.5`, `day = date.today()`) "
                f"and import, found `{first_line}`",
                cell_index=cell_index,
                tag=tag,
                line=line,
            )
        try:
            default = ast.literal_eval(value_node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            # computed when the pipeline starts, as papermill runs the cell
            parameters[name] = Parameter(
                name=name,
                default=None,
                type_name=_type_from_annotation(annotation) if annotation is not None else "str",
                line=line,
                annotation=ast.unparse(annotation) if annotation is not None else None,
                comment=comments.get(line, ""),
                expression=ast.unparse(value_node),
            )
            continue
        if _depth(default) > MAX_DEFAULT_DEPTH:
            raise ParameterError(
                f"parameter {name!r} has a default nested more than {MAX_DEFAULT_DEPTH} levels deep",
                cell_index=cell_index,
                tag=tag,
                line=line,
            )
        if _has_unsupported(default):
            kind = type(default).__name__
            what = f"a {kind}" if isinstance(default, (set, frozenset, bytes, complex)) else "an unsupported"
            raise ParameterError(
                f"parameter {name!r} has {what} default; use a JSON-like literal (no sets, bytes, complex)",
                cell_index=cell_index,
                tag=tag,
                line=line,
            )
        type_name = (
            _type_from_annotation(annotation) if annotation is not None else _type_from_default(default)
        )
        parameters[name] = Parameter(
            name=name,
            default=default,
            type_name=type_name,
            line=line,
            annotation=ast.unparse(annotation) if annotation is not None else None,
            comment=comments.get(line, ""),
        )
    return list(parameters.values())


def _depth(value: object) -> int:
    """How many containers deep `value` is (an explicit stack: it may be deeper than Python recurses)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple, set, frozenset)):
            deepest = max(deepest, depth + 1)
            stack.extend((element, depth + 1) for element in item)
        elif isinstance(item, dict):
            deepest = max(deepest, depth + 1)
            stack.extend((element, depth + 1) for pair in item.items() for element in pair)
    return deepest


def _has_unsupported(value: object) -> bool:
    """Whether a set, frozenset, bytes or complex sits anywhere in `value` (no JSON-like literal)."""
    if isinstance(value, (set, frozenset, bytes, complex)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_unsupported(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unsupported(key) or _has_unsupported(item) for key, item in value.items())
    return False


def _parse_literal(raw: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        try:
            return ast.literal_eval(raw)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise ParameterValueError(raw) from None


def coerce_parameter_value(parameter: Parameter, raw: str) -> object:
    """Turn a command-line string into the parameter's type; raise ParameterValueError when it doesn't fit."""
    type_name = parameter.type_name
    stripped = raw.strip()
    if parameter.optional and stripped in ("None", "null"):
        return None

    def refuse(expected: str) -> ParameterValueError:
        return ParameterValueError(f"parameter {parameter.name!r} expects {expected}, got {raw!r}")

    if type_name == "str":
        return raw
    if type_name == "bool":
        lowered = stripped.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise refuse("a bool (true/false)")
    if type_name == "int":
        try:
            return int(stripped)
        except ValueError:
            raise refuse("an int") from None
    if type_name == "float":
        try:
            return float(stripped)
        except ValueError:
            raise refuse("a float") from None
    if type_name in ("list", "dict", "tuple"):
        try:
            value = _parse_literal(stripped)
        except ParameterValueError:
            raise refuse(f"a {type_name} literal (JSON or Python)") from None
        if type_name == "tuple" and isinstance(value, list):
            value = tuple(value)
        if type(value).__name__ != type_name:
            raise refuse(f"a {type_name} literal (JSON or Python)")
        return value
    try:
        return _parse_literal(stripped)
    except ParameterValueError:
        return raw
