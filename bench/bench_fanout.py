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
Each arm's CPU seconds are measured too (this process, the processes it reaped — the pool's workers, the
`jupyter-mlops` command and its pool —, the Dask workers, the MLflow server's process tree, PostgreSQL's):
ours minus bare is what tracking costs, printed per set.
The MLflow server runs --server-workers processes (1 by default) behind --server-front: `gunicorn` (default:
MLflow's Flask app in gunicorn gthread workers, 8 threads, `mlflow server --gunicorn-opts ...`, the set-up
docs/scaling.md recommends for fan-out: 20–26 % less server CPU per child run than uvicorn) or `uvicorn`
(MLflow 3's default front, FastAPI around the same Flask app; with 2+ uvicorn workers each keep-alive call
waits ~40 ms on a delayed ACK, uvicorn #3149, docs/retraining.md).
--tracking-cores N (0 by default: everything shares every core) gives the MLflow server and PostgreSQL the
last N CPUs of their own (Linux CPU affinity, inherited by their processes) and everything else the rest —
the workers (one per remaining CPU, in both arms), the `jupyter-mlops` command and the Dask scheduler: the
set-up docs/scaling.md prescribes (the tracking server off the workers' cores), emulated on one machine.
--driver-cores tracking (with --tracking-cores; Dask arms only) moves what drives the fan-out — the bench's
client and the Dask scheduler it hosts, and the `jupyter-mlops` command — onto the tracking CPUs too, so the
workers' CPUs hold the Dask workers alone: a Dask cluster's topology, where the client and the scheduler are
not on the workers' machines. The default, `workers`, keeps them with the workers (the worst case). The local
engine's arms stay on the workers' CPUs either way: its pool is the command's own children.

    python bench/bench_fanout.py [--models realistic tiny] [--sets 200] [--repeats 3] [--server-workers 1]
                                 [--backend postgres] [--papermill-sample 6] [--engines local dask]
                                 [--server-front gunicorn] [--tracking-cores 0] [--driver-cores workers]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))
from bench_child_run_cost import GUNICORN_OPTIONS, tree_cpu  # noqa: E402
from fanout_models import TINY_GRID, expand, realistic_grid, realistic_notebook  # noqa: E402

NOTEBOOK = REPOSITORY / "examples" / "iris_classifier.ipynb"
WORKERS = 2  # with --tracking-cores 0


@dataclass
class CpuMeter:
    """CPU seconds so far of everything an arm runs on this machine, by part."""

    server_pid: int
    postmaster_pid: int | None
    dask_worker_pids: list[int] = field(default_factory=list)

    def sample(self) -> dict[str, float]:
        import psutil

        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = 0.0
        for pid in self.dask_worker_pids:
            times = psutil.Process(pid).cpu_times()
            workers += times.user + times.system
        return {
            "pool or command": reaped.ru_utime + reaped.ru_stime,
            "Dask workers": workers,
            "bench process": time.process_time(),
            "MLflow server": tree_cpu(self.server_pid),
            "PostgreSQL": tree_cpu(self.postmaster_pid) if self.postmaster_pid else 0.0,
        }

    def measure(self, action):  # type: ignore[no-untyped-def]
        """(action's result, CPU seconds by part while it ran)."""
        before = self.sample()
        result = action()
        after = self.sample()
        return result, {part: after[part] - before[part] for part in before}


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


