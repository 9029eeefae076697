"""Issue 9, converter side: generated code runs only what the notebook runs; bad input is one line, exit 2.

Each case converts a notebook with the real CLI (in-process), then imports and runs the generated package
in a fresh interpreter from OUTDIR: a payload that escaped its string or comment would create SENTINEL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from converters.emit.literals import code, docstring_text, literal
from converters.magics import python_lines
from tests.converters.conftest import write_notebook
from tests.converters.generated_package import files_under, run_generated

RunCli = Callable[..., tuple[int, str, str]]
TOUCH = '__import__("pathlib").Path("SENTINEL").touch()'
# Characters str.splitlines() breaks at but Python's tokenizer does not.
NOT_PYTHON_LINE_BREAKS = ["\u2028", "\u2029", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85"]


def convert_and_run(
    run_cli: RunCli, notebook: Path, expected: dict[str, object] | None = None, package: str = "pkg"
) -> Path:
    """nb2prod NOTEBOOK (exit 0), then run the package; returns OUTDIR. Nothing may appear but OUTDIR."""
    root = notebook.parent
    out_dir = root / "out"
    code_, _, err = run_cli(notebook, "-o", out_dir, "--name", package, "-q")
    assert code_ == 0, err
    for path in out_dir.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")
    before = files_under(root)
    completed = run_generated(out_dir, package, expected)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert files_under(root) == before  # in particular no SENTINEL
    return out_dir


def refused(run_cli: RunCli, notebook: Path, message: str) -> None:
    """Exit 2, exactly one line on stderr, containing `message`; nothing written."""
    out_dir = notebook.parent / "refused"
    code_, _, err = run_cli(notebook, "-o", out_dir, "-q")
    assert code_ == 2
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("nb2prod: error: ") and message in err, err
    assert not out_dir.exists()


@pytest.mark.parametrize("separator", NOT_PYTHON_LINE_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_comment_stays_a_comment_at_characters_python_does_not_break_lines(
    separator: str, tmp_path: Path, run_cli: RunCli
) -> None:
    cells = [
        (f"x = 1  # note{separator}{TOUCH}", "step:a"),
        (f"y = x  # note{separator}!touch SENTINEL", "step:b"),
    ]
    out_dir = convert_and_run(run_cli, write_notebook(tmp_path / "nb.ipynb", cells))
    steps = (out_dir / "pkg" / "steps.py").read_text(encoding="utf-8")
    assert f"# note{separator}{TOUCH}" in steps  # carried over byte for byte, still inside the comment


def test_an_import_in_a_comment_adds_no_requirement(tmp_path: Path, run_cli: RunCli) -> None:
    cells = [("import json  # note\u2028import evil_package", "imports"), ("x = json.dumps(1)", "step:a")]
    out_dir = convert_and_run(run_cli, write_notebook(tmp_path / "nb.ipynb", cells))
    assert "evil" not in (out_dir / "requirements.txt").read_text(encoding="utf-8")


def test_the_report_escapes_terminal_control_characters(tmp_path: Path, run_cli: RunCli) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 1\n%matplotlib inline\x1b[2J", "step:a")])
    code_, out, err = run_cli(notebook, "-o", tmp_path / "out", "--name", "pkg")
    assert code_ == 0, err
    assert "\x1b" not in out and "`%matplotlib inline\\x1b[2J` dropped" in out


def test_python_lines_split_where_the_tokenizer_does() -> None:
    assert python_lines("a\u2028b\x0cc\r\nd\re\nf\n") == ["a\u2028b\x0cc", "d", "e", "f"]


def test_a_hostile_notebook_file_name_is_only_ever_a_string(tmp_path: Path, run_cli: RunCli) -> None:
    name = f'x""";{TOUCH};"""y\'\'\';{TOUCH}#\\😀.ipynb'
    notebook = write_notebook(tmp_path / name, [("x = 1", "step:a")])
    out_dir = convert_and_run(run_cli, notebook, {"NOTEBOOK_FILE": name})
    assert (out_dir / "pkg" / name).read_bytes() == notebook.read_bytes()


def test_metric_names_experiment_names_and_parameter_help_are_literals(
    tmp_path: Path, run_cli: RunCli
) -> None:
    metric = f'a"""{TOUCH}"""\\'
    experiment = f'exp 😀 """{TOUCH} %s'
    cells = [
        (f"alpha = 0.5  # 100% {TOUCH} \u2028{TOUCH}", "parameters"),
        ("x = alpha", "step:a"),
        (f"{{{metric!r}: x, 'acc 😀': 1.0}}", "metrics"),
    ]
    notebook = write_notebook(tmp_path / "nb.ipynb", cells)
    document = json.loads(notebook.read_text(encoding="utf-8"))
    document["metadata"]["jupyter_mlops"] = {"experiment": experiment}
    notebook.write_text(json.dumps(document), encoding="utf-8")
    expected = {"EXPERIMENT_NAME": experiment, "PARAMETERS": {"alpha": 0.5}}
    out_dir = convert_and_run(run_cli, notebook, expected)
    pipeline = (out_dir / "pkg" / "pipeline.py").read_text(encoding="utf-8")
    assert "😀" in pipeline and "\\ud83d" not in pipeline  # a real literal, not json.dumps's surrogates


