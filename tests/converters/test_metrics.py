"""The metrics cell: names from assignments, print/display, the last expression and displayed dicts."""

from __future__ import annotations

import pytest

from converters.errors import CellSyntaxError
from converters.metrics import MetricSpec, metric_names, metric_specs


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("accuracy", ["accuracy"]),
        ("accuracy, f1", ["accuracy", "f1"]),
        ("print(accuracy)\nprint('f1:', f1)", ["accuracy", "f1"]),
        ("print(f'acc={accuracy:.3f}')", ["accuracy"]),
        ("display(accuracy)", ["accuracy"]),
        ("rmse = mean_squared_error(y, p) ** 0.5\nr2 = r2_score(y, p)", ["rmse", "r2"]),
        ('{"accuracy": acc, "f1": f1_macro}', ["accuracy", "f1"]),
        ("acc = 1\nacc", ["acc"]),
        ("x = 1\nx.mean()", ["x"]),
        ("", []),
    ],
)
def test_metric_names(source: str, names: list[str]) -> None:
    assert metric_names(source) == names


def test_dict_keys_keep_the_expression_that_gives_the_value() -> None:
    assert metric_specs('{"accuracy": scores.mean(), "n": len(y)}') == [
        MetricSpec("accuracy", "scores.mean()"),
        MetricSpec("n", "len(y)"),
    ]


def test_only_the_last_bare_expression_counts() -> None:
    assert metric_names("accuracy\nprint(f1)\nloss") == ["f1", "loss"]


def test_syntax_error_names_cell_and_line() -> None:
    with pytest.raises(CellSyntaxError) as caught:
        metric_specs("a = 1\nb = (", cell_index=7)
    assert str(caught.value).startswith("cell 7 (tag metrics), line 2: syntax error")
