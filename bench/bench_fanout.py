"""Benchmark: fan-out of 200 parameter sets of a small scikit-learn model on this machine (2 workers).

Compares, on the same package (nb2prod's conversion of examples/iris_classifier.ipynb, a RandomForest):
  ours   `jupyter-mlops run PKG --grid grid.yaml --workers 2 --metric accuracy` against a real MLflow server:
         a parent run + 200 child runs, the best model per group logged (whole command, and its fan-out wall)
  bare   a ProcessPoolExecutor(2) calling pipeline.run_steps(**params) for the 200 sets, no tracking
  papermill-loop  papermill.execute_notebook once per set on examples/iris_classifier.ipynb, sequentially;
         measured on --papermill-sample sets and extrapolated to 200 (the full loop takes too long)

bare and ours alternate --repeats times (medians reported, with the load average). The MLflow server runs
--server-workers uvicorn workers (2, as RECIPES.md advises; with 2+ each keep-alive call also waits ~40 ms on
a delayed ACK, uvicorn #3149, which ours hides behind its logging threads).

    python bench/bench_fanout.py [--papermill-sample 6] [--repeats 3] [--server-workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
NOTEBOOK = REPOSITORY / "examples" / "iris_classifier.ipynb"
WORKERS = 2
GRID = {"n_estimators": [10, 20, 30, 40, 50], "max_depth": list(range(2, 12)), "random_state": [1, 2, 3, 4]}


def parameter_sets() -> list[dict[str, int]]:
    names = list(GRID)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*GRID.values())]


_PIPELINE = None


def _init(package_parent: str, package_name: str) -> None:
    global _PIPELINE
    import importlib

    sys.path.insert(0, package_parent)
    _PIPELINE = importlib.import_module(f"{package_name}.pipeline")


def _bare(parameters: dict[str, int]) -> float:
    assert _PIPELINE is not None
    with contextlib.redirect_stdout(io.StringIO()):  # as ours does: the steps' prints are not shown
        return float(_PIPELINE.run_steps(**parameters)["metrics"]["accuracy"])


def bare_pool(package: Path) -> float:
    started = time.perf_counter()
    with ProcessPoolExecutor(
        WORKERS, initializer=_init, initargs=(str(package.parent), package.name)
    ) as pool:
        results = list(pool.map(_bare, parameter_sets()))
    assert len(results) == 200
    return time.perf_counter() - started


def ours(package: Path, folder: Path, uri: str, experiment: str) -> tuple[float, float]:
    import yaml
    from mlflow import MlflowClient

    grid = folder / "grid.yaml"
    grid.write_text(yaml.safe_dump({"grid": GRID, "group_by": "random_state"}))
    command = [sys.executable, "-m", "jupyter_mlops.cli", "run", str(package), "--grid", str(grid)]
    command += ["--workers", str(WORKERS), "--metric", "accuracy", "--experiment", experiment]
    command += ["--tracking-uri", uri]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"fan-out failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    parents = client.search_runs([found.experiment_id], "tags.`jupyter_mlops.fanout.sets` = '200'")
    return elapsed, float(parents[0].data.metrics["wall_seconds"])


def papermill_loop(folder: Path, sample: int) -> list[float]:
    import papermill

    sets = parameter_sets()
    chosen = [sets[index * len(sets) // sample] for index in range(sample)]
    timings = []
    for number, parameters in enumerate(chosen):
        started = time.perf_counter()
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(folder / f"out-{number}.ipynb"),
            parameters=parameters,
            progress_bar=False,
            cwd=str(NOTEBOOK.parent),
        )
        timings.append(time.perf_counter() - started)
    return timings


def convert(folder: Path) -> Path:
    outdir = folder / "package"
    nb2prod = Path(sys.executable).with_name("nb2prod")
    subprocess.run([str(nb2prod), str(NOTEBOOK), "-o", str(outdir)], check=True, capture_output=True)
    return outdir / "iris_classifier"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papermill-sample", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3, help="bare/ours alternations (medians reported)")
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn workers of the MLflow server")
    args = parser.parse_args()
    from tests.support.mlflow_server import MlflowServer

    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    bare_runs: list[float] = []
    ours_runs: list[tuple[float, float]] = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        package = convert(folder)
        server = MlflowServer(root=folder / "mlflow", workers=args.server_workers).start()
        try:
            for repeat in range(args.repeats):
                bare_runs.append(bare_pool(package))
                loads.append(os.getloadavg()[0])
                ours_runs.append(ours(package, folder, server.uri, f"bench-fanout-{repeat}"))
                loads.append(os.getloadavg()[0])
        finally:
            server.stop()
        papermill_times = papermill_loop(folder, args.papermill_sample)
        loads.append(os.getloadavg()[0])
    bare_seconds = statistics.median(bare_runs)
    ours_seconds = statistics.median(whole for whole, _ in ours_runs)
    ours_wall = statistics.median(wall for _, wall in ours_runs)
    per_set = statistics.mean(papermill_times)
    papermill_seconds = per_set * 200
    print(
        f"fan-out of 200 parameter sets (RandomForest on iris), {WORKERS} workers, {os.cpu_count()} CPUs, "
        f"server --workers {args.server_workers}, load average {min(loads):.1f}-{max(loads):.1f}"
    )
    print(f"{'variant':<46}{'median s':>9}{'sets/s':>8}  repeats (s)")
    rows = [
        ("bare ProcessPoolExecutor, no tracking", bare_seconds, bare_runs),
        ("ours: whole `jupyter-mlops run --grid` command", ours_seconds, [whole for whole, _ in ours_runs]),
        ("ours: fan-out wall (parent run wall_seconds)", ours_wall, [wall for _, wall in ours_runs]),
        (f"papermill loop (extrapolated from {len(papermill_times)} sets)", papermill_seconds, []),
    ]
    for label, seconds, runs in rows:
        each = " ".join(f"{value:.1f}" for value in runs)
        print(f"{label:<46}{seconds:>9.1f}{200 / seconds:>8.2f}  {each}")
    sample = ", ".join(f"{seconds:.1f}" for seconds in papermill_times)
    print(f"papermill per set: mean {per_set:.2f} s over {len(papermill_times)} sets ({sample})")
    print(f"ours vs papermill loop: {papermill_seconds / ours_seconds:.1f}x faster (goal >= 20x)")
    ratios = [bare / whole for bare, (whole, _) in zip(bare_runs, ours_runs, strict=True)]
    wall_ratios = [bare / wall for bare, (_, wall) in zip(bare_runs, ours_runs, strict=True)]
    print(
        f"ours throughput vs bare pool: {bare_seconds / ours_seconds:.0%} whole command, "
        f"{bare_seconds / ours_wall:.0%} fan-out wall (goal >= 80%); per repeat (same-repeat pairs): "
        + ", ".join(f"{a:.0%}/{b:.0%}" for a, b in zip(ratios, wall_ratios, strict=True))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
