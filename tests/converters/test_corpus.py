"""Corpus: every notebook in data/ converts to the expected steps.py and report (jupytext-style goldens:
a missing expected file is written by the test and never edited by hand — delete it to regenerate).
The project's example notebooks must convert too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from converters.convert import convert
from tests.converters.conftest import DATA

EXAMPLES = Path(__file__).parents[2] / "examples"
CORPUS = sorted(DATA.glob("*.ipynb"))
GOLDEN_FILES = ("{package}/steps.py", "CONVERSION_REPORT.md", "MLproject", "requirements.txt")


@pytest.mark.parametrize("notebook", CORPUS, ids=[path.stem for path in CORPUS])
def test_corpus_matches_expected_output(notebook: Path) -> None:
    conversion = convert(notebook)
    expected_dir = DATA / "expected" / notebook.stem
    for pattern in GOLDEN_FILES:
        relative = pattern.format(package=conversion.package)
        actual = conversion.files[relative].decode("utf-8")
        expected = expected_dir / (relative.replace("/", "__") + ".txt")
        if not expected.exists():
            # CI must compare against committed goldens, never against a file it has just written.
            assert not os.environ.get("CI"), f"missing golden {expected}: regenerate locally and commit it"
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_text(actual, encoding="utf-8")
        assert actual == expected.read_text(encoding="utf-8"), f"{relative} of {notebook.name} changed"


@pytest.mark.parametrize(
    "notebook",
    sorted(EXAMPLES.glob("*.ipynb")),
    ids=lambda path: path.stem if isinstance(path, Path) else path,
)
def test_example_notebooks_convert(notebook: Path) -> None:
    conversion = convert(notebook)
    assert conversion.plan.model_variable is not None
    assert any(step.kind == "metrics" for step in conversion.plan.steps)
    compile(conversion.files[f"{conversion.package}/steps.py"].decode(), "steps.py", "exec")
