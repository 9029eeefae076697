"""What `jupyter-mlops run` takes a model's input example and signature from, without a server: the notebook's
fit call (nb2prod's rule, magics translated), the first rows of the data, and a model that cannot predict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from jupyter_mlops.retraining.models import first_rows, model_signature
from jupyter_mlops.retraining.target import load_notebook_target
from tests.retraining.conftest import IRIS_NOTEBOOK, code_cell


def test_the_iris_notebook_is_fitted_on_x_train() -> None:
    found = load_notebook_target(IRIS_NOTEBOOK).training_input
    assert found is not None and (found.variable, found.cell_index) == ("X_train", 4)


def test_a_timed_fit_on_an_expression_gives_the_reason(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(
        "timed.ipynb",
        [
            code_cell("X = [[0.0], [1.0]]\ny = [0.0, 1.0]\nrows = [0, 1]", "step:load"),
            code_cell("from sklearn.linear_model import LinearRegression\nclf = LinearRegression()\n"
                      "%time clf.fit(X[rows], y)", "step:train", "model:clf"),
        ],
    )  # fmt: skip
    found = load_notebook_target(path).training_input
    assert found is not None and found.variable is None
    assert found.reason == "cell 1 fits `clf` on an expression (`X[rows]`), not on a variable"


def test_no_model_tag_no_training_input(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook("plain.ipynb", [code_cell("x = 1", "step:one")])
    assert load_notebook_target(path).training_input is None


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (pd.DataFrame({"a": range(9)}), 5),
        (np.zeros((9, 2)), 5),
        ([[1.0]] * 3, 3),
        ({"a": [1, 2]}, None),
        (None, None),
    ],
)
def test_first_rows_of_frames_arrays_and_lists(data: object, rows: int | None) -> None:
    example = first_rows(data)
    assert (len(example) if example is not None else None) == rows


def test_a_model_that_cannot_predict_on_its_example_is_logged_without_a_signature() -> None:
    model = LinearRegression().fit(np.zeros((3, 2)), [0.0, 1.0, 2.0])
    with pytest.warns(
        UserWarning, match="no signature for the model: predicting on its input example failed"
    ):
        assert model_signature(model, np.zeros((2, 5))) is None
    signature = model_signature(model, np.zeros((2, 2)))
    assert signature is not None and signature.inputs.inputs[0].shape == (-1, 2)
