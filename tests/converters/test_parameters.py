"""The parameters cell: literal assignments parse with types; anything else is refused with its line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from converters.cli import main
from converters.convert import convert
from converters.errors import HiddenStateError, ParameterError, ParameterValueError
from converters.parameters import Parameter, coerce_parameter_value, parse_parameters_cell

MakeNotebook = Callable[..., Path]
CELL = '''"""Pipeline parameters."""
test_size = 0.25  # share held out
n_estimators: int = 100
criterion = "gini"
use_scaler = True
features: list = ["a", "b"]
limit: int | None = None
seed = -1
'''


def test_literals_and_annotations_give_names_defaults_and_types() -> None:
    parameters = parse_parameters_cell(CELL)
    assert [(p.name, p.default, p.type_name) for p in parameters] == [
        ("test_size", 0.25, "float"),
        ("n_estimators", 100, "int"),
        ("criterion", "gini", "str"),
        ("use_scaler", True, "bool"),
        ("features", ["a", "b"], "list"),
        ("limit", None, "int"),
        ("seed", -1, "int"),
    ]
    assert parameters[0].comment == "share held out"
    assert parameters[0].line == 2
    assert parameters[5].optional and not parameters[1].optional


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a, b = 1, 2\n", "cell 2 (tag parameters), line 1: a parameter is one name assigned a value"),
        (
            "import os\nfor i in []: pass\n",
            "cell 2 (tag parameters), line 2: the parameters cell may only assign",
        ),
        ("x: int\n", "cell 2 (tag parameters), line 1: parameter 'x' has an annotation but no default value"),
        ("x = {1, 2}\n", "cell 2 (tag parameters), line 1: parameter 'x' has a set default"),
        ("x = (\n", "cell 2 (tag parameters), line 1: syntax error"),
        (
            "a = 1\nprint(a)\n",
            "cell 2 (tag parameters), line 2: the parameters cell may only assign values to names",
        ),
    ],
)
def test_non_parameters_are_refused_with_cell_and_line(source: str, message: str) -> None:
    with pytest.raises(ParameterError) as caught:
        parse_parameters_cell(source, cell_index=2)
    assert str(caught.value).startswith(message)


def test_computed_defaults_are_kept_as_expressions_typed_by_annotation_else_str() -> None:
    source = (
        "from datetime import date\nbase = 'data'\ntoday = date.today()  # run day\n"
        "path = base + '/x.csv'\nsize: int = len(base)\nlimit: int | None = len(base)\n"
    )
    parameters = parse_parameters_cell(source)
    assert [(p.name, p.default, p.expression, p.type_name) for p in parameters] == [
        ("base", "data", None, "str"),
        ("today", None, "date.today()", "str"),
        ("path", None, "base + '/x.csv'", "str"),
        ("size", None, "len(base)", "int"),
        ("limit", None, "len(base)", "int"),
    ]
    assert [p.computed for p in parameters] == [False, True, True, True, True]
    assert parameters[1].comment == "run day"
    assert not parameters[3].optional and parameters[4].optional


def test_a_computed_default_may_read_only_what_the_package_defines(make_notebook: MakeNotebook) -> None:
    notebook = make_notebook([("x = 1",), ("path = folder + '/a'", "parameters"), ("y = path", "step:a")])
    with pytest.raises(HiddenStateError) as caught:
        convert(notebook)
    assert str(caught.value).startswith(
        "cell 1 (tag parameters), line 1: this cell reads 'folder', which nothing defines before it"
    )


def test_computed_defaults_become_default_parameters_in_steps(make_notebook: MakeNotebook) -> None:
    notebook = make_notebook(
        [
            ("from datetime import date\nbase = 'data'\ntoday = date.today()", "parameters"),
            ("stamp = today.isoformat() + base", "step:a"),
        ]
    )
    conversion = convert(notebook)
    steps = conversion.files[f"{conversion.package}/steps.py"].decode()
    assert (
        "    # notebook cell 0 (parameters)\n    base = 'data'\n    today = date.today()\n"
        '    return {"today": today}\n'
    ) in steps
    pipeline = conversion.files[f"{conversion.package}/pipeline.py"].decode()
    assert 'PARAMETERS: dict[str, object] = {"base": "data"}' in pipeline
    assert 'COMPUTED_PARAMETERS: dict[str, str] = {"today": "date.today()"}' in pipeline
    mlproject = conversion.files["MLproject"].decode()
    assert "--base {base}" in mlproject and "today" not in mlproject


def test_imports_in_the_parameters_cell_are_not_parameters() -> None:
    source = "import os\nfrom datetime import date\nbase = 'data'\n"
    assert [p.name for p in parse_parameters_cell(source)] == ["base"]


def test_imports_in_the_parameters_cell_are_hoisted_for_every_step(make_notebook: MakeNotebook) -> None:
    notebook = make_notebook(
        [
            ("import os\nfrom pathlib import Path as P\nbase = 'data'", "parameters"),
            ("target = os.path.join(base, 'x.csv')\nfolder = P(base)", "step:a"),
        ]
    )
    conversion = convert(notebook)
    steps = conversion.files[f"{conversion.package}/steps.py"].decode()
    assert "\nimport os\nfrom pathlib import Path as P\n" in steps
    assert "\ndef a(base):\n" in steps  # os and P are module names, not inputs


def _parameter(type_name: str, default: object = 0, annotation: str | None = None) -> Parameter:
    return Parameter("p", default, type_name, 1, annotation)


@pytest.mark.parametrize(
    ("type_name", "raw", "value"),
    [
        ("int", "3", 3),
        ("float", "0.5", 0.5),
        ("float", "1", 1.0),
        ("str", "gini", "gini"),
        ("bool", "false", False),
        ("bool", "YES", True),
        ("list", '["a", 1]', ["a", 1]),
        ("list", "['a']", ["a"]),
        ("dict", '{"k": 2}', {"k": 2}),
        ("tuple", "[1, 2]", (1, 2)),
    ],
)
def test_coerce_turns_strings_into_the_parameter_type(type_name: str, raw: str, value: object) -> None:
    assert coerce_parameter_value(_parameter(type_name), raw) == value


def test_optional_parameters_accept_none() -> None:
    assert coerce_parameter_value(_parameter("int", None), "None") is None
    assert coerce_parameter_value(_parameter("int", None), "4") == 4


@pytest.mark.parametrize(
    ("type_name", "raw", "message"),
    [
        ("int", "3.5", "parameter 'p' expects an int, got '3.5'"),
        ("float", "abc", "parameter 'p' expects a float, got 'abc'"),
        ("bool", "maybe", "parameter 'p' expects a bool (true/false), got 'maybe'"),
        ("list", '{"a": 1}', "parameter 'p' expects a list literal (JSON or Python), got '{\"a\": 1}'"),
        ("dict", "[", "parameter 'p' expects a dict literal (JSON or Python), got '['"),
    ],
)
def test_coerce_refuses_values_that_do_not_fit(type_name: str, raw: str, message: str) -> None:
    with pytest.raises(ParameterValueError) as caught:
        coerce_parameter_value(_parameter(type_name), raw)
    assert str(caught.value) == message


COMPUTED_CELLS = [
    (
        "import os\nfrom datetime import date\nbase = 'data'  # folder\ntoday = date.today()\n"
        "path = os.path.join(base, 'x.csv')\nsize: int = len(base) * 2",
        "parameters",
    ),
    ("stamp = today.isoformat()\nfull = path.upper()\ntotal = size + 1", "step:use"),
]


def _package_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLFLOW_", "NB2PROD_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.slow
def test_computed_defaults_run_overridden_and_pass_parity(
    make_notebook: MakeNotebook, tmp_path: Path
) -> None:
    """The real package: the CLI computes and overrides the defaults; the generated parity test (papermill
    runs the notebook's own parameters cell) passes."""
    out_dir = tmp_path / "out"
    assert main([str(make_notebook(COMPUTED_CELLS, name="computed")), "-o", str(out_dir), "-q"]) == 0
    probe = (
        "import json, sys\nfrom computed import pipeline\n"
        "print(json.dumps(pipeline.resolve_parameters({}), default=str))\n"
        "size = pipeline.coerce_parameter('size', '7')\n"
        "print(json.dumps(pipeline.resolve_parameters({'size': size}), default=str))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=out_dir, env=_package_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first == {"base": "data", "today": date.today().isoformat(), "path": "data/x.csv", "size": 8}
    assert second["size"] == 7 and second["path"] == "data/x.csv"
    helped = subprocess.run(
        [sys.executable, "-m", "computed", "--help"],
        cwd=out_dir,
        env=_package_env(),
        capture_output=True,
        text=True,
    )
    assert "--size VALUE          int, default computed: len(base) * 2" in helped.stdout
    parity = subprocess.run(
        [sys.executable, "-m", "pytest", str(out_dir), "-q", "-p", "no:cacheprovider", "-s"],
        cwd=out_dir,
        env=_package_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert parity.returncode == 0, parity.stdout[-4000:] + parity.stderr[-2000:]
    assert "use: equal — stamp, full, total" in parity.stdout
