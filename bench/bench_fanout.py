"""Benchmark B3: fan-out of parameter sets tracked into a real MLflow server vs a bare untracked pool.

Two models, each an nb2prod package (bench/fanout_models.py), 2 workers:
  realistic  a GradientBoostingRegressor per product series on a synthetic 2,000-row frame (≈ 0.3–1 s of CPU
             per fit; the bench measures the mean CPU per fit in the bare pool and prints it); --sets N
             parameter sets (40 per series; 200 by default, 2,000 for the issue's second figure)
  tiny       today's RandomForest on iris (examples/iris_classifier.ipynb), 200 sets, ≈ 40 ms per fit
Compared, alternating --repeats times (medians reported, with the load average):
  ours   `jupyter-mlops run PKG --grid grid.yaml --workers 2 --metric M` against a real `mlflow server` whose
         backend store is PostgreSQL 15 (tests/support/postgres.py; --backend sqlite for the old set-up):
         a parent run + one child run per set, the best model per group logged (whole command, and its
         fan-out wall from the parent run's wall_seconds)
  bare   a ProcessPoolExecutor(2) calling pipeline.run_steps(**params) for the same sets, no tracking
  papermill-loop (tiny only, --papermill-sample > 0)  papermill.execute_notebook per set, sequentially,
         measured on a sample and extrapolated to 200 sets
--engines local dask: each engine's pair, on the same sets and server:
  local  ours with the default process pool; bare = the ProcessPoolExecutor(2) above
  dask   a real Dask distributed LocalCluster started by the bench (2 worker processes, 1 thread each,
         its scheduler's tcp:// address); ours = `jupyter-mlops run ... --engine dask --address tcp://…`;
         bare = the same untracked function mapped over the sets on that cluster (`Client.map`)
The MLflow server runs --server-workers processes (1 by default) behind --server-front: `gunicorn` (default:
MLflow's Flask app in gunicorn gthread workers, 8 threads, `mlflow server --gunicorn-opts ...`, the set-up
docs/scaling.md recommends for fan-out: ≈ 26 % less server CPU per child run than uvicorn) or `uvicorn`
(MLflow 3's default front, FastAPI around the same Flask app; with 2+ uvicorn workers each keep-alive call
waits ~40 ms on a delayed ACK, uvicorn #3149, docs/retraining.md).

    python bench/bench_fanout.py [--models realistic tiny] [--sets 200] [--repeats 3] [--server-workers 1]
                                 [--backend postgres] [--papermill-sample 6] [--engines local dask]
                                 [--server-front gunicorn]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))
from fanout_models import TINY_GRID, expand, realistic_grid, realistic_notebook  # noqa: E402

NOTEBOOK = REPOSITORY / "examples" / "iris_classifier.ipynb"
WORKERS = 2
GUNICORN_OPTIONS = "--worker-class gthread --threads 8 --keep-alive 30"


@dataclass
class Model:
    """One fanned-out model: its package, grid and the metric that ranks its sets."""

    name: str
    description: str
    package: Path
    grid: dict[str, list[object]]
    group_by: str
    metric: str

    @property
    def sets(self) -> list[dict[str, object]]:
        return expand(self.grid)


_PIPELINE = None


def _init(package_parent: str, package_name: str) -> None:
    global _PIPELINE
    import importlib

    sys.path.insert(0, package_parent)
    _PIPELINE = importlib.import_module(f"{package_name}.pipeline")


def _bare(job: tuple[dict[str, object], str]) -> tuple[float, float]:
    """(metric, CPU seconds) of one set."""
    assert _PIPELINE is not None
    parameters, metric = job
    started = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):  # as ours does: the steps' prints are not shown
        value = float(_PIPELINE.run_steps(**parameters)["metrics"][metric])
    return value, time.process_time() - started


def bare_pool(model: Model) -> tuple[float, float]:
    """(wall seconds, mean CPU seconds per fit) of the untracked pool."""
    sets = model.sets
    started = time.perf_counter()
    with ProcessPoolExecutor(
        WORKERS, initializer=_init, initargs=(str(model.package.parent), model.package.name)
    ) as pool:
        results = list(pool.map(_bare, [(one, model.metric) for one in sets]))
    elapsed = time.perf_counter() - started
    assert len(results) == len(sets)
    return elapsed, statistics.mean(cpu for _, cpu in results)


def _import_pipeline(package_parent: str, package_name: str):  # type: ignore[no-untyped-def]
    """The package's pipeline module in this (Dask worker) process; imported once, sys.modules keeps it."""
    import importlib

    if package_parent not in sys.path:
        sys.path.insert(0, package_parent)
    return importlib.import_module(f"{package_name}.pipeline")


def _warm_worker(package_parent: str, package_name: str) -> None:
    """Import the package on a Dask worker before the clock starts (a module cannot travel back)."""
    _import_pipeline(package_parent, package_name)


