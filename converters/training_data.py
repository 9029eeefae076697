"""build_plan phase: the data the `model:` variable is fitted on (`MODEL.fit(X, ...)`, `MODEL = ....fit(X)`).

The variable found (`X`) is what runs log a model's signature and input example from (its first rows), and
what a reference profile of the training data is taken from. Only a plain name counts: an expression
(`model.fit(frame[columns], ...)`) or no fit call at all gives a reason instead, said once in the conversion
report, and the model is logged without a signature rather than with a guessed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

FIT_METHOD = "fit"
INPUT_EXAMPLE_ROWS = 5  # rows of the training input kept as the model's input example


@dataclass(frozen=True)
class TrainingInput:
    """The variable `model_variable` is fitted on and the cell of that fit, or why it is unknown."""

    model_variable: str
    variable: str | None
    cell_index: int | None
    reason: str | None = None

    def describe(self) -> str:
        """One line for the conversion report."""
        if self.variable is not None:
            fit = f"`{self.model_variable}.fit({self.variable}, ...)`"
            return (
                f"`{self.variable}` (cell {self.cell_index}: {fit}); the logged model gets a signature "
                f"and an input example from its first {INPUT_EXAMPLE_ROWS} rows"
            )
        return f"not found: {self.reason}; the model is logged without a signature or input example"


@dataclass(frozen=True)
class _Fit:
    """One fit call of the model at module level of a cell: its data argument (a name, or None)."""

    argument: str | None
    expression: str


class _FitFinder(cst.CSTVisitor):
    """Fit calls on `model_variable` outside function and class bodies (those run only when called)."""

    def __init__(self, module: cst.Module, model_variable: str) -> None:
        super().__init__()
        self.module = module
        self.model_variable = model_variable
        self.depth = 0
        self.fits: list[_Fit] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        """`MODEL = Estimator(...).fit(X, y)` (fit returns the estimator)."""
        assigns_model = any(
            isinstance(target.target, cst.Name) and target.target.value == self.model_variable
            for target in node.targets
        )
        if self.depth == 0 and assigns_model and _is_fit(node.value):
            assert isinstance(node.value, cst.Call)
            self._record(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        """`MODEL.fit(X, y)`."""
        function = node.func
        if (
            self.depth == 0
            and _is_fit(node)
            and isinstance(function, cst.Attribute)
            and isinstance(function.value, cst.Name)
            and function.value.value == self.model_variable
        ):
            self._record(node)

    def _record(self, call: cst.Call) -> None:
        data = _data_argument(call)
        expression = self.module.code_for_node(data) if data is not None else ""
        argument = data.value if isinstance(data, cst.Name) else None
        if not self.fits or self.fits[-1].expression != expression or self.fits[-1].argument != argument:
            self.fits.append(_Fit(argument, " ".join(expression.split())))


def _is_fit(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == FIT_METHOD
    )


def _data_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The first positional argument, else the keyword `X` (scikit-learn's name for it)."""
    for argument in call.args:
        if argument.keyword is None and argument.star == "":
            return argument.value
        if argument.keyword is not None and argument.keyword.value == "X":
            return argument.value
    return None


def find_training_input(cells: Iterable[tuple[int, str]], model_variable: str) -> TrainingInput:
    """The variable of the last `model_variable.fit(X, ...)` at the top level of `cells` ((index, Python
    source) in notebook order); a cell that does not parse is passed over."""
    found: tuple[int, _Fit] | None = None
    for index, source in cells:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue
        finder = _FitFinder(module, model_variable)
        module.visit(finder)
        if finder.fits:
            found = (index, finder.fits[-1])
    if found is None:
        return TrainingInput(
            model_variable, None, None, f"no `{model_variable}.fit(X, ...)` call at the top level of a cell"
        )
    index, fit = found
    if fit.argument is None:
        shown = fit.expression[:60] + ("…" if len(fit.expression) > 60 else "")
        what = f"an expression (`{shown}`)" if shown else "no data argument"
        return TrainingInput(
            model_variable,
            None,
            index,
            f"cell {index} fits `{model_variable}` on {what}, not on a variable",
        )
    return TrainingInput(model_variable, fit.argument, index)
