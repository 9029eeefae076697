"""Field-trial corpus: real public notebooks through nb2prod, one expected outcome per notebook.

The notebooks come from eight public sources (notebooks/SOURCES.md): the scikit-learn gallery committed in
`notebooks/`, the others kept beside the repository (tests/field/corpus.py says where). docs/field-trials.md
has the trial table (`python -m tests.field.trial`) and what each notebook taught us. An outcome here changes
only when the converter's behaviour on real input changes.

Fast tests convert every notebook in-process and check its steps or its refusal line; one slow test per
notebook expected green converts it and runs the generated package's own tests, parity included.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from converters.cli import main as nb2prod
from tests.field.corpus import IN_REPOSITORY, corpus_notebooks, external_corpus
from tests.field.expected import EXPECTED
from tests.field.trial import first_failure

FOUND = corpus_notebooks()
SOURCES = (IN_REPOSITORY / "SOURCES.md").read_text()


def notebook_path(name: str) -> Path:
    """The corpus notebook called `name`; the test is skipped when it lives in an absent external corpus."""
    if name not in FOUND:
        pytest.skip(f"{name}.ipynb is in neither {IN_REPOSITORY} nor {external_corpus()}")
    return FOUND[name]


def test_every_corpus_notebook_has_an_expected_outcome_and_a_source() -> None:
    in_repository = {path.stem for path in IN_REPOSITORY.glob("*.ipynb")}
    assert in_repository <= set(EXPECTED)
    if external_corpus().is_dir():
        assert sorted(FOUND) == sorted(EXPECTED)
    for name in EXPECTED:
        assert f"`{name}.ipynb`" in SOURCES, f"{name} has no row in SOURCES.md"


def test_the_corpus_spans_at_least_sixty_notebooks_from_five_sources() -> None:
    assert len(EXPECTED) >= 60
    assert len({outcome.source for outcome in EXPECTED.values()}) >= 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_notebook_is_read_by_nbformat(name: str) -> None:
    nbformat.read(notebook_path(name), as_version=4)


def steps_in_report(report: str) -> tuple[str, ...]:
    """Step names from the report's steps table (rows like "| `load` | 1 | ... |")."""
    section = report.split("## Steps", 1)[1].split("\n## ", 1)[0]
    return tuple(
        line.split("`")[1]
        for line in section.splitlines()
        if line.startswith("| `") and "(metrics)" not in line.split("|")[1]
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_notebook_converts_or_is_refused_as_expected(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = notebook_path(name)
    expected = EXPECTED[name]
    outdir = tmp_path / name
    code = nb2prod([str(notebook), "-o", str(outdir)])
    captured = capsys.readouterr()
    if expected.refused_with is not None:
        assert code == 2
        assert f"nb2prod: error: {expected.refused_with}" in captured.err
        assert "Traceback" not in captured.err
        assert not outdir.exists()
    else:
        assert code == 0, captured.err
        assert (outdir / name / "pipeline.py").is_file()
        assert steps_in_report((outdir / "CONVERSION_REPORT.md").read_text()) == expected.steps


GREEN = sorted(name for name, outcome in EXPECTED.items() if outcome.green)


@pytest.mark.slow
@pytest.mark.parametrize("name", GREEN)
def test_generated_tests_of_corpus_notebook_pass_parity_included(name: str, tmp_path: Path) -> None:
    notebook = notebook_path(name)
    outdir = tmp_path / name
    assert nb2prod([str(notebook), "-o", str(outdir), "-q"]) == 0
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."]
    done = subprocess.run(command, cwd=outdir, capture_output=True, text=True)
    assert done.returncode == 0, first_failure(done.stdout + "\n" + done.stderr)
