"""The runtime module `<pkg>/steps.py`: shared imports and helpers, then one plain function per step.

Built as one libcst tree: the notebook's code enters as parsed statements (so lines break only where
Python's tokenizer breaks them), names as validated identifiers, text only through escaped docstrings.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import libcst as cst

from converters.emit.literals import docstring, identifier, literal
from converters.emit.orchestration import PLOTTING_MODULES
from converters.plan import Plan, StepPlan
from converters.step_functions import CELL_END_HELPER, DEFAULTS_FUNCTION

DOCSTRING_WIDTH = 100
DISPLAY_SHIM = '''
def display(*objects, **options):
    """Notebook display() outside a notebook: shows nothing (results are logged to MLflow instead)."""
'''
_BLANK = cst.EmptyLine(indent=False)
# `!cmd {expr} $name` as IPython runs it (IPython.core.interactiveshell: system_piped, var_expand with
# IPython.utils.text.DollarFormatter), without depending on IPython. The command reaches the shim as a
# string literal; expansion happens at run time, with the calling step's variables.
SHELL_SHIM = '''
def ipython_system(command, **variables):
    """`!command` as IPython runs it: `{expression}` and `$name` (`$$` for a literal `$`) expanded from the
    caller's variables and `variables` (the names the line uses), the whole line left as written when
    any part fails to expand; then run by the shell. Like IPython (system_raise_on_error off), a
    failing command does not raise: returns its exit code."""
    import re
    import string
    import sys

    class DollarFormatter(string.Formatter):
        dollar = re.compile(r"(.*?)\\$(\\$?[\\w\\.]+)(?=([^']*'[^']*')*[^']*$)")

        def parse(self, text):
            for literal_text, field, spec, conversion in super().parse(text):
                done, kept = 0, ""
                for match in self.dollar.finditer(literal_text):
                    before, name = match.group(1, 2)
                    if name.startswith("$"):
                        kept += before + name
                    else:
                        yield kept + before, name, "", None
                        kept = ""
                    done = match.end()
                yield kept + literal_text[done:], field, spec, conversion

        def vformat(self, text, args, kwargs):
            parts = []
            for literal_text, field, spec, conversion in self.parse(text):
                parts.append(literal_text)
                if field is not None:
                    expression = ":".join([field, spec]) if spec else field
                    value = self.convert_field(eval(expression, dict(kwargs)), conversion)
                    parts.append(self.format_field(value, ""))
            return "".join(parts)

    caller = sys._getframe(1)
    namespace = {**caller.f_globals, **caller.f_locals, **variables}
    try:
        command = DollarFormatter().vformat(command, [], namespace)
    except Exception:
        pass  # IPython runs the line unexpanded when it cannot expand it
    return subprocess.run(command, shell=True, check=False).returncode
'''

# Jupyter's inline backend (matplotlib_inline.backend_inline.flush_figures) shows and closes every open
# figure when a cell ends; a step spanning several cells does the same where each of its cells ended.
CELL_END_SHIM = f'''
def {CELL_END_HELPER}():
    """Where a notebook cell ended inside a step: as Jupyter's inline backend does at the end of each cell,
    the open figures are shown (kept for the run, see figures.py) and closed, so the next cell starts with
    no current figure."""
    from . import figures

    figures.show()
'''


def _unindented(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Blank lines of module-level code stay empty when the code moves into a function body.

    (libcst parses a module-level blank line as "indented" by the empty module indentation; nested
    blocks already mark theirs unindented, so only the top level needs this.)"""
    return [_BLANK if line.comment is None and not line.whitespace.value else line for line in lines]


def parsed_code(source: str) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine], list[cst.EmptyLine]]:
    """(statements, leading comment lines, trailing comment lines) of code that is already valid Python."""
    module = cst.parse_module(source)
    statements = [
        statement.with_changes(leading_lines=_unindented(statement.leading_lines))
        if statement.leading_lines
        else statement
        for statement in module.body
    ]
    return statements, _unindented(module.header), _unindented(module.footer)


def _with_leading(statement: cst.BaseStatement, lines: list[cst.EmptyLine]) -> cst.BaseStatement:
    return statement.with_changes(leading_lines=[*lines, *statement.leading_lines]) if lines else statement


