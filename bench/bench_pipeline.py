"""Benchmark: an example's generated pipeline vs papermill on its notebook vs a plain script of the same code.

Goals (issue 2): the pipeline ≥ 2× faster than papermill, and ≤ 1.1× the plain script. Each command is a
fresh process, interleaved with the others, several runs, all against one local SQLite store. Like for like:
the pipeline (`python -m PKG`: tracks params, metrics and the model) vs the plain script (`jupyter nbconvert
--to script` output) with the same MLflow logging appended; and the pipeline's steps alone (`run_steps()`,
no MLflow) vs the untracked plain script. papermill runs the notebook as it is (no tracking), so comparing
it with the tracked pipeline is the conservative comparison.
Run: `.venv/bin/python bench/bench_pipeline.py [--example iris_classifier] [--runs 5]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat
from _timing import timed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from converters.metrics import metric_names  # noqa: E402
from converters.parameters import parse_parameters_cell  # noqa: E402
from converters.tags import parse_cell_tags  # noqa: E402
from jupyter_mlops.core.experiments import experiment_name_for  # noqa: E402

TRACKING_EPILOGUE = """

# --- appended by bench/bench_pipeline.py: the MLflow logging the generated pipeline does ---
import hashlib
import mlflow
import mlflow.sklearn
import skops.io

mlflow.set_experiment({experiment!r})
with mlflow.start_run():
    mlflow.log_params({{name: globals()[name] for name in {parameters!r}}})
    mlflow.log_metrics({{name: float(globals()[name]) for name in {metrics!r}}})
    mlflow.set_tag("notebook_sha256", hashlib.sha256(open({notebook!r}, "rb").read()).hexdigest())
    mlflow.log_artifact({notebook!r})
    _model = globals()[{model!r}]
    _trusted = skops.io.get_untrusted_types(data=skops.io.dumps(_model))
    {log_model}
"""
# Pinned requirements, as the generated pipeline logs them; without, MLflow infers them in a subprocess.
PINNED_LOG_MODEL = (
    "import sklearn; mlflow.sklearn.log_model(_model, name='model', skops_trusted_types=_trusted, "
    "pip_requirements=[f'scikit-learn=={sklearn.__version__}', f'skops=={skops.__version__}'])"
)
NAIVE_LOG_MODEL = "mlflow.sklearn.log_model(_model, name='model', skops_trusted_types=_trusted)"


UNTRACKED_PAPERMILL = "papermill NB"
UNTRACKED_PIPELINE = "python -m PKG --no-mlflow"
UNTRACKED_SCRIPT = "python script.py (nbconvert)"
TRACKED_PAPERMILL = "jupyter-mlops run NB (papermill + MLflow)"
TRACKED_PIPELINE = "python -m PKG (MLflow)"
TRACKED_SCRIPT = "python script.py + same MLflow logging"
NAIVE_SCRIPT = "python script.py + log_model w/o requirements"


def notebook_facts(notebook_path: Path) -> tuple[list[str], list[str], str]:
    """The notebook's parameter names, metric names and model variable, read with the converter's parsers."""
    notebook = nbformat.read(notebook_path, as_version=4)
    parameters: list[str] = []
    metrics: list[str] = []
    model = ""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        tags = parse_cell_tags(cell.metadata.get("tags", []), cell_index=index)
        if tags.role == "parameters":
            parameters = [parameter.name for parameter in parse_parameters_cell(cell.source)]
        elif tags.role == "metrics":
            metrics = metric_names(cell.source)
        if tags.model:
            model = tags.model
    return parameters, metrics, model


def package_folder(example: str, work: Path, env: dict[str, str]) -> Path:
    """The folder holding the example's generated package: the checked-in one, else a fresh conversion."""
    checked_in = ROOT / "examples" / "generated" / example
    if (checked_in / example / "__main__.py").exists():
        return checked_in
    target = work / "generated"
    timed([str(BIN / "nb2prod"), str(ROOT / "examples" / f"{example}.ipynb"), "-o", str(target)], work, env)
    return target


