"""Modules from the files in converters/templates: parsed once with libcst, placeholders replaced by nodes.

A template is plain Python. `nb2prod_package` stands for the package's name (a validated identifier);
`nb2prod_value` on the right of `NAME = ...` stands for the value of NAME, given as a libcst node built by
`literals.literal` — so no text from the notebook is ever pasted into source. In string constants
(docstrings, `prog=`), `nb2prod_package` and `nb2prod_notebook` become the package and notebook file names,
the string rebuilt with every quote, backslash and unprintable character escaped.
"""

from __future__ import annotations

import ast
from functools import cache
from importlib import resources

import libcst as cst

from converters.emit.literals import docstring_text, identifier, string_text

PACKAGE_PLACEHOLDER = "nb2prod_package"
VALUE_PLACEHOLDER = "nb2prod_value"
NOTEBOOK_PLACEHOLDER = "nb2prod_notebook"


@cache
def template_module(name: str) -> tuple[cst.Module, frozenset[int]]:
    """The parsed template `converters/templates/NAME` (nodes are immutable: safe to share), and the
    positions of its top-level statements that hold a placeholder (only those are visited per render)."""
    text = resources.files("converters").joinpath("templates", name).read_text(encoding="utf-8")
    module = cst.parse_module(text)
    marked = frozenset(
        position
        for position, statement in enumerate(module.body)
        if "nb2prod_" in module.code_for_node(statement)
    )
    return module, marked


class _Filler(cst.CSTTransformer):
    """Replaces the package placeholder and each `NAME = nb2prod_value` with the given node."""

    def __init__(self, package: str, notebook: str, values: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.package = identifier(package)
        self.texts = {PACKAGE_PLACEHOLDER: package, NOTEBOOK_PLACEHOLDER: notebook}
        self.values = values
        self.targets: list[str] = []
        self.filled: set[str] = set()

    def _enter(self, target: cst.BaseExpression) -> None:
        self.targets.append(target.value if isinstance(target, cst.Name) else "")

    def visit_Assign(self, node: cst.Assign) -> None:
        self._enter(node.targets[0].target)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        self.targets.pop()
        return updated_node

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._enter(node.target)

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        self.targets.pop()
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if updated_node.value == PACKAGE_PLACEHOLDER:
            return self.package
        if updated_node.value == VALUE_PLACEHOLDER:
            target = self.targets[-1] if self.targets else ""
            if target not in self.values:
                raise KeyError(f"template value {target or '?'} not given")
            self.filled.add(target)
            return self.values[target]
        return updated_node

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if not any(placeholder in updated_node.value for placeholder in self.texts):
            return updated_node
        text = ast.literal_eval(updated_node.value)
        for placeholder, value in self.texts.items():
            text = text.replace(placeholder, value)
        if updated_node.value.startswith('"""'):
            indent = "    " if "\n    " in updated_node.value else ""
            return cst.SimpleString(docstring_text(text.replace("\n" + indent, "\n"), indent))
        return cst.SimpleString(string_text(text))


def render(
    name: str, package: str, values: dict[str, cst.BaseExpression] | None = None, notebook: str = ""
) -> str:
    """The source of template NAME for `package`, with `values` in place of its placeholders."""
    filler = _Filler(package, notebook, values or {})
    template, marked = template_module(name)
    body = [
        statement.visit(filler) if position in marked else statement
        for position, statement in enumerate(template.body)
    ]
    module = template.with_changes(body=body)
    unused = set(filler.values) - filler.filled
    if unused:
        raise KeyError(f"template {name} has no place for {', '.join(sorted(unused))}")
    return module.code
