"""Parity: the original notebook (papermill, fresh kernel) and the generated pipeline agree step by step.

Both sides run on the same parameters; both seed Python's and NumPy's global generators with the same
seed right before each step, so unseeded randomness draws alike. Each step's outputs are captured right
after the step on both sides by the same function (`PACKAGE.testing.capture`, which the notebook's kernel
runs too) and compared by what they hold (`PACKAGE.testing.compare`; floats within a tolerance). Values
that hold nothing comparable are listed as *not compared, because ...* in the report and as warnings.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import nbformat
import papermill
import pytest

from wine_quality_kale import pipeline
from wine_quality_kale.testing import (
    Comparison,
    NotCompared,
    capture_source,
    compare,
    freeze,
    seeded_run,
    step_seed,
    thaw,
    warn_not_compared,
)

PARAMETERS_CELL: int | None = 2
METRIC_EXPRESSIONS: dict[str, dict[str, str]] = {
    "compute_metrics": {
        "accuracy": "accuracy",
        "f1_weighted": "f1_weighted",
        "test_log_loss": "test_log_loss",
    },
}

SETUP = '''
import pickle as _nb2prod_pickle
import random as _nb2prod_random

_nb2prod_capture = {}
exec(_NB2PROD_CAPTURE_SOURCE, _nb2prod_capture)  # PACKAGE.testing.capture: the pipeline side's own


def _nb2prod_seed(seed):
    _nb2prod_random.seed(seed)
    try:
        import numpy as _nb2prod_numpy
        _nb2prod_numpy.random.seed(seed)
    except ImportError:
        pass


def _nb2prod_snapshot(step, values):
    with open(_NB2PROD_SNAPSHOTS + "/" + step + ".pkl", "wb") as handle:
        _nb2prod_pickle.dump(_nb2prod_capture["capture"](values), handle)
'''


def instrumented_notebook(snapshot_dir: Path) -> nbformat.NotebookNode:
    """The original notebook plus a seed cell before and a snapshot cell after every step."""
    notebook = nbformat.read(Path(pipeline.__file__).parent / pipeline.NOTEBOOK_FILE, as_version=4)
    if PARAMETERS_CELL is not None:
        tags = notebook.cells[PARAMETERS_CELL].metadata.setdefault("tags", [])
        if "parameters" not in tags:
            tags.append("parameters")  # papermill's spelling (the notebook may use Kale's)
    insertions: list[tuple[int, int, str]] = []
    for step in pipeline.STEPS:
        insertions.append((step.cells[0], 1, f"_nb2prod_seed({step_seed(step.name)})"))
        if step.kind == "metrics":
            values = ", ".join(f"{name!r}: {expr}" for name, expr in METRIC_EXPRESSIONS[step.name].items())
        else:
            values = ", ".join(f"{name!r}: {name}" for name in step.outputs)
        insertions.append((step.cells[-1] + 1, 0, f"_nb2prod_snapshot({step.name!r}, {{{values}}})"))
    for index, cell in enumerate(notebook.cells):
        cell.metadata["nb2prod_cell"] = index  # the notebook's own numbering, for error messages
    for position, _, source in sorted(insertions, reverse=True):
        notebook.cells.insert(position, nbformat.v4.new_code_cell(source))
    constants = (
        f"_NB2PROD_SNAPSHOTS = {str(snapshot_dir)!r}\n_NB2PROD_CAPTURE_SOURCE = {capture_source()!r}\n"
    )
    setup = constants + SETUP
    notebook.cells.insert(0, nbformat.v4.new_code_cell(setup))
    return notebook


def verdict(expected: dict[str, object], comparison: Comparison) -> str:
    """One report line: what was compared, what was not (wholly), the outcome."""
    if not expected:
        return "nothing to compare (the step returns no value; it only ran)"
    skipped = [name for name, value in expected.items() if isinstance(value, NotCompared)]
    compared = [name for name in expected if name not in skipped]
    outcome = "MISMATCH" if comparison.mismatches else "equal"
    line = f"{outcome} — {', '.join(compared)}" if compared else "nothing compared"
    return line + (f"; not compared: {', '.join(skipped)}" if skipped else "")


def compare_step(step_name: str, expected: dict[str, object], actual: dict[str, object]) -> Comparison:
    """Each output of one step, named `step NAME: VARIABLE` in every message."""
    comparison = Comparison()
    for name in sorted(set(expected) | set(actual)):
        where = f"step {step_name}: {name}"
        if name not in expected or name not in actual:
            side = "the notebook" if name in expected else "the pipeline"
            comparison.mismatch(f"{where}: produced only in {side}")
            continue
        found = compare(expected[name], actual[name], where)
        comparison.mismatches.extend(found.mismatches)
        comparison.more_mismatches += found.more_mismatches
        comparison.not_compared.extend(found.not_compared)
    return comparison


def test_pipeline_reproduces_the_notebook_step_by_step(tmp_path: Path, monkeypatch) -> None:
    """Run both sides; every output of every step must match."""
    notebook_dir = tmp_path / "notebook"
    notebook_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "instrumented.ipynb"
    nbformat.write(instrumented_notebook(notebook_dir), source)
    executed = tmp_path / "executed.ipynb"
    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=dict(pipeline.PARAMETERS),  # literal defaults; the cell computes the others itself
            kernel_name=os.environ.get("NB2PROD_PARITY_KERNEL", "python3"),
            cwd=str(pipeline.working_directory()),  # where the notebook ran
            progress_bar=False,
        )
    except papermill.PapermillExecutionError as error:
        failed = [
            cell.metadata.get("nb2prod_cell", "(inserted by the test)")
            for cell in nbformat.read(executed, as_version=4).cells
            if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
        ]
        where = f"notebook cell {failed[0]}" if failed else "a notebook cell"
        pytest.fail(
            f"the notebook itself fails in a fresh kernel (papermill), so parity cannot be checked: "
            f"{where}: {error.ename}: {error.evalue}",
            pytrace=False,
        )
    produced: dict[str, dict[str, object]] = {}
    seeded_run(after_step=lambda step, values: produced.__setitem__(step.name, freeze(values)))

    lines = [f"parity of {pipeline.NOTEBOOK_FILE} (rtol 1e-9, atol 1e-12)"]
    mismatches: list[str] = []
    not_compared = Comparison()
    for step in pipeline.STEPS:
        snapshot = tmp_path / "notebook" / f"{step.name}.pkl"
        with snapshot.open("rb") as handle:
            expected = {name: thaw(entry) for name, entry in pickle.load(handle).items()}
        comparison = compare_step(step.name, expected, produced[step.name])
        lines.append(f"{step.name}: {verdict(expected, comparison)}")
        mismatches.extend(comparison.lines())
        not_compared.not_compared.extend(comparison.not_compared)
    if not_compared.not_compared:
        lines += ["not compared (neither equal nor different):"]
        lines += [f"  {line}" for line in not_compared.not_compared]
    report = "\n".join(lines)
    (tmp_path / "parity-report.txt").write_text(report + "\n", encoding="utf-8")
    print(report)
    warn_not_compared(not_compared)
    if mismatches:  # one message, no traceback (whose reprs would show memory addresses)
        pytest.fail("the pipeline diverges from the notebook:\n" + "\n".join(mismatches), pytrace=False)
