"""Emit pass, before/after: step functions keep the cell's code intact (multi-line strings included)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from converters.convert import convert

MakeNotebook = Callable[..., Path]


def steps_source(make_notebook: MakeNotebook, cells: list[tuple[str, ...]]) -> str:
    conversion = convert(make_notebook(cells, name="emit_case"))
    return conversion.files["emit_case/steps.py"].decode("utf-8")


def test_step_function_body_arguments_and_return(make_notebook: MakeNotebook) -> None:
    source = steps_source(
        make_notebook,
        [
            ("rate = 0.1", "parameters"),
            ('query = """\nSELECT *\n  FROM t\n"""\n\nif rate:\n    n = len(query)', "step:load"),
            ("m = n * rate", "step:use"),
        ],
    )
    assert (
        'def load(rate):\n    """Step `load`: notebook cell 1 of emit_case.ipynb.\n\n'
        '    Reads: rate (parameter).\n\n    Returns: n.\n    """\n'
        '    # notebook cell 1 (step:load)\n    query = """\nSELECT *\n  FROM t\n"""\n\n'
        "    if rate:\n        n = len(query)\n    return n\n"
    ) in source
    assert "def use(n, rate):" in source


def test_display_gets_a_shim_and_helpers_collide_safely(make_notebook: MakeNotebook) -> None:
    source = steps_source(
        make_notebook,
        [
            ("def train(x):\n    return x", "functions"),
            ("y = train(2)\ndisplay(y)", "step:train"),
        ],
    )
    assert "\ndef display(*objects, **options):\n" in source
    assert "\ndef train_step():\n" in source
    namespace: dict[str, object] = {}
    exec(compile(source, "steps.py", "exec"), namespace)
    assert namespace["train_step"]() == 2  # the last step returns what it binds


def test_name_option_and_generated_files(make_notebook: MakeNotebook) -> None:
    conversion = convert(make_notebook([("x = 1", "step:a")], name="My Notebook"), package="custom")
    assert conversion.package == "custom"
    assert sorted(conversion.files) == [
        "CONVERSION_REPORT.md",
        "MLproject",
        "README.md",
        "custom/My Notebook.ipynb",
        "custom/__init__.py",
        "custom/__main__.py",
        "custom/figures.py",
        "custom/pipeline.py",
        "custom/plot_backend.py",
        "custom/steps.py",
        "custom/testing.py",
        "python_env.yaml",
        "requirements-test.txt",
        "requirements.txt",
        "tests/conftest.py",
        "tests/test_custom_cells.py",
        "tests/test_custom_parity.py",
        "tests/test_custom_steps.py",
    ]
    for path, data in conversion.files.items():
        if path.endswith(".py"):
            compile(data.decode("utf-8"), path, "exec")


def test_a_step_whose_values_nothing_reads_returns_them(make_notebook: MakeNotebook) -> None:
    source = steps_source(make_notebook, [("data = [3, 1, 2]",), ("ordered = sorted(data)\nprint(ordered)",)])
    assert source.endswith(
        'def main():\n    """Step `main`: notebook cells 0, 1 of emit_case.ipynb.\n\n'
        "    Returns (no later step reads them; for the parity test and run_steps() results): data, "
        'ordered.\n    """\n'
        "    # notebook cell 0\n    data = [3, 1, 2]\n"
        "    # notebook cell 1\n    ordered = sorted(data)\n    print(ordered)\n"
        "    return data, ordered\n"
    )
