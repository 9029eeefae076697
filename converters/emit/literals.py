"""Values and identifiers as libcst nodes: how user-derived text reaches generated Python.

Every string from a notebook (file name, metric names, parameter defaults and help, experiment name) enters
generated code only through `literal()` — a node built from the value, whose code is `repr` of each atom —
or through `docstring()`, which escapes quotes, backslashes and every character that is not printable.
Names used as names (package, step functions, parameters) pass `identifier()` first.
"""

from __future__ import annotations

import ast
import keyword
import math

import libcst as cst

MAX_DEPTH = 40  # nested lists/dicts in a parameter default; Python's parser allows 200 brackets in all
INLINE_WIDTH = 60
_RENDER = cst.Module(body=[])


class LiteralError(ValueError):
    """A value with no faithful Python literal (a set, bytes, an object, or nested too deeply)."""


def identifier(name: str) -> cst.Name:
    """`name` as a Name node; ValueError unless it is an identifier and not a keyword."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{name!r} is not a Python identifier")
    return cst.Name(name)


def code(node: cst.CSTNode) -> str:
    """The source of one node."""
    return _RENDER.code_for_node(node)


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    """A line break inside brackets, continuing at `indent` (module level)."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[],
        indent=False,
        last_line=cst.SimpleWhitespace(indent),
    )


def string_text(value: str) -> str:
    """`repr(value)`, in double quotes when that needs no escape (the style of the files around it)."""
    text = repr(value)
    if text.startswith("'") and "'" not in value and '"' not in value:
        return '"' + text[1:-1] + '"'
    return text


def _number(value: int | float) -> cst.BaseExpression:
    if isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return cst.Call(func=cst.Name("float"), args=[cst.Arg(cst.SimpleString(repr(text)))])
    negative = value < 0 or (isinstance(value, float) and math.copysign(1.0, value) < 0)
    magnitude = -value if negative else value
    if isinstance(magnitude, float):
        atom: cst.BaseExpression = cst.Float(repr(magnitude))
    elif magnitude.bit_length() > 10_000:  # repr() refuses ints over 4300 digits; hex has no limit
        atom = cst.Integer(hex(magnitude))
    else:
        atom = cst.Integer(repr(magnitude))
    return cst.UnaryOperation(operator=cst.Minus(), expression=atom) if negative else atom


def literal(value: object, *, indent: str = "", depth: int = 0) -> cst.BaseExpression:
    """A node that evaluates to `value` (None, bool, int, float, str, list, tuple, dict of those).

    Short containers stay on one line; longer dicts put one entry per line, nested dicts likewise.
    """
    if depth > MAX_DEPTH:
        raise LiteralError(f"nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return cst.Name(repr(value))
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return cst.SimpleString(string_text(value))
    if isinstance(value, (list, tuple)):
        elements = [cst.Element(literal(item, indent=indent, depth=depth + 1)) for item in value]
        if isinstance(value, list):
            return cst.List(elements)
        if len(elements) == 1:
            elements = [elements[0].with_changes(comma=cst.Comma())]
        return cst.Tuple(elements)
    if isinstance(value, dict):
        return _dict(value, indent, depth)
    raise LiteralError(f"a {type(value).__name__} has no literal")


def _dict(value: dict[object, object], indent: str, depth: int) -> cst.Dict:
    inline = cst.Dict(
        [
            cst.DictElement(literal(key, depth=depth + 1), literal(item, depth=depth + 1))
            for key, item in value.items()
        ]
    )
    if not value or len(code(inline)) + len(indent) <= INLINE_WIDTH:
        return inline
    inner = indent + "    "
    elements = []
    for position, (key, item) in enumerate(value.items()):
        last = position == len(value) - 1
        elements.append(
            cst.DictElement(
                literal(key, depth=depth + 1),
                literal(item, indent=inner, depth=depth + 1),
                comma=cst.Comma(whitespace_after=_newline(indent if last else inner)),
            )
        )
    return cst.Dict(elements, lbrace=cst.LeftCurlyBrace(whitespace_after=_newline(inner)))


def vertical_call(function: cst.BaseExpression, arguments: list[cst.Arg], indent: str) -> cst.Call:
    """`function(` then one argument per line at `indent` + 4, then `)` at `indent`."""
    inner = indent + "    "
    laid_out = [
        argument.with_changes(
            comma=cst.Comma(whitespace_after=_newline(indent if position == len(arguments) - 1 else inner)),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
            )
            if argument.keyword is not None
            else argument.equal,
        )
        for position, argument in enumerate(arguments)
    ]
    return cst.Call(function, laid_out, whitespace_before_args=_newline(inner))


def vertical_tuple(items: list[cst.BaseExpression], indent: str = "") -> cst.Tuple:
    """`(` then one item per line, each followed by a comma, then `)`."""
    if not items:
        return cst.Tuple([])
    inner = indent + "    "
    elements = [
        cst.Element(item, comma=cst.Comma(whitespace_after=_newline(indent if last else inner)))
        for item, last in ((item, position == len(items) - 1) for position, item in enumerate(items))
    ]
    return cst.Tuple(elements, lpar=[cst.LeftParen(whitespace_after=_newline(inner))])


def docstring_text(text: str, indent: str = "") -> str:
    """The source of a triple-quoted docstring holding `text` exactly (quotes, backslashes, and every
    non-printable character escaped; lines after the first indented by `indent`)."""
    escaped: list[str] = []
    for character in text:
        if character == "\n":
            escaped.append("\n")
        elif character in '\\"':
            escaped.append("\\" + character)
        elif character.isprintable():
            escaped.append(character)
        else:
            escaped.append(repr(character)[1:-1])
    lines = "".join(escaped).split("\n")
    last = len(lines) - 1
    body = "\n".join(
        [
            lines[0],
            *[indent + line if line or number == last else "" for number, line in enumerate(lines) if number],
        ]
    )
    source = f'"""{body}"""'
    if ast.literal_eval(source).replace("\n" + indent, "\n") != text.replace("\n" + indent, "\n"):
        raise AssertionError("docstring escaping lost text")  # pragma: no cover - a converter bug
    return source


def docstring(text: str, indent: str = "") -> cst.SimpleStatementLine:
    """A docstring statement holding `text` (see `docstring_text`)."""
    return cst.SimpleStatementLine([cst.Expr(cst.SimpleString(docstring_text(text, indent)))])


def comment_text(text: str) -> str:
    """`text` when it can stand in a `#` comment as is (all printable), else its repr."""
    return text if text.isprintable() else repr(text)