def main(argv: list[str] | None = None) -> int:
    """Prepare the contenders, time them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="iris_classifier", help="an examples/ notebook without magics")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args(argv)
    notebook = ROOT / "examples" / f"{args.example}.ipynb"
    if not notebook.exists():
        parser.error(f"--example: {notebook} does not exist")
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as scratch:
        work = Path(scratch)
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"
        env.pop("MLFLOW_EXPERIMENT_NAME", None)
        generated = package_folder(args.example, work, env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(generated), env.get("PYTHONPATH", "")]))
        # Scripts live apart from the working folder, or `python -m PKG` would import the script module.
        scripts = work / "scripts"
        nbconvert = [str(BIN / "jupyter"), "nbconvert", "--to", "script", str(notebook), "--output-dir"]
        timed([*nbconvert, str(scripts)], work, env)
        plain = scripts / f"{args.example}.py"
        parameters, metrics, model = notebook_facts(notebook)
        epilogue = {
            "experiment": experiment_name_for(notebook),
            "parameters": parameters,
            "metrics": metrics,
            "model": model,
            "notebook": str(notebook),
        }
        tracked = scripts / f"{args.example}_tracked.py"
        tracked.write_text(
            plain.read_text() + TRACKING_EPILOGUE.format(log_model=PINNED_LOG_MODEL, **epilogue)
        )
        naive = scripts / f"{args.example}_naive.py"
        naive.write_text(plain.read_text() + TRACKING_EPILOGUE.format(log_model=NAIVE_LOG_MODEL, **epilogue))
        python = sys.executable
        papermill = [str(BIN / "papermill"), "-k", "python3", str(notebook), str(work / "out.ipynb")]
        runner = [str(BIN / "jupyter-mlops"), "run", str(notebook), "--output-dir", str(work / "runs")]
        commands = {
            UNTRACKED_PAPERMILL: papermill,
            UNTRACKED_PIPELINE: [python, "-m", args.example, "--no-mlflow"],
            UNTRACKED_SCRIPT: [python, str(plain)],
            TRACKED_PAPERMILL: runner,
            TRACKED_PIPELINE: [python, "-m", args.example],
            TRACKED_SCRIPT: [python, str(tracked)],
            NAIVE_SCRIPT: [python, str(naive)],
        }
        for command in commands.values():  # warm-up: caches, experiment creation, first-run migrations
            timed(command, work, env)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, command in commands.items():
                times[label].append(timed(command, work, env))
    print_table(args.example, args.runs, times)
    return 0


def print_table(example: str, runs: int, times: dict[str, list[tuple[float, float]]]) -> None:
    """Wall and CPU medians per command, then the goal ratios, like for like (wall, and CPU)."""
    wall = {label: statistics.median(w for w, _ in values) for label, values in times.items()}
    cpu = {label: statistics.median(c for _, c in values) for label, values in times.items()}
    print(
        f"{example}: generated pipeline vs papermill vs plain script, {runs} interleaved runs each (seconds)"
    )
    print(f"{'command':<47} {'wall median':>11} {'min':>6} {'max':>6} {'CPU median':>10}")
    for label, values in times.items():
        walls = [w for w, _ in values]
        print(f"{label:<47} {wall[label]:11.2f} {min(walls):6.2f} {max(walls):6.2f} {cpu[label]:10.2f}")
    print()
    print(f"{'ratio':<47} {'wall':>6} {'CPU':>6}  goal")
    for text, slower, faster, goal in (
        ("papermill / pipeline, no tracking", UNTRACKED_PAPERMILL, UNTRACKED_PIPELINE, "≥ 2×"),
        ("jupyter-mlops run / pipeline, both tracked", TRACKED_PAPERMILL, TRACKED_PIPELINE, "≥ 2×"),
        ("papermill (untracked) / pipeline (tracked)", UNTRACKED_PAPERMILL, TRACKED_PIPELINE, "≥ 2×"),
        ("pipeline / plain script, no tracking", UNTRACKED_PIPELINE, UNTRACKED_SCRIPT, "≤ 1.1×"),
        ("pipeline / plain script, same logging", TRACKED_PIPELINE, TRACKED_SCRIPT, "≤ 1.1×"),
    ):
        by_wall, by_cpu = wall[slower] / wall[faster], cpu[slower] / cpu[faster]
        print(f"{text:<47} {by_wall:5.2f}× {by_cpu:5.2f}×  {goal}")


if __name__ == "__main__":
    sys.exit(main())
