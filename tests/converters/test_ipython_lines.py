"""IPython-only lines translated where IPython's semantics are clear: `!cmd {expr} $name` runs through the
runtime helper with IPython's expansion rules (checked against IPython itself), `obj?`, `%%html` and `!cd`
are dropped and reported; a converted notebook using them passes its parity test (real papermill kernel)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.utils.text import DollarFormatter

from converters.cli import main
from converters.emit.runtime import SHELL_SHIM
from tests.converters.conftest import write_notebook

TEMPLATES = [
    "echo {x*2} $y",
    "echo $$x {y!r} {items[1:]}",
    "echo '$x' \"$x\" {x}",
    "echo {nope} $y",  # one field fails: IPython leaves the whole line as written
    "echo $HOME {x}",  # $HOME is no Python name: the line stays as written, the shell expands it
    "echo $x.real {{braces}}",
]


def ipython_expanded(template: str, namespace: dict[str, object]) -> str:
    """What IPython's var_expand does with the line (its formatter, its fallback)."""
    try:
        return DollarFormatter().vformat(template, args=[], kwargs=namespace)
    except Exception:
        return template


@pytest.mark.parametrize("template", TEMPLATES)
def test_helper_expands_like_ipython(template: str, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"subprocess": subprocess}
    exec(compile(SHELL_SHIM, "steps.py", "exec"), namespace)
    helper = namespace["ipython_system"]
    out = tmp_path / "out.txt"
    values = {"x": 5, "y": "a b", "items": [1, 2, 3]}

    def step(x: int, y: str, items: list[int]) -> int:
        return helper(template + " > " + str(out))  # type: ignore[operator]

    assert step(**values) == 0
    expected = subprocess.run(
        ipython_expanded(template, values), shell=True, capture_output=True, text=True, check=True
    ).stdout
    assert out.read_text() == expected


def test_a_failing_command_returns_its_code_without_raising() -> None:
    namespace: dict[str, object] = {"subprocess": subprocess}
    exec(compile(SHELL_SHIM, "steps.py", "exec"), namespace)
    assert namespace["ipython_system"]("sh -c 'exit 3'") == 3


@pytest.mark.slow
def test_notebook_with_ipython_lines_converts_and_passes_parity(tmp_path: Path) -> None:
    notebook = write_notebook(
        tmp_path / "shell.ipynb",
        [
            ("n = 3", "parameters"),
            ("label = 'two words'\nlen?\n!cd /\n!printf '%s|%s' {n*2} \"$label\" > made.txt", "step:make"),
            ("%%html\n<b>{n}</b>",),
            ("made = open('made.txt').read()", "step:read"),
        ],
    )
    out_dir = tmp_path / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    report = (out_dir / "CONVERSION_REPORT.md").read_text(encoding="utf-8")
    assert "- cell 1 line 2: `len?` dropped (help display only)\n" in report
    assert "- cell 1 line 3: `!cd /` dropped (IPython runs it in a subshell" in report
    assert "- cell 2: `%%html` cell dropped (display in the notebook only)\n" in report
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLFLOW_", "NB2PROD_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", str(out_dir), "-q", "-p", "no:cacheprovider", "-s"],
        cwd=out_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "read: equal — made" in completed.stdout
    assert (tmp_path / "made.txt").read_text() == "6|two words"