def function_def(
    name: str,
    parameters: list[str],
    doc: str,
    code: str,
    ending: list[cst.BaseStatement] | None = None,
    prologue: list[cst.BaseStatement] | None = None,
    marker: cst.EmptyLine | None = None,
) -> cst.FunctionDef:
    """`def name(parameters):` with docstring `doc`, then `prologue`, the statements of `code` (after the
    comment line `marker`), `ending`."""
    statements, header, footer = parsed_code(code)
    if marker is not None:
        header = [marker, *header]
    tail = list(ending or [])
    body: list[cst.BaseStatement] = [docstring(doc, "    "), *(prologue or [])]
    if statements:
        body += [_with_leading(statements[0], header), *statements[1:]]
    elif not tail:
        tail = [_with_leading(cst.SimpleStatementLine([cst.Pass()]), header)]
        header = []
    else:
        tail[0] = _with_leading(tail[0], header)
    if tail:
        tail[0] = _with_leading(tail[0], footer)
        footer = []
    return cst.FunctionDef(
        name=identifier(name),
        params=cst.Parameters([cst.Param(identifier(parameter)) for parameter in parameters]),
        body=cst.IndentedBlock([*body, *tail], footer=footer),
        leading_lines=[_BLANK, _BLANK],
    )


def _step_docstring(plan: Plan, step: StepPlan) -> str:
    cells = ", ".join(str(index) for index in step.cells)
    title = f"Step `{step.name}`" if step.kind == "step" else "The run's metrics"
    if step.heading:
        title += f" ({step.heading})"
    noun = "cell" if len(step.cells) == 1 else "cells"
    lines = [f"{title}: notebook {noun} {cells} of {plan.notebook.path.name}."]
    sources = dict(step.providers)
    if step.inputs:
        described = [
            f"{name} ({'parameter' if sources[name] == 'parameter' else 'from ' + sources[name]})"
            for name in step.inputs
        ]
        lines += ["", "Reads: " + ", ".join(described) + "."]
    if step.kind == "metrics":
        lines += ["", "Returns the metrics: " + ", ".join(spec.name for spec in step.metrics) + "."]
    elif step.outputs and len(step.results) == len(step.outputs):
        text = "Returns (no later step reads them; for the parity test and run_steps() results): "
        lines += ["", *textwrap.wrap(text + ", ".join(step.outputs) + ".", DOCSTRING_WIDTH)]
    elif step.outputs:
        lines += ["", *textwrap.wrap("Returns: " + ", ".join(step.outputs) + ".", DOCSTRING_WIDTH)]
        if step.results:
            text = f"No later step reads {', '.join(step.results)}; returned for the parity test and "
            lines += textwrap.wrap(text + "run_steps() results.", DOCSTRING_WIDTH)
    return "\n".join(lines) + ("\n" if len(lines) > 1 else "")


def _return_statement(step: StepPlan) -> cst.SimpleStatementLine | None:
    value: cst.BaseExpression
    if step.kind == "metrics":
        value = cst.Dict(
            [
                cst.DictElement(literal(spec.name), cst.parse_expression(spec.expression))
                for spec in step.metrics
            ]
        )
    elif not step.outputs:
        return None
    elif len(step.outputs) == 1:
        value = identifier(step.outputs[0])
    else:
        value = cst.Tuple([cst.Element(identifier(name)) for name in step.outputs], lpar=[], rpar=[])
    return cst.SimpleStatementLine([cst.Return(value)])


def closes_figures_per_cell(plan: Plan) -> bool:
    """True when the notebook plots (imports matplotlib or seaborn) and a step spans several cells."""
    plots = bool(PLOTTING_MODULES.intersection(plan.imported_modules))
    return plots and any(len(step.cells) > 1 for step in plan.steps)


def _with_cell_ends(function: cst.FunctionDef, markers: Sequence[str]) -> cst.FunctionDef:
    """`function` with a call of the cell-end helper before each statement that follows the end of one of
    the step's cells (its leading comment lines hold the marker of a later cell)."""
    pending = list(markers[1:])
    body: list[cst.BaseStatement] = []
    call = cst.SimpleStatementLine([cst.Expr(cst.Call(func=cst.Name(CELL_END_HELPER)))])
    for statement in function.body.body:
        comments = [line.comment.value if line.comment else None for line in statement.leading_lines]
        crossed = [marker for marker in pending if marker in comments]
        if crossed and body:
            first = comments.index(crossed[0])
            body.append(call.with_changes(leading_lines=statement.leading_lines[:first]))
            statement = statement.with_changes(leading_lines=statement.leading_lines[first:])
        pending = [marker for marker in pending if marker not in crossed]
        body.append(statement)
    return function.with_changes(body=function.body.with_changes(body=body))


