"""Field-trial corpus: real scikit-learn gallery notebooks through nb2prod, one expected outcome per notebook.

The notebooks are jupytext conversions of scikit-learn examples (notebooks/SOURCES.md); docs/field-trials.md
says what each taught us. An outcome here changes only when the converter's behaviour on real input changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from converters.cli import main as nb2prod

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


@dataclass(frozen=True)
class Outcome:
    """What nb2prod does with one notebook: the steps it writes, or the message it refuses with."""

    steps: tuple[str, ...] = ()
    refused_with: str | None = None


# One line per notebook. Untagged notebooks are split at level-2 headings, `## Title` or setext (`Title` over
# `---`, what jupytext keeps of the gallery's RST sections); code before the first heading is step `main`.
EXPECTED: dict[str, Outcome] = {
    "plot_confusion_matrix": Outcome(steps=("main",)),
    "plot_cv_predict": Outcome(steps=("main",)),
    "plot_digits_pipe": Outcome(steps=("main",)),
    "plot_forest_importances": Outcome(
        refused_with="cell 2, line 1: syntax error: Missing parentheses in call to 'print'"
    ),
    "plot_gradient_boosting_regression": Outcome(
        steps=(
            "main",
            "load_the_data",
            "data_preprocessing",
            "fit_regression_model",
            "plot_training_deviance",
            "plot_feature_importance",
        )
    ),
    "plot_kmeans_digits": Outcome(
        steps=(
            "main",
            "load_the_dataset",
            "define_our_evaluation_benchmark",
            "run_the_benchmark",
            "visualize_the_results_on_pca_reduced_data",
        )
    ),
    "plot_ols": Outcome(steps=("main",)),
    "plot_select_from_model_diabetes": Outcome(
        refused_with="cell 2, line 29: step 'main' reads 'n_featuresc', which nothing defines before it"
    ),
}


def test_every_corpus_notebook_has_an_expected_outcome_and_a_source() -> None:
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)
    sources = (NOTEBOOKS / "SOURCES.md").read_text()
    for name in EXPECTED:
        assert f"{name}.py" in sources


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_notebook_is_valid_nbformat(name: str) -> None:
    nbformat.validate(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))


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
    expected = EXPECTED[name]
    outdir = tmp_path / name
    code = nb2prod([str(NOTEBOOKS / f"{name}.ipynb"), "-o", str(outdir)])
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