def _bare_on_dask(
    package_parent: str, package_name: str, parameters: dict[str, object], metric: str
) -> tuple[float, float]:
    """`_bare` on a Dask worker: (metric, CPU seconds) of one set."""
    pipeline = _import_pipeline(package_parent, package_name)
    started = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        value = float(pipeline.run_steps(**parameters)["metrics"][metric])
    return value, time.process_time() - started


def bare_dask(model: Model, client) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall seconds, mean CPU seconds per fit) of the same sets mapped untracked over the Dask cluster."""
    sets = model.sets
    started = time.perf_counter()
    futures = client.map(
        _bare_on_dask,
        [str(model.package.parent)] * len(sets),
        [model.package.name] * len(sets),
        sets,
        [model.metric] * len(sets),
        pure=False,
    )
    results = client.gather(futures)
    elapsed = time.perf_counter() - started
    assert len(results) == len(sets)
    return elapsed, statistics.mean(cpu for _, cpu in results)


@contextlib.contextmanager
def dask_cluster():  # type: ignore[no-untyped-def]
    """A real Dask distributed LocalCluster of WORKERS processes (1 thread each), closed after."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def ours(
    model: Model, folder: Path, uri: str, experiment: str, address: str | None = None
) -> tuple[float, float]:
    """(whole command seconds, fan-out wall seconds) of `jupyter-mlops run --grid`; checks every run."""
    import yaml
    from mlflow import MlflowClient

    grid = folder / f"grid-{model.name}.yaml"
    grid.write_text(yaml.safe_dump({"grid": model.grid, "group_by": model.group_by}))
    command = [sys.executable, "-m", "jupyter_mlops.cli", "run", str(model.package), "--grid", str(grid)]
    command += ["--workers", str(WORKERS), "--metric", model.metric, "--experiment", experiment]
    command += ["--tracking-uri", uri]
    if address is not None:
        command += ["--engine", "dask", "--address", address]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"fan-out failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    count = len(model.sets)
    parents = client.search_runs([found.experiment_id], f"tags.`jupyter_mlops.fanout.sets` = '{count}'")
    runs = client.search_runs([found.experiment_id], max_results=50000)
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    if len(children) != count or len(runs) != count + 1:
        raise SystemExit(f"expected {count} child runs in {experiment}, found {len(children)}")
    return elapsed, float(parents[0].data.metrics["wall_seconds"])


def papermill_loop(folder: Path, sample: int) -> list[float]:
    import papermill

    sets = expand(TINY_GRID)
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


def convert(notebook: Path, outdir: Path) -> Path:
    """nb2prod's package of `notebook` (the importable folder inside the project it writes)."""
    nb2prod = Path(sys.executable).with_name("nb2prod")
    subprocess.run([str(nb2prod), str(notebook), "-o", str(outdir)], check=True, capture_output=True)
    return outdir / notebook.stem


def build_models(folder: Path, names: list[str], sets: int) -> list[Model]:
    models = []
    for name in names:
        if name == "realistic":
            notebook = realistic_notebook(folder / "demand.ipynb")
            description = "GradientBoostingRegressor per series, 2,000 rows x 20 features"
            package = convert(notebook, folder / "demand-package")
            models.append(Model(name, description, package, realistic_grid(sets), "series", "r2"))
        else:
            package = convert(NOTEBOOK, folder / "iris-package")
            models.append(Model(name, "RandomForest on iris", package, TINY_GRID, "random_state", "accuracy"))
    return models


