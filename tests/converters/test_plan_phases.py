"""The plan's phases one by one: each takes and returns frozen data, in the order `build_plan` writes once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from converters.cell_roles import classify_cells
from converters.final_values import find_model_variable, plan_tests
from converters.notebook import read_notebook
from converters.notebook_flow import analyse_flow
from converters.plan import build_plan, read_parameters
from converters.shared_code import gather_shared_code, imported_modules
from converters.step_functions import plan_steps
from converters.step_graph import link_steps
from converters.unit_flow import resolve_units

MakeNotebook = Callable[..., Path]
CELLS = [
    ("alpha = 0.5", "parameters"),
    ("import math", "imports"),
    ("import os.path as osp\nrows = [alpha, 2.0]", "step:load"),
    ("scaled = [math.sqrt(row) for row in rows]", "step:scale"),
    ("total = sum(scaled)", "step:train", "model:total"),
    ("assert total > 0", "test"),
]


def test_each_phase_returns_frozen_data_the_next_one_reads(make_notebook: MakeNotebook) -> None:
    notebook = read_notebook(make_notebook(CELLS))
    roles = classify_cells(notebook)
    assert [(unit.name, [cell.index for cell in unit.cells]) for unit in roles.units] == [
        ("load", [2]),
        ("scale", [3]),
        ("train", [4]),
    ]
    parameters = read_parameters(roles)
    assert parameters.names == {"alpha"}
    flow = analyse_flow(notebook)
    assert flow.writers["rows"] == (2,)
    shared = gather_shared_code(roles, flow, parameters.names)
    assert shared.imports == ("import math", "import os.path as osp")
    assert shared.imported_modules == ("math", "os")
    resolved = resolve_units(roles, flow, shared, parameters.names)
    assert dict(resolved.units["scale"].providers) == {"rows": "load"}
    assert resolved.defined["total"] == "train"
    assert find_model_variable(notebook, resolved) == "total"
    tests = plan_tests(roles, flow, shared, resolved)
    assert tests.reads == (("train", "total"),)
    graph = link_steps(roles, resolved, [("train", "total"), *tests.reads])
    assert graph.order == ("load", "scale", "train")
    assert graph.consumers["train"] == {"total"}
    functions = plan_steps(roles, flow, shared, resolved, graph)
    assert [(step.name, step.inputs, step.outputs) for step in functions.steps] == [
        ("load", ("alpha",), ("rows",)),
        ("scale", ("rows",), ("scaled",)),
        ("train", ("scaled",), ("total",)),
    ]
    for value in (roles, parameters, flow, shared, resolved, tests, graph, functions):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


def test_imported_modules_are_read_from_the_import_nodes() -> None:
    blocks = [
        "import numpy as np, pandas as pd",
        "import os.path; from sklearn.linear_model import Ridge",
        "from . import sibling\nfrom .local import thing\nfrom __future__ import annotations",
        "from yaml import (\n    safe_load,\n    safe_dump,\n)",
        "import numpy",
        "from glob import *\nimport math as m; x = m.pi",  # not hoisted: a star import, a mixed line
    ]
    assert imported_modules(blocks) == ("numpy", "pandas", "os", "sklearn", "__future__", "yaml")


def test_every_module_of_a_multi_import_line_reaches_the_requirements(make_notebook: MakeNotebook) -> None:
    plan = build_plan(
        read_notebook(make_notebook([("import json, yaml", "imports"), ("x = yaml.safe_load('1')",)]))
    )
    assert plan.imported_modules == ("json", "yaml")
