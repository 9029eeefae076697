"""Benchmark the Schedules list (`GET jupyter-mlops/schedules`): its last runs from MLflow in one paged run
search over every experiment (experiment ids looked up in parallel) vs the naive way, one experiment lookup
and one run search per schedule, one after the other.

    python bench/bench_schedules_list.py [--schedules 20] [--runs 10] [--repeat 7]

A real `mlflow server` (SQLite); the schedules are written by the same `create_schedule` the server calls;
the runs carry the tags and params `jupyter-mlops run` logs (created through the client, no kernel).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.mlflow_server import MlflowServer  # noqa: E402
from tests.support.tagged_notebooks import CONVERTIBLE, write_tagged_notebook  # noqa: E402


def seed(root: Path, uri: str, schedules: int, runs: int) -> None:
    """`schedules` notebooks, each with a cron schedule and `runs` runs in its own experiment."""
    from mlflow import MlflowClient
    from mlflow.entities import Param, RunTag

    from jupyter_mlops.core.contract import ScheduleCreateRequest
    from jupyter_mlops.retraining.schedule.service import create_schedule

    client = MlflowClient(uri)
    for index in range(schedules):
        name = f"nb{index:03d}.ipynb"
        notebook = write_tagged_notebook(root / name, CONVERTIBLE)
        create_schedule(
            notebook,
            ScheduleCreateRequest(notebook=name),
            root=root,
            folder_file=root / "schedules",
            folder="schedules",
            experiment_name=name,
            tracking_uri=uri,
        )
        experiment_id = client.create_experiment(name)
        for _ in range(runs):
            run = client.create_run(experiment_id)
            tags = [
                RunTag("jupyter_mlops.runner", "jupyter-mlops run"),
                RunTag("jupyter_mlops.target", str(notebook.resolve())),
            ]
            params = [Param("alpha", "0.5"), Param("repeats", "3")]
            client.log_batch(run.info.run_id, params=params, tags=tags)
            client.set_terminated(run.info.run_id)


def naive(client, root: Path, per_schedule: int) -> int:  # type: ignore[no-untyped-def]
    """One experiment lookup and one run search per schedule, in sequence; the number of runs found."""
    from jupyter_mlops.retraining.schedule.existing import read_folder

    found = 0
    for schedule in read_folder(root / "schedules").schedules:
        experiment = client.get_experiment_by_name(schedule.option("--experiment"))
        page = client.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.`jupyter_mlops.target` = '{schedule.target}'",
            max_results=per_schedule,
            order_by=["attributes.start_time DESC"],
        )
        found += len(page)
    return found


def ours(client, root: Path, uri: str, per_schedule: int) -> int:  # type: ignore[no-untyped-def]
    from jupyter_mlops.retraining.schedule.service import list_schedules

    listed = list_schedules(
        client,
        root / "schedules",
        root=root,
        folder="schedules",
        tracking_uri=uri,
        ui_url=uri,
        runs=per_schedule,
    )
    return sum(len(summary.runs) for summary in listed.schedules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from mlflow import MlflowClient

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        server = MlflowServer(root=base / "mlflow").start()
        try:
            root = base / "root"
            seed(root, server.uri, args.schedules, args.runs)
            client = MlflowClient(server.uri)
            per_schedule = 5
            expected = args.schedules * min(per_schedule, args.runs)
            timings: dict[str, list[float]] = {"naive": [], "ours": []}
            for _ in range(args.repeat):  # interleaved, so load changes hit both alike
                for label, call in (
                    ("naive", lambda: naive(client, root, per_schedule)),
                    ("ours", lambda: ours(client, root, server.uri, per_schedule)),
                ):
                    start = time.perf_counter()
                    found = call()
                    timings[label].append((time.perf_counter() - start) * 1000)
                    assert found == expected, (label, found, expected)
        finally:
            server.stop()
    base_ms = statistics.median(timings["naive"])
    print(
        f"{args.schedules} schedules x {args.runs} runs, last {per_schedule} each, {args.repeat} repetitions"
    )
    print("| variant | median ms | min ms | max ms | ratio |")
    print("|---|---|---|---|---|")
    for label, title in (("naive", "one lookup + one search per schedule"), ("ours", "list_schedules")):
        values = timings[label]
        print(
            f"| {title} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} "
            f"| {statistics.median(values) / base_ms:.2f} |"
        )


if __name__ == "__main__":
    main()