def bare_pool(model: Model, workers: int) -> tuple[float, float]:
    """(wall seconds, mean CPU seconds per fit) of the untracked pool."""
    sets = model.sets
    started = time.perf_counter()
    with ProcessPoolExecutor(
        workers, initializer=_init, initargs=(str(model.package.parent), model.package.name)
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
def dask_cluster(workers: int):  # type: ignore[no-untyped-def]
    """A real Dask distributed LocalCluster of `workers` processes (1 thread each), closed after."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def ours(
    model: Model,
    folder: Path,
    uri: str,
    experiment: str,
    meter: CpuMeter,
    workers: int,
    address: str | None = None,
) -> tuple[tuple[float, float], dict[str, float]]:
    """((whole command seconds, fan-out wall seconds), CPU by part) of `jupyter-mlops run --grid`; then checks
    every run (not measured)."""
    import yaml
    from mlflow import MlflowClient

    grid = folder / f"grid-{model.name}.yaml"
    grid.write_text(yaml.safe_dump({"grid": model.grid, "group_by": model.group_by}))
    command = [sys.executable, "-m", "jupyter_mlops.cli", "run", str(model.package), "--grid", str(grid)]
    command += ["--workers", str(workers), "--metric", model.metric, "--experiment", experiment]
    command += ["--tracking-uri", uri]
    if address is not None:
        command += ["--engine", "dask", "--address", address]
    started = time.perf_counter()
    completed, used = meter.measure(
        functools.partial(subprocess.run, command, capture_output=True, text=True, check=False, cwd=folder)
    )
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
    return (elapsed, float(parents[0].data.metrics["wall_seconds"])), used


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


def bench_threads() -> list[int]:
    """The thread ids of this process (Linux CPU affinity is per thread)."""
    return [int(tid) for tid in os.listdir("/proc/self/task")]


@contextlib.contextmanager
def on_cores(cores: set[int] | None):  # type: ignore[no-untyped-def]
    """Run every thread of this process (the Dask scheduler's event loop among them), and the processes
    started meanwhile, on `cores`; None leaves the affinity alone."""
    if cores is None:
        yield
        return
    before: dict[int, set[int]] = {}
    for tid in bench_threads():
        with contextlib.suppress(ProcessLookupError):  # a thread that ends right now
            before[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, cores)
    try:
        yield
    finally:
        for tid, affinity in before.items():
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(tid, affinity)


@contextlib.contextmanager
def tracking_server(  # type: ignore[no-untyped-def]
    folder: Path, backend: str, workers: int, front: str = "gunicorn", cores: set[int] | None = None
):
    """A real MLflow server on PostgreSQL (or SQLite) for the bench, started on `cores` when given (their
    processes inherit that affinity); stopped and deleted after."""
    from tests.support.mlflow_server import MlflowServer
    from tests.support.postgres import MLFLOW_SERVER_ENV, PostgresCluster

    with on_cores(cores):
        cluster = PostgresCluster().start() if backend == "postgres" else None
    try:
        with on_cores(cores):
            server = MlflowServer(
                root=folder / "mlflow",
                workers=workers,
                backend_store_uri=cluster.uri if cluster else None,
                extra_env=MLFLOW_SERVER_ENV if cluster else {},
                extra_args=["--gunicorn-opts", GUNICORN_OPTIONS] if front == "gunicorn" else [],
            ).start()
        postmaster = None
        if cluster is not None:
            assert cluster.root is not None
            postmaster = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
        try:
            yield server, postmaster
        finally:
            server.stop()
    finally:
        if cluster is not None:
            cluster.stop()


def describe_placement(server_pid: int, postmaster_pid: int | None, dask_pids: list[int]) -> str:
    """Which CPUs each part may run on, read back from the live processes."""
    import psutil

    driver = "bench, Dask scheduler and the command" if dask_pids else "bench and the command"
    parts = {driver: os.getpid(), "MLflow server": server_pid}
    if postmaster_pid is not None:
        parts["PostgreSQL"] = postmaster_pid
    parts.update({f"Dask worker {number}": pid for number, pid in enumerate(dask_pids, 1)})

    def cpus(pid: int) -> list[int]:
        if pid != os.getpid():
            return sorted(psutil.Process(pid).cpu_affinity())
        return sorted(set().union(*(os.sched_getaffinity(tid) for tid in bench_threads())))

    return ", ".join(f"{part} {cpus(pid)}" for part, pid in parts.items())


def alternate(  # type: ignore[no-untyped-def]
    engine: str,
    model: Model,
    repeats: int,
    meter: CpuMeter,
    workers: int,
    client,
    folder: Path,
    uri: str,
    loads: list[float],
) -> tuple[tuple[list[tuple[float, float]], list[tuple[float, float]]], tuple[list[dict], list[dict]]]:
    """Bare then ours, `repeats` times on `engine`: ((bare runs, ours runs), (bare CPU, ours CPU))."""
    address = client.scheduler.address if engine == "dask" else None
    bare_runs: list[tuple[float, float]] = []
    ours_runs: list[tuple[float, float]] = []
    bare_cpu: list[dict[str, float]] = []
    ours_cpu: list[dict[str, float]] = []
    for repeat in range(repeats):
        bare = (
            functools.partial(bare_pool, model, workers)
            if engine == "local"
            else functools.partial(bare_dask, model, client)
        )
        one, used = meter.measure(bare)
        bare_runs.append(one)
        bare_cpu.append(used)
        loads.append(os.getloadavg()[0])
        experiment = f"bench-{engine}-{model.name}-{repeat}"
        one, used = ours(model, folder, uri, experiment, meter, workers, address)
        ours_runs.append(one)
        ours_cpu.append(used)
        loads.append(os.getloadavg()[0])
        print(
            f"  {engine} {model.name} repeat {repeat + 1}: bare {bare_runs[-1][0]:.1f} s, "
            f"ours {ours_runs[-1][0]:.1f} s (wall {ours_runs[-1][1]:.1f} s), "
            f"CPU bare {sum(bare_cpu[-1].values()):.1f} s, ours {sum(ours_cpu[-1].values()):.1f} s, "
            f"load {loads[-1]:.1f}",
            file=sys.stderr,
        )
    return (bare_runs, ours_runs), (bare_cpu, ours_cpu)


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
    parser.add_argument(
        "--tracking-cores", type=int, default=0, help="CPUs of their own for the MLflow server and PostgreSQL"
    )
    parser.add_argument(
        "--driver-cores",
        choices=["workers", "tracking"],
        default="workers",
        help="Dask arms: the client, the scheduler and the command on the workers' or the tracking CPUs",
    )
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if not 0 <= args.tracking_cores < len(cores):
        raise SystemExit(f"--tracking-cores must leave a CPU for the workers (this process has {len(cores)})")
    tracking_cores = set(cores[len(cores) - args.tracking_cores :]) if args.tracking_cores else None
    if args.driver_cores == "tracking" and tracking_cores is None:
        raise SystemExit("--driver-cores tracking needs --tracking-cores N")
    workers = len(cores) - args.tracking_cores if args.tracking_cores else WORKERS
    if tracking_cores is not None:
        os.sched_setaffinity(0, set(cores) - tracking_cores)  # inherited by every arm's processes

    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    loads = [os.getloadavg()[0]]
    results: dict[tuple[str, str], tuple[list[tuple[float, float]], list[tuple[float, float]]]] = {}
    cpu: dict[tuple[str, str], tuple[list[dict[str, float]], list[dict[str, float]]]] = {}
    papermill_times: list[float] = []
    placements: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as name, contextlib.ExitStack() as stack:
        folder = Path(name)
        models = build_models(folder, args.models, args.sets)
        client = stack.enter_context(dask_cluster(workers)) if "dask" in args.engines else None
        for model in models if client is not None else []:  # warm imports, as the local pool's initializer
            client.run(_warm_worker, str(model.package.parent), model.package.name)  # type: ignore[union-attr]
        dask_pids = list(client.run(os.getpid).values()) if client is not None else []  # type: ignore[union-attr]
        with tracking_server(
            folder, args.backend, args.server_workers, args.server_front, tracking_cores
        ) as (server, postmaster):
            assert server.process is not None
            for engine in args.engines:
                driver = tracking_cores if engine == "dask" and args.driver_cores == "tracking" else None
                with on_cores(driver):
                    placements[engine] = describe_placement(server.process.pid, postmaster, dask_pids)
                    meter = CpuMeter(server.process.pid, postmaster, dask_pids if engine == "dask" else [])
                    for model in models:
                        runs, used = alternate(
                            engine, model, args.repeats, meter, workers, client, folder, server.uri, loads
                        )
                        results[(engine, model.name)] = runs
                        cpu[(engine, model.name)] = used
        if "tiny" in args.models and args.papermill_sample > 0:
            papermill_times = papermill_loop(folder, args.papermill_sample)
            loads.append(os.getloadavg()[0])

    print(
        f"B3 fan-out, {workers} workers, {os.cpu_count()} CPUs, MLflow server on {args.backend} "
        f"(--workers {args.server_workers}, {args.server_front}), {args.repeats} alternated repeats, "
        f"load average {min(loads):.1f}-{max(loads):.1f}"
    )
    for engine, placement in placements.items():
        print(f"CPUs, {engine} arms: {placement}")
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
        bare_cpu, ours_cpu = cpu[(engine, model_name)]
        for label, samples in (("bare", bare_cpu), ("ours", ours_cpu)):
            parts = {part: statistics.median(sample[part] for sample in samples) for part in samples[0]}
            split = ", ".join(f"{part} {seconds:.1f}" for part, seconds in parts.items() if seconds >= 0.05)
            print(f"CPU s, {label} (median by part): {sum(parts.values()):.1f} = {split}")
        extra = statistics.median(
            sum(o.values()) - sum(b.values()) for b, o in zip(bare_cpu, ours_cpu, strict=True)
        )
        server_part = statistics.median(o["MLflow server"] + o["PostgreSQL"] for o in ours_cpu)
        print(
            f"tracking's CPU per set (ours - bare): {1000 * extra / count:.0f} ms, of which MLflow server + "
            f"PostgreSQL {1000 * server_part / count:.0f} ms; {extra / (count * fit_cpu):.0%} of the fits' "
            "CPU"
        )
        if model.name == "tiny" and papermill_times:
            per_set = statistics.mean(papermill_times)
            sample = ", ".join(f"{seconds:.1f}" for seconds in papermill_times)
            print(f"papermill per set: mean {per_set:.2f} s over {len(papermill_times)} sets ({sample})")
            print(f"ours vs papermill loop: {per_set * count / ours_seconds:.1f}x faster (goal >= 20x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
