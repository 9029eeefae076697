"""Property: whatever a notebook holds in names and text, nb2prod either writes a package that compiles and
runs only the notebook's code, or refuses with exactly one line (exit 2) and writes nothing.

Hostile text goes only where the notebook itself never executes it — the file name, tags, headings,
parameter names, defaults and help comments, metric names (string keys), the experiment name (metadata),
magic arguments — so any SENTINEL file, or any other new file, means generated code ran something the
notebook does not.
"""

from __future__ import annotations

import contextlib
import io
import json
import keyword
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from converters.cli import main
from tests.converters.conftest import write_notebook
from tests.converters.generated_package import files_under, run_generated

TOUCH = '__import__("pathlib").Path("SENTINEL").touch()'
FRAGMENTS = [
    '"""',
    "'''",
    '"',
    "'",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\x0c",
    "\x0b",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\t",
    "{",
    "}",
    "%",
    "%s",
    "$HOME",
    "#",
    ";",
    "`",
    ":",
    "- ",
    "😀",
    "é",
    " ",
    TOUCH,
    f'""";{TOUCH};"""',
    f"''';{TOUCH};'''",
    f"\n{TOUCH}\n",
    f"\u2028{TOUCH}",
    f"\x0c{TOUCH}",
    "$(touch SENTINEL)",
    "`touch SENTINEL`",
    "{" + TOUCH + "}",
    "on",
    "null",
]
hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=4).map("".join)
one_line_text = hostile_text.map(lambda text: text.replace("\r", " ").replace("\n", " "))
# Printable text (no controls, line or paragraph separators) with the printable payloads: file names with
# control characters are refused, so these are the names that reach the generated code.
printable_text = st.lists(
    st.one_of(
        st.sampled_from([fragment for fragment in FRAGMENTS if fragment.isprintable()]),
        st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")), max_size=4),
    ),
    min_size=1,
    max_size=4,
).map("".join)
file_stem = (
    st.one_of(printable_text, printable_text, hostile_text)
    .map(lambda text: text.replace("/", "_").replace("\x00", "_").encode()[:150].decode(errors="ignore"))
    .map(lambda stem: stem if stem not in ("", ".", "..") else f"{stem}nb")
)
parameter_name = st.one_of(
    st.sampled_from(
        ["on", "yes", "null", "no", "true", "off", "y", "match", "case", "type", "_", "é", "metrics"]
    ),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
).filter(lambda name: not keyword.iskeyword(name))
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False), hostile_text
)
default_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)
step_tag_name = st.one_of(
    st.sampled_from(["class", "import", "match", "display", "subprocess", "print", "load", "a", "b"]),
    hostile_text,
)
# IPython finds magics in lines split by str.splitlines(): text after \f or U+2028 in a magic's line is
# code the notebook runs. So a magic's argument here has none of those (in a plain comment they stay).
magic_argument = hostile_text.map(lambda text: " ".join(text.splitlines()))
magic_line = st.one_of(
    magic_argument.map(lambda text: f"%matplotlib {text}"),
    magic_argument.map(lambda text: f"%config {text}"),
    magic_argument.map(lambda text: f"%pip install {text}"),
    magic_argument.map(lambda text: f"!echo {text}"),
    hostile_text.map(lambda text: f"get_ipython().run_line_magic('matplotlib', {text!r})"),
)


