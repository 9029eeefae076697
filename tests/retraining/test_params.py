"""Parameter values are checked against the `parameters` cell before a kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.params import resolve, spec_from_package
from jupyter_mlops.retraining.target import load_target
from tests.retraining.conftest import IRIS_NOTEBOOK, code_cell


def test_values_are_coerced_to_the_declared_types() -> None:
    spec = load_target(IRIS_NOTEBOOK).spec
    assert resolve(spec, [("C", "0.5"), ("max_iter", "50"), ("seed", "3")]) == {
        "C": 0.5,
        "max_iter": 50,
        "seed": 3,
    }


def test_unknown_parameter_is_refused_listing_the_valid_names() -> None:
    spec = load_target(IRIS_NOTEBOOK).spec
    with pytest.raises(
        BadInputError, match=r"unknown parameter 'Cx'; valid parameters: C, max_iter, test_size, seed"
    ):
        resolve(spec, [("Cx", "1")], where="-p")


def test_value_of_the_wrong_type_is_refused() -> None:
    spec = load_target(IRIS_NOTEBOOK).spec
    with pytest.raises(BadInputError, match=r"parameter 'max_iter' expects an int, got '2.5'"):
        resolve(spec, [("max_iter", "2.5")])


def test_annotation_wins_over_the_default_type() -> None:
    spec = load_target(IRIS_NOTEBOOK).spec  # `C: float = 1.0`
    assert resolve(spec, [("C", "2")]) == {"C": 2.0}


def test_package_spec_uses_parameter_types() -> None:
    spec = spec_from_package(
        {"alpha": 0.5, "use_scaler": True, "name": "x"}, {"alpha": "float", "use_scaler": "bool"}
    )
    assert resolve(spec, [("alpha", "1"), ("use_scaler", "false"), ("name", "y")]) == {
        "alpha": 1.0,
        "use_scaler": False,
        "name": "y",
    }
    with pytest.raises(BadInputError, match="expects a bool"):
        resolve(spec, [("use_scaler", "maybe")])


def test_grid_values_go_through_the_same_checks() -> None:
    spec = spec_from_package({"alpha": 0.5, "depth": 3}, {"alpha": "float", "depth": "int"})
    assert resolve(spec, [("alpha", 2), ("depth", 4)]) == {"alpha": 2.0, "depth": 4}
    with pytest.raises(BadInputError, match=r"row 3: parameter 'depth' expects an int, got '4.5'"):
        resolve(spec, [("depth", 4.5)], where="row 3")


def test_misspelled_tag_in_the_notebook_is_refused(tmp_path: Path) -> None:
    from tests.retraining.conftest import write_notebook

    path = write_notebook(tmp_path / "typo.ipynb", [code_cell("alpha = 1", "paramters")])
    with pytest.raises(BadInputError, match=r"typo.ipynb: cell 0 .*did you mean 'parameters'"):
        load_target(path)


def test_not_a_notebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    with pytest.raises(BadInputError, match="not a readable Jupyter notebook"):
        load_target(path)
    with pytest.raises(BadInputError, match="no such notebook or package"):
        load_target(tmp_path / "missing.ipynb")
    with pytest.raises(BadInputError, match="not a notebook nor a package written by nb2prod"):
        load_target(tmp_path)


def test_a_package_s_computed_defaults_can_be_overridden(tmp_path: Path) -> None:
    """`today = date.today()` in the parameters cell: `jupyter-mlops run PKG -p today ...` accepts it."""
    import nbformat

    from converters.cli import main as nb2prod

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from datetime import date\nalpha = 0.5\ntoday = str(date.today())"),
        nbformat.v4.new_code_cell("stamp = f'{today}-{alpha}'"),
    ]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    notebook.cells[1].metadata["tags"] = ["step:stamp"]
    nbformat.write(notebook, tmp_path / "dated.ipynb")
    assert nb2prod([str(tmp_path / "dated.ipynb"), "-o", str(tmp_path / "pkg"), "-q"]) == 0

    target = load_target(tmp_path / "pkg")

    assert set(target.spec.names) == {"alpha", "today"}
    assert resolve(target.spec, [("today", "2026-01-01"), ("alpha", "0.25")]) == {
        "today": "2026-01-01",
        "alpha": 0.25,
    }
