"""The training data of the `model:` variable: the fit calls naming it, and the report line when none does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from converters.convert import convert
from converters.training_data import find_training_input


def found(*sources: str, model: str = "model") -> tuple[str | None, int | None, str | None]:
    result = find_training_input(enumerate(sources), model)
    return result.variable, result.cell_index, result.reason


@pytest.mark.parametrize(
    "source",
    [
        "model.fit(X_train, y_train)",
        "model.fit(X=X_train, y=y_train)",
        "model = RandomForestClassifier().fit(X_train, y_train)",
        "model = make_pipeline(StandardScaler(), Ridge()).fit(X_train, y_train)",
        "for _ in range(2):\n    model.fit(X_train, y_train)",
        "with timer():\n    model.fit(X_train, y_train)",
    ],
)
def test_the_fit_call_names_the_training_variable(source: str) -> None:
    assert found("X_train = load()", source) == ("X_train", 1, None)


def test_the_last_fit_wins() -> None:
    assert found("model.fit(X_small, y)", "model.fit(X_all, y)") == ("X_all", 1, None)


def test_fits_of_other_estimators_and_inside_functions_do_not_count() -> None:
    cells = (
        "scaler.fit(X_raw)",
        "def refit(model, X_local):\n    model.fit(X_local, y)",
        "helper = lambda model: model.fit(X_lambda)",
        "model.fit(X_train, y)",
    )
    assert found(*cells) == ("X_train", 3, None)


def test_an_expression_is_not_guessed() -> None:
    variable, cell, reason = found("model.fit(frame[columns], frame['y'])")
    assert (variable, cell) == (None, 0)
    assert reason == "cell 0 fits `model` on an expression (`frame[columns]`), not on a variable"


def test_no_fit_call_says_so() -> None:
    assert found("model = load_model()") == (
        None,
        None,
        "no `model.fit(X, ...)` call at the top level of a cell",
    )


def test_a_cell_that_does_not_parse_is_passed_over() -> None:
    assert found("%time model.fit(X_bad, y)", "model.fit(X_train, y)") == ("X_train", 1, None)


def test_the_plan_keeps_the_variable_for_the_pipeline_and_the_report_says_it(
    make_notebook: Callable[..., Path],
) -> None:
    notebook = make_notebook(
        [
            ("import numpy as np\nfrom sklearn.linear_model import LinearRegression", "imports"),
            (
                "X = np.arange(20.0).reshape(10, 2)\ny = X.sum(axis=1)\nmodel = LinearRegression()",
                "step:load",
            ),
            ("model.fit(X, y)", "step:train", "model:model"),
        ]
    )
    conversion = convert(notebook)
    assert conversion.plan.training_input is not None
    assert conversion.plan.training_input.variable == "X"
    load = next(step for step in conversion.plan.steps if step.name == "load")
    assert "X" in load.outputs  # the pipeline's results hold it for the model logging
    assert b'TRAINING_INPUT: str | None = "X"' in conversion.files["sample/pipeline.py"]
    assert "Training data of the model: `X` (cell 2: `model.fit(X, ...)`)" in conversion.report


def test_a_variable_no_step_defines_is_reported_not_used(make_notebook: Callable[..., Path]) -> None:
    notebook = make_notebook(
        [
            ("import numpy as np\nfrom sklearn.linear_model import LinearRegression", "imports"),
            (
                "model = LinearRegression()\nmodel.fit(np.ones((3, 1)), [1, 2, 3])",
                "step:train",
                "model:model",
            ),
        ]
    )
    conversion = convert(notebook)
    assert b"TRAINING_INPUT: str | None = None" in conversion.files["sample/pipeline.py"]
    assert (
        "Training data of the model: not found: cell 1 fits `model` on an expression (`np.ones((3, 1))`), "
        "not on a variable; the model is logged without a signature or input example." in conversion.report
    )