def source_of(value: object) -> str:
    """Python source of a default in the notebook's parameters cell (`1e999` for infinity: a literal)."""
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, list):
        return "[" + ", ".join(source_of(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{source_of(key)}: {source_of(item)}" for key, item in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True)
class HostileNotebook:
    """A generated notebook: file stem, package option, metadata section, cells as (source, *tags)."""

    stem: str
    package: str | None
    metadata_section: object
    cells: list[tuple[str, ...]]
    parameters: dict[str, object]


@st.composite
def hostile_notebooks(draw: st.DrawFn) -> HostileNotebook:
    names = draw(st.lists(parameter_name, min_size=1, max_size=3, unique=True))
    parameters = {name: draw(default_value) for name in names}
    comments = [draw(one_line_text) for _ in names]
    lines = [
        f"{name} = {source_of(value)}  # {comment}"
        for (name, value), comment in zip(parameters.items(), comments, strict=True)
    ]
    cells: list[tuple[str, ...]] = [("\n".join(lines), "parameters")]
    first = names[0]
    if draw(st.booleans()):  # steps from tags
        step_names = draw(st.lists(step_tag_name, min_size=1, max_size=2, unique=True))
        for position, name in enumerate(step_names):
            source = f"v{position} = {first}  # {draw(one_line_text)}"
            if draw(st.booleans()):
                source += "\n" + draw(magic_line)
            cells.append((source, f"step:{name}"))
    else:  # steps from level-2 headings
        for position in range(draw(st.integers(1, 2))):
            cells.append((f"md:## {draw(hostile_text)}",))
            source = f"v{position} = {first}  # {draw(one_line_text)}"
            if draw(st.booleans()):
                source += "\n" + draw(magic_line)
            cells.append((source,))
    metric_names = draw(st.lists(hostile_text, min_size=1, max_size=2, unique=True))
    cells.append(("{" + ", ".join(f"{name!r}: v0" for name in metric_names) + "}", "metrics"))
    section = draw(
        st.one_of(
            st.none(),
            hostile_text.map(lambda name: {"experiment": name}),
            st.sampled_from(["oops", 5, [1], {"experiment": 3}]),
        )
    )
    package = draw(st.sampled_from([None, "pkg_hostile"]))
    return HostileNotebook(draw(file_stem), package, section, cells, parameters)


def run_nb2prod(arguments: list[str]) -> tuple[int, str]:
    """`nb2prod ARGS` in-process: (exit code, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(arguments)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, stderr.getvalue()


@settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree; a failure prints its reproduction
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_notebooks())
@example(
    case=HostileNotebook(
        stem='"""',
        package=None,
        metadata_section=None,
        cells=[
            ("on = None  # ", "parameters"),
            ("md:## ",),
            ('v0 = on  # \n!echo  __import__("pathlib").Path("SENTINEL").touch()',),
            ("{'': v0}", "metrics"),
        ],
        parameters={"on": None},
    ),
).via("discovered failure")
def test_hostile_notebook_converts_to_safe_code_or_one_line_of_error(case: HostileNotebook) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        notebook = write_notebook(root / f"{case.stem}.ipynb", case.cells)
        if case.metadata_section is not None:
            document = json.loads(notebook.read_text(encoding="utf-8"))
            document["metadata"]["jupyter_mlops"] = case.metadata_section
            notebook.write_text(json.dumps(document), encoding="utf-8")
        out_dir = root / "out"
        arguments = [str(notebook), "-o", str(out_dir), "-q"]
        arguments += ["--name", case.package] if case.package else []
        code, stderr = run_nb2prod(arguments)
        assert code in (0, 2), stderr
        event(f"exit {code}" + (f": {stderr.split(': ')[-1][:40]}" if code else ""))
        if code == 2:
            assert stderr.startswith("nb2prod: error: ") and stderr.count("\n") == 1, stderr
            assert stderr.endswith("\n")
            assert not out_dir.exists()
            return
        check_code, check_stderr = run_nb2prod([*arguments, "--check"])
        assert check_code == 0, check_stderr  # byte-for-byte the same output on a second conversion
        package = next(path.parent.name for path in out_dir.glob("*/pipeline.py"))
        for path in out_dir.rglob("*.py"):
            compile(path.read_bytes(), str(path), "exec")
        project = yaml.safe_load((out_dir / "MLproject").read_text(encoding="utf-8"))
        assert list(project["entry_points"]["main"]["parameters"]) == list(case.parameters)
        expected: dict[str, object] = {"NOTEBOOK_FILE": notebook.name, "PARAMETERS": case.parameters}
        if isinstance(case.metadata_section, dict):
            expected["EXPERIMENT_NAME"] = case.metadata_section["experiment"].strip() or notebook.name
        before = files_under(root)
        completed = run_generated(out_dir, package, expected)
        assert completed.returncode == 0, completed.stderr[-3000:]
        assert files_under(root) == before  # no SENTINEL, nothing written by the generated code
