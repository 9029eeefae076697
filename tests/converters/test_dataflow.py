"""Dataflow pass, before/after: reads before any binding, bindings, hoisted imports, mutations, aliases."""

from __future__ import annotations

from converters.dataflow import Mutation, NameUse, analyse_cell, imported_top_modules, split_imports


def test_reads_are_names_used_before_this_cell_binds_them() -> None:
    flow = analyse_cell("df = df.dropna()\ntotal = 0\nfor value in values:\n    total = total + value\n")
    assert flow.reads == (NameUse("df", 1), NameUse("values", 3))
    assert flow.writes == ("df", "total", "value")


def test_function_bodies_and_comprehensions_resolve_globals() -> None:
    flow = analyse_cell("def score(a):\n    return a * weight + bias\nbias = 1\nys = [x * k for x in xs]\n")
    assert [use.name for use in flow.reads] == ["weight", "k", "xs"]
    assert "a" not in flow.writes and "x" not in flow.writes


def test_builtins_are_kept_apart() -> None:
    flow = analyse_cell("print(len(items))\n")
    assert [use.name for use in flow.builtin_reads] == ["len", "print"]
    assert [use.name for use in flow.reads] == ["items"]


def test_import_bindings_and_hoisting() -> None:
    source = "import numpy as np\nfrom os import path as p\nx = np.zeros(3)\n"
    flow = analyse_cell(source)
    assert flow.import_writes == ("np", "p")
    assert split_imports(source) == ("import numpy as np\nfrom os import path as p\n", "x = np.zeros(3)\n")


def test_mutations_and_aliases() -> None:
    flow = analyse_cell(
        'df["b"] = 1\nitems.append(2)\ndf.drop(columns=["a"], inplace=True)\ncounts += 1\n'
        "np.random.shuffle(order)\nsame = df\n"
    )
    assert flow.mutations == (
        Mutation("df", 1, "df[...] = ..."),
        Mutation("items", 2, "items.append(...)"),
        Mutation("df", 3, "df.drop(..., inplace=True)"),
        Mutation("counts", 4, "counts += ..."),
        Mutation("order", 5, "shuffle(order)"),
    )
    assert flow.aliases == (("same", "df", 6),)


def test_dynamic_namespace_access_is_reported() -> None:
    assert [use.name for use in analyse_cell("exec('x = 1')\n").dynamic] == ["exec"]


def test_imported_modules_come_from_import_nodes_not_text() -> None:
    source = (
        "import numpy, pandas as pd\n"
        "import os.path as osp, scipy.stats\n"
        "from sklearn.model_selection import (\n    train_test_split,\n)\n"
        "from . import local\n"
        "import numpy as np; import matplotlib.pyplot as plt\n"
    )
    assert imported_top_modules(source) == ("numpy", "pandas", "os", "scipy", "sklearn", "matplotlib")