@contextlib.contextmanager
def tracking_server(folder: Path, backend: str, workers: int, front: str = "gunicorn"):  # type: ignore[no-untyped-def]
    """A real MLflow server on PostgreSQL (or SQLite) for the bench; stopped and deleted after."""
    from tests.support.mlflow_server import MlflowServer
    from tests.support.postgres import MLFLOW_SERVER_ENV, PostgresCluster

    cluster = PostgresCluster().start() if backend == "postgres" else None
    try:
        server = MlflowServer(
            root=folder / "mlflow",
            workers=workers,
            backend_store_uri=cluster.uri if cluster else None,
            extra_env=MLFLOW_SERVER_ENV if cluster else {},
            extra_args=["--gunicorn-opts", GUNICORN_OPTIONS] if front == "gunicorn" else [],
        ).start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=["realistic", "tiny"], default=["realistic", "tiny"])
    parser.add_argument("--sets", type=int, default=200, help="realistic model's parameter sets (x40)")
    parser.add_argument("--repeats", type=int, default=3, help="bare/ours alternations (medians reported)")
    parser.add_argument("--server-workers", type=int, default=1, help="uvicorn workers of the MLflow server")
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--papermill-sample", type=int, default=6, help="0 skips the papermill loop")
    parser.add_argument("--engines", nargs="+", choices=["local", "dask"], default=["local"])
    parser.add_argument("--server-front", choices=["gunicorn", "uvicorn"], default="gunicorn")
    args = parser.parse_args()

    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    loads = [os.getloadavg()[0]]
    results: dict[tuple[str, str], tuple[list[tuple[float, float]], list[tuple[float, float]]]] = {}
    papermill_times: list[float] = []
    with tempfile.TemporaryDirectory() as name, contextlib.ExitStack() as stack:
        folder = Path(name)
        models = build_models(folder, args.models, args.sets)
        client = stack.enter_context(dask_cluster()) if "dask" in args.engines else None
        for model in models if client is not None else []:  # warm imports, as the local pool's initializer
            client.run(_warm_worker, str(model.package.parent), model.package.name)  # type: ignore[union-attr]
        with tracking_server(folder, args.backend, args.server_workers, args.server_front) as server:
            for engine in args.engines:
                address = client.scheduler.address if engine == "dask" else None  # type: ignore[union-attr]
                for model in models:
                    bare_runs: list[tuple[float, float]] = []
                    ours_runs: list[tuple[float, float]] = []
                    for repeat in range(args.repeats):
                        bare_runs.append(bare_pool(model) if engine == "local" else bare_dask(model, client))
                        loads.append(os.getloadavg()[0])
                        experiment = f"bench-{engine}-{model.name}-{repeat}"
                        ours_runs.append(ours(model, folder, server.uri, experiment, address))
                        loads.append(os.getloadavg()[0])
                        print(
                            f"  {engine} {model.name} repeat {repeat + 1}: bare {bare_runs[-1][0]:.1f} s, "
                            f"ours {ours_runs[-1][0]:.1f} s (wall {ours_runs[-1][1]:.1f} s), "
                            f"load {loads[-1]:.1f}",
                            file=sys.stderr,
                        )
                    results[(engine, model.name)] = (bare_runs, ours_runs)
        if "tiny" in args.models and args.papermill_sample > 0:
            papermill_times = papermill_loop(folder, args.papermill_sample)
            loads.append(os.getloadavg()[0])

    print(
        f"B3 fan-out, {WORKERS} workers, {os.cpu_count()} CPUs, MLflow server on {args.backend} "
        f"(--workers {args.server_workers}, {args.server_front}), {args.repeats} alternated repeats, "
        f"load average {min(loads):.1f}-{max(loads):.1f}"
    )
    for (engine, model_name), (bare_runs, ours_runs) in results.items():
        model = next(one for one in models if one.name == model_name)
        count = len(model.sets)
        bare_seconds = statistics.median(wall for wall, _ in bare_runs)
        fit_cpu = statistics.mean(cpu for _, cpu in bare_runs)
        ours_seconds = statistics.median(whole for whole, _ in ours_runs)
        ours_wall = statistics.median(wall for _, wall in ours_runs)
        print(
            f"\n{engine} engine, {model.name}: {model.description}, {count} sets, "
            f"mean CPU per fit {fit_cpu:.3f} s"
        )
        bare_label = (
            "bare ProcessPoolExecutor, no tracking"
            if engine == "local"
            else "bare Dask Client.map, no tracking"
        )
        print(f"{'variant':<46}{'median s':>9}{'sets/s':>8}  repeats (s)")
        rows = [
            (bare_label, bare_seconds, [wall for wall, _ in bare_runs]),
            (
                "ours: whole `jupyter-mlops run --grid` command",
                ours_seconds,
                [whole for whole, _ in ours_runs],
            ),
            ("ours: fan-out wall (parent run wall_seconds)", ours_wall, [wall for _, wall in ours_runs]),
        ]
        for label, seconds, runs in rows:
            each = " ".join(f"{value:.1f}" for value in runs)
            print(f"{label:<46}{seconds:>9.1f}{count / seconds:>8.2f}  {each}")
        pairs = ", ".join(
            f"{bare / whole:.0%}/{bare / wall:.0%}"
            for (bare, _), (whole, wall) in zip(bare_runs, ours_runs, strict=True)
        )
        print(
            f"ours throughput vs bare pool: {bare_seconds / ours_seconds:.0%} whole command, "
            f"{bare_seconds / ours_wall:.0%} fan-out wall (goal >= 90%); per repeat (whole/wall): {pairs}"
        )
        if model.name == "tiny" and papermill_times:
            per_set = statistics.mean(papermill_times)
            sample = ", ".join(f"{seconds:.1f}" for seconds in papermill_times)
            print(f"papermill per set: mean {per_set:.2f} s over {len(papermill_times)} sets ({sample})")
            print(f"ours vs papermill loop: {per_set * count / ours_seconds:.1f}x faster (goal >= 20x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
