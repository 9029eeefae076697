"""The nb2prod command: every bad input → exit 2 with its message and nothing written; determinism,
--check. Writing OUTDIR (--force, manifest, locks, Ctrl-C) is tested in test_write.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from converters.tags import tags_markdown
from tests.converters.conftest import DATA

RunCli = Callable[..., tuple[int, str, str]]
MakeNotebook = Callable[..., Path]
CORPUS_NOTEBOOK = DATA / "tagged_pipeline.ipynb"


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


BAD_NOTEBOOKS = [
    ([("x = (", "step:train")], "cell 0 (tag step:train), line 1: syntax error: '(' was never closed"),
    (
        [("x = 1", "setp:train")],
        "cell 0 (tag setp:train): unknown tag 'setp:train'; did you mean 'step:train'?",
    ),
    (
        [("alpha = 0.5\nprint(alpha)", "parameters")],
        "cell 0 (tag parameters), line 2: the parameters cell may only assign values to names "
        "(`alpha = 0.5`, `day = date.today()`) and import, found `print(alpha)`",
    ),
    (
        [("x = 1", "step:a"), ("y = x\nz = hidden", "step:b")],
        "cell 1 (tag step:b), line 2: step 'b' reads 'hidden', which nothing defines before it",
    ),
    (
        [("x = 1", "step:a", "prev:b"), ("y = x", "step:b")],
        "cell 0 (tag prev:b): dependency cycle between steps",
    ),
    (
        [("x = 1", "step:a", "prev:nowhere")],
        "cell 0 (tag prev:nowhere): prev:nowhere names no step; steps are: a",
    ),
    (
        [("x = 1\n%cd /tmp", "step:a")],
        "cell 0 (tag step:a), line 2: magic `%cd /tmp` has no faithful translation",
    ),
]


@pytest.mark.parametrize(("cells", "message"), BAD_NOTEBOOKS)
def test_bad_notebooks_exit_2_with_the_message_and_write_nothing(
    run_cli: RunCli, make_notebook: MakeNotebook, tmp_path: Path, cells: list[tuple[str, ...]], message: str
) -> None:
    notebook = make_notebook(cells)
    code, out, err = run_cli(notebook, "-o", tmp_path / "out")
    assert code == 2
    assert err.splitlines()[-1].startswith(f"nb2prod: error: {message}")
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [notebook.name]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"cells": [', "is not valid JSON: Expecting value at line 1, column 12"),
        (b"[1, 2]", "is not a Jupyter notebook (no 'cells' list)"),
        (
            json.dumps(
                {"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            ).encode(),
            # the missing id, outputs and execution_count are filled in as Jupyter does; no source is not
            "is not a valid nbformat 4 notebook at cells/0: 'source' is a required property",
        ),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_unreadable_notebooks_exit_2(run_cli: RunCli, tmp_path: Path, content: bytes, message: str) -> None:
    notebook = tmp_path / "broken.ipynb"
    notebook.write_bytes(content)
    code, _, err = run_cli(notebook, "-o", tmp_path / "out")
    assert code == 2
    assert f"nb2prod: error: {notebook} {message}" in err
    assert not (tmp_path / "out").exists()


def test_missing_notebook_and_bad_package_name(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path / "nope.ipynb", "-o", tmp_path / "out")
    assert code == 2
    assert (
        err.splitlines()[-1]
        == f"nb2prod: error: cannot read {tmp_path / 'nope.ipynb'}: No such file or directory"
    )
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "out", "--name", "json")
    assert code == 2
    assert (
        "nb2prod: error: package name 'json' would shadow the module of that name; choose one with --name"
        in err
    )
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "out", "--name", "my-pkg")
    assert "nb2prod: error: package name 'my-pkg' is not a Python identifier; choose one with --name" in err


def test_the_console_script_prints_no_traceback(tmp_path: Path, make_notebook: MakeNotebook) -> None:
    notebook = make_notebook([("x = 1", "setp:train")])
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "nb2prod"), str(notebook), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().endswith("unknown tag 'setp:train'; did you mean 'step:train'?")
    assert "Traceback" not in completed.stderr


def test_output_is_deterministic(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "one", "-q")[0] == 0
    assert run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "two", "-q")[0] == 0
    first, second = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert first == second
    assert "tagged_pipeline/steps.py" in first and "tests/test_tagged_pipeline_parity.py" in first


def test_report_goes_to_stdout_and_file(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(CORPUS_NOTEBOOK, "-o", tmp_path / "out")
    assert code == 0
    assert out == (tmp_path / "out" / "CONVERSION_REPORT.md").read_text(encoding="utf-8")
    assert "| `split` | 7 | y, holdout | test_idx, train_idx |" in out
    assert "- cell 6: tag skip" in out
    assert "nb2prod: reading" in err and "nb2prod: writing" in err


def test_check_reports_stale_missing_and_extra_files(run_cli: RunCli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "-q")[0] == 0
    (out_dir / "mlflow.db").write_bytes(b"runs are not the converter's output")
    code, _, err = run_cli(CORPUS_NOTEBOOK, "-o", out_dir, "--check")
    assert code == 0 and "is up to date" in err
    notebook = tmp_path / "tagged_pipeline.ipynb"
    shutil.copy(CORPUS_NOTEBOOK, notebook)
    document = json.loads(notebook.read_text())
    document["cells"][1]["source"] = "C: float = 2.0\nmax_iter = 200\nholdout = 0.3\n"
    notebook.write_text(json.dumps(document))
    (out_dir / "README.md").unlink()
    (out_dir / "notes.txt").write_text("extra")
    before = tree(out_dir)
    code, _, err = run_cli(notebook, "-o", out_dir, "--check")
    assert code == 1
    lines = err.splitlines()
    header = lines.index(f"nb2prod: {out_dir} is out of date with {notebook}:")
    assert lines[header + 1 :] == [
        "  differs: CONVERSION_REPORT.md",
        "  differs: MLproject",
        "  missing: README.md",
        "  differs: tagged_pipeline/pipeline.py",
        "  differs: tagged_pipeline/tagged_pipeline.ipynb",
        "  differs: .nb2prod-manifest.json",
        "  extra: notes.txt",
    ]
    assert tree(out_dir) == before


def test_tags_markdown_and_usage_errors(run_cli: RunCli) -> None:
    code, out, _ = run_cli("--tags-markdown")
    assert (code, out) == (0, tags_markdown())
    code, _, err = run_cli("nb.ipynb")
    assert code == 2 and "NOTEBOOK and -o OUTDIR are required" in err


def test_readme_tag_table_is_generated_from_tags_py() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert tags_markdown() in readme, "README tag table is stale: run python -m converters.readme"


def test_an_nbformat_3_notebook_is_upgraded_and_converted(run_cli: RunCli, tmp_path: Path) -> None:
    from nbformat import v3

    cells = [v3.new_code_cell(input="x = 1", metadata={"tags": ["step:first"]})]
    notebook = tmp_path / "old.ipynb"
    notebook.write_text(v3.writes_json(v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)])))
    code, out, _ = run_cli(notebook, "-o", tmp_path / "out")
    assert code == 0
    assert "| `first` | 0 | — | x |" in out


def test_report_lists_every_translated_magic_and_shell_line(
    run_cli: RunCli, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    notebook = make_notebook(
        [
            ("%time x = sum(range(10))", "step:a"),
            ("%%time\ny = x + 1", "step:b"),
            ("!echo hi", "step:c"),
            ("%pip install scikit-learn\nz = y * 2", "step:d"),
            ("!ls", "skip"),
        ]
    )
    code, out, _ = run_cli(notebook, "-o", tmp_path / "out")
    assert code == 0
    translations = out.split("## Translations\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert translations.splitlines() == [
        "- cell 0 line 1: `%time x = sum(range(10))` → `x = sum(range(10))`",
        "- cell 1 line 1: `%%time` removed (the cell's statements are kept)",
        "- cell 2 line 1: `!echo hi` → `subprocess.run(['echo', 'hi'], check=False)`",
        "- cell 3 line 1: `%pip install scikit-learn` → requirements.txt",
        "- requirement from `pip install`: scikit-learn",
    ]


def test_requirements_list_every_module_of_a_multi_module_import(
    run_cli: RunCli, make_notebook: MakeNotebook, tmp_path: Path
) -> None:
    notebook = make_notebook([("import numpy, pandas as pd", "imports"), ("x = numpy.ones(2)", "step:load")])
    code, _, _ = run_cli(notebook, "-o", tmp_path / "out", "-q")
    assert code == 0
    requirements = (tmp_path / "out" / "requirements.txt").read_text().splitlines()
    assert {"numpy", "pandas"} <= set(requirements)