def step_function(plan: Plan, step: StepPlan) -> cst.FunctionDef:
    """One step function: the cells' statements, then the return of the names later steps read."""
    returned = _return_statement(step)
    function = function_def(
        step.function_name,
        list(step.inputs),
        _step_docstring(plan, step),
        step.body,
        ending=[returned] if returned is not None else None,
    )
    if len(step.cell_markers) > 1 and closes_figures_per_cell(plan):
        function = _with_cell_ends(function, step.cell_markers)
    return function


Part = tuple[list[cst.BaseStatement], list[cst.EmptyLine]]  # statements, trailing comment lines


def module_code(doc: str, parts: list[Part], *, noqa: bool = True) -> str:
    """A module: docstring, `# ruff: noqa`, then the statements of `parts`, blocks two lines apart."""
    body: list[cst.BaseStatement] = [docstring(doc)]
    pending: list[cst.EmptyLine] = [cst.EmptyLine(comment=cst.Comment("# ruff: noqa"))] if noqa else [_BLANK]
    for number, (statements, footer) in enumerate(parts):
        for position, statement in enumerate(statements):
            lines = list(pending)
            pending = []
            starts_block = number > 0 and position == 0
            if starts_block and list(statement.leading_lines[:2]) != [_BLANK, _BLANK]:
                lines += [_BLANK, _BLANK]
            body.append(_with_leading(statement, lines))
        pending += footer
    return cst.Module(body=body, footer=pending).code


def _code_part(source: str) -> Part:
    statements, header, footer = parsed_code(source)
    if statements:
        statements[0] = _with_leading(statements[0], header)
    return statements, footer


def default_parameters_function(plan: Plan) -> cst.FunctionDef:
    """`default_parameters()`: the parameters cell as papermill runs it (its own defaults, before any
    override), returning the computed defaults by name."""
    computed = [parameter.name for parameter in plan.parameters if parameter.computed]
    returned = cst.Dict([cst.DictElement(literal(name), identifier(name)) for name in computed])
    text = (
        f"The computed defaults of the parameters cell (cell {plan.parameters_cell}), evaluated now: "
        f"{', '.join(computed)}."
    )
    note = (
        "As papermill runs the cell, they are computed from the cell's own defaults; a value given for a "
        "parameter replaces its default afterwards."
    )
    doc = "\n".join(textwrap.wrap(text, DOCSTRING_WIDTH)) + "\n\n"
    doc += "\n".join(textwrap.wrap(note, DOCSTRING_WIDTH)) + "\n"
    ending = [cst.SimpleStatementLine([cst.Return(returned)])]
    return function_def(DEFAULTS_FUNCTION, [], doc, plan.parameters_code, ending=ending)


def runtime_module(plan: Plan) -> str:
    """The whole `steps.py`."""
    doc = (
        f"Runtime steps of `{plan.notebook.path.name}`, one plain function per step.\n\n"
        "Generated by nb2prod; edit the notebook and regenerate rather than editing this file.\n"
    )
    imports = _code_part("import subprocess\n" if plan.uses_subprocess else "")
    if plan.shared_imports:
        shared, footer = _code_part(plan.shared_imports)
        imports = (imports[0] + shared, footer)
    parts = [imports]
    if plan.uses_display:
        parts.append(_code_part(DISPLAY_SHIM))
    if plan.uses_shell_helper:
        parts.append(_code_part(SHELL_SHIM))
    if closes_figures_per_cell(plan):
        parts.append(_code_part(CELL_END_SHIM))
    if plan.shared_code:
        parts.append(_code_part(plan.shared_code))
    if plan.parameters_code:
        parts.append(([default_parameters_function(plan)], []))
    parts += [([step_function(plan, step)], []) for step in plan.steps]
    return module_code(doc, [part for part in parts if part[0] or part[1]])