@pytest.mark.parametrize(
    "line",
    [
        f"get_ipython().run_line_magic('matplotlib', 'inline\\n{TOUCH}')",
        f"get_ipython().run_line_magic('config', 'A.b = 1\\r{TOUCH}')",
        f"get_ipython().run_line_magic('pip', 'install numpy\\n#{TOUCH}')",
        f"get_ipython().system('pip install numpy\\u2028#{TOUCH}')",
    ],
)
def test_magic_arguments_with_line_breaks_never_leave_their_comment(
    line: str, tmp_path: Path, run_cli: RunCli
) -> None:
    """The argument of a magic call holds a line break (a string escape): the translation's comment
    escapes it, so nothing after it becomes code (IPython would pass it to the magic, not run it)."""
    notebook = write_notebook(tmp_path / "nb.ipynb", [(f"x = 1\n{line}", "step:a")])
    code_, _, err = run_cli(notebook, "-o", tmp_path / "out", "--name", "pkg", "-q")
    if code_ == 2:  # e.g. `#__import__(...)` is no requirement: refused in one line
        assert err.count("\n") == 1 and err.startswith("nb2prod: error: "), err
        return
    assert code_ == 0, err
    before = files_under(tmp_path)
    completed = run_generated(tmp_path / "out", "pkg")
    assert completed.returncode == 0, completed.stderr
    assert files_under(tmp_path) == before


def test_after_a_magic_ipython_itself_breaks_lines_at_form_feed(tmp_path: Path, run_cli: RunCli) -> None:
    """IPython splits a cell with str.splitlines(), so code after `%matplotlib inline\\f` runs in the
    notebook; the translation keeps it as the statement it is there (faithful, not a comment)."""
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 1\n%matplotlib inline \x0cy = x + 1", "step:a")])
    code_, _, err = run_cli(notebook, "-o", tmp_path / "out", "--name", "pkg", "-q")
    assert code_ == 0, err
    steps = (tmp_path / "out" / "pkg" / "steps.py").read_text(encoding="utf-8")
    assert "    # %matplotlib inline (notebook session setting, dropped)\n    y = x + 1\n" in steps


def test_keyword_step_tag_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 1", "step:class")])
    refused(run_cli, notebook, "cell 0 (tag step:class): step name 'class' is a Python keyword")


def test_keyword_heading_becomes_a_reported_step_name(tmp_path: Path, run_cli: RunCli) -> None:
    cells = [("md:## Import",), ("x = 1",), ("md:## Class",), ("y = x",)]
    out_dir = convert_and_run(run_cli, write_notebook(tmp_path / "nb.ipynb", cells))
    steps = (out_dir / "pkg" / "steps.py").read_text(encoding="utf-8")
    assert "def import_():" in steps and "def class_(x):" in steps
    report = (out_dir / "CONVERSION_REPORT.md").read_text(encoding="utf-8")
    assert "cell 1: the heading 'Import' names step `import_` (`import` is a Python keyword)" in report


def test_yaml_keywords_as_parameter_names_survive_in_mlproject(tmp_path: Path, run_cli: RunCli) -> None:
    cells = [
        ("on = 1\nyes = 'a: b'\nnull = 2.0\nbig = 1e999", "parameters"),
        ("x = on + null + big", "step:a"),
    ]
    expected = {"PARAMETERS": {"on": 1, "yes": "a: b", "null": 2.0, "big": math.inf}}
    out_dir = convert_and_run(run_cli, write_notebook(tmp_path / "nb.ipynb", cells), expected)
    project = yaml.safe_load((out_dir / "MLproject").read_text(encoding="utf-8"))
    parameters = project["entry_points"]["main"]["parameters"]
    assert parameters == {
        "on": {"type": "string", "default": "1"},
        "yes": {"type": "string", "default": "a: b"},
        "null": {"type": "float", "default": "2.0"},
        "big": {"type": "float", "default": "inf"},
    }
    assert yaml.safe_load((out_dir / "python_env.yaml").read_text())["dependencies"] == [
        "-r requirements.txt"
    ]


@pytest.mark.parametrize("tag", ["step:a\nb", "step:a\n", "parameters\r", "step:\u2028a"])
def test_a_tag_with_a_line_break_is_one_line_of_error(tag: str, tmp_path: Path, run_cli: RunCli) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 1", tag)])
    refused(run_cli, notebook, f"cell 0: tag {tag!r} contains a line break or control character")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%pip install 'numpy", "`pip install 'numpy` cannot be split into words like a shell would"),
        ('!pip install "numpy', "cannot be split into words like a shell would: No closing quotation"),
        ("!echo 'unclosed", "`echo 'unclosed` cannot be split into words like a shell would"),
        ("%pip install 'numpy\nx'", "line 2: syntax error: unterminated string literal"),
        ("%pip install numpy;rm", "'numpy;rm' is not a requirement specifier"),
        ("!echo \x00", "`echo \\x00` holds a control character; a shell line cannot pass it on"),
    ],
)
def test_unbalanced_quotes_in_shell_and_pip_lines(
    line: str, message: str, tmp_path: Path, run_cli: RunCli
) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [(line, "step:a")])
    refused(run_cli, notebook, message)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = " + "[" * 150 + "]" * 150, "the code is nested more than 100 levels deep"),
        ("x = " + "[" * 300 + "]" * 300, "too many nested parentheses"),
        ("x = " + "-" * 100_000 + "1", "nested too deeply for Python's parser"),
        ("x = " + "+".join(["1"] * 100_000), "nested too deeply for Python's parser"),
    ],
    ids=["list-150", "list-300", "unary-100000", "sum-100000"],
)
def test_deeply_nested_code_is_one_line_of_error(
    source: str, message: str, tmp_path: Path, run_cli: RunCli
) -> None:
    refused(run_cli, write_notebook(tmp_path / "nb.ipynb", [(source, "step:a")]), message)


def test_deeply_nested_parameter_default_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    cells = [("x = " + "[" * 40 + "]" * 40, "parameters"), ("y = x", "step:a")]
    refused(run_cli, write_notebook(tmp_path / "nb.ipynb", cells), "nested more than 30 levels deep")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "oops",
            "notebook metadata 'jupyter_mlops' must be an object like {\"experiment\": \"NAME\"}, not 'oops'",
        ),
        ({"experiment": 5}, "notebook metadata jupyter_mlops.experiment must be a string, not 5"),
    ],
)
def test_malformed_jupyter_mlops_metadata(
    section: object, message: str, tmp_path: Path, run_cli: RunCli
) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 1", "step:a")])
    document = json.loads(notebook.read_text())
    document["metadata"]["jupyter_mlops"] = section
    notebook.write_text(json.dumps(document))
    refused(run_cli, notebook, message)


def test_lone_surrogate_in_a_cell_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", [("x = 'PLACE'", "step:a")])
    notebook.write_text(notebook.read_text().replace("PLACE", "\\ud83d"))
    refused(run_cli, notebook, "cell 0: the source holds a lone surrogate")


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -7,
        2**20000,
        1e-05,
        -0.0,
        math.inf,
        -math.inf,
        "",
        "'\"\\\n\u2028😀",
        [1, (2,)],
        {"a": {}},
    ],
    ids=lambda value: type(value).__name__,
)
def test_literal_nodes_evaluate_to_their_value(value: object) -> None:
    found = eval(code(literal(value)), {})
    assert found == value and type(found) is type(value)
    if isinstance(value, float):
        assert math.copysign(1.0, found) == math.copysign(1.0, value)


def test_nan_literal_and_refusals() -> None:
    assert math.isnan(eval(code(literal(math.nan)), {}))
    with pytest.raises(ValueError, match="a set has no literal"):
        literal({1})


@pytest.mark.parametrize("text", ['a"""b', "end\\", 'ends with "', "x\u2028y\x0cz\x00", "line\nnext"])
def test_docstrings_hold_any_text(text: str) -> None:
    source = docstring_text(text)
    assert eval(source, {}) == text
