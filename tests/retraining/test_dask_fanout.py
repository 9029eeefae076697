"""Fan-out on Dask distributed (a real LocalCluster of worker processes) and `--resume`, on a real server.

The target is a package nb2prod writes from a small notebook whose train step can sleep (so a worker can be
killed while it computes) and fail for the series named in $JUPYTER_MLOPS_TEST_FAIL_SERIES (so a resume has
something to repair).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.retraining.conftest import code_cell, write_notebook
from tests.support.mlflow_server import free_port

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

REPOSITORY = Path(__file__).parents[2]
SET_TAG = "jupyter_mlops.fanout.set"
KEY_TAG = "jupyter_mlops.fanout.set_key"
BEST_TAG = "jupyter_mlops.fanout.best"

TRAIN = """\
import os, time
if str(series) in os.environ.get("JUPYTER_MLOPS_TEST_FAIL_SERIES", "").split(","):
    raise RuntimeError(f"series {series} is down")
time.sleep(seconds)
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=series)
clf = LogisticRegression(C=C, max_iter=300).fit(X_train, y_train)"""


@pytest.fixture(scope="module")
def series_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package nb2prod writes for a notebook with parameters C, series, seconds (converted once)."""
    folder = tmp_path_factory.mktemp("series")
    notebook = write_notebook(
        folder / "series_model.ipynb",
        [
            code_cell(
                "from sklearn.datasets import load_iris\n"
                "from sklearn.linear_model import LogisticRegression\n"
                "from sklearn.metrics import accuracy_score\n"
                "from sklearn.model_selection import train_test_split",
                "imports",
            ),
            code_cell("C: float = 1.0\nseries = 0\nseconds = 0.0", "parameters"),
            code_cell(TRAIN, "step:train", "model:clf"),
            code_cell('{"accuracy": accuracy_score(y_test, clf.predict(X_test))}', "metrics"),
        ],
    )
    outdir = folder / "out"
    nb2prod = Path(sys.executable).with_name("nb2prod")
    completed = subprocess.run(
        [str(nb2prod), str(notebook), "-o", str(outdir)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return outdir


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """A real Dask LocalCluster: 3 worker processes (one thread each), restarted by their nannies."""
    local = distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    yield local
    local.close()


def children_of(uri: str, experiment: str) -> tuple[list, list]:  # type: ignore[type-arg]
    """(parents, children) of an experiment."""
    found = MlflowClient(uri).get_experiment_by_name(experiment)
    assert found is not None
    runs = MlflowClient(uri).search_runs([found.experiment_id], max_results=1000)
    parents = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    return parents, [run for run in runs if "mlflow.parentRunId" in run.data.tags]


def results(children: list) -> dict[tuple[str, str], float]:  # type: ignore[type-arg]
    """(series, C) -> accuracy of the finished children."""
    return {
        (run.data.params["series"], run.data.params["C"]): run.data.metrics["accuracy"]
        for run in children
        if run.info.status == "FINISHED"
    }


def models_of(uri: str, run) -> int:  # type: ignore[no-untyped-def]
    return len(
        MlflowClient(uri).search_logged_models(
            [run.info.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
        )
    )


def test_dask_fanout_gives_the_same_children_as_the_local_pool(
    tracking_uri: str, cli, series_package: Path, cluster, tmp_path: Path
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  series: [0, 1]\n  C: [0.05, 1.0, 10.0]\ngroup_by: series\n")
    outputs = {}
    for engine in ("local", "dask"):
        where = ["--address", cluster.scheduler_address] if engine == "dask" else ["--workers", "2"]
        experiment = f"{engine}-{tmp_path.name}"
        result = cli(
            "run", series_package, "--grid", grid, "--metric", "accuracy", "--experiment", experiment,
            "--engine", engine, *where,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "6 of 6 parameter sets finished, 0 failed" in result.output
        outputs[engine] = children_of(tracking_uri, experiment)
    assert f"on the Dask scheduler at {cluster.scheduler_address}" in result.output
    _, local_children = outputs["local"]
    dask_parents, dask_children = outputs["dask"]
    assert len(dask_parents) == 1 and len(dask_children) == 6
    assert results(dask_children) == results(local_children)
    best = {
        engine: sorted(
            (run.data.params["series"], run.data.params["C"])
            for run in children
            if run.data.tags.get(BEST_TAG) == "true"
        )
        for engine, (_, children) in outputs.items()
    }
    assert best["dask"] == best["local"] and len(best["dask"]) == 2
    for run in dask_children:
        assert models_of(tracking_uri, run) == (1 if run.data.tags.get(BEST_TAG) == "true" else 0)
    assert dask_parents[0].data.metrics["sets_failed"] == 0


def executing_sets(dask_worker) -> list[str]:  # type: ignore[no-untyped-def]
    """Run on a worker (client.run): the keys of the fan-out tasks it is computing now."""
    return [str(task.key) for task in dask_worker.state.executing if "jupyter-mlops-set-" in str(task.key)]


def test_a_killed_worker_loses_no_set_and_logs_none_twice(
    tracking_uri: str, series_package: Path, cluster, tmp_path: Path
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  series: [0, 1, 2]\n  C: [0.1, 1.0, 10.0]\n  seconds: [1.5]\n")
    experiment = f"killed-{tmp_path.name}"
    command = [
        sys.executable, "-m", "jupyter_mlops.cli", "run", str(series_package), "--grid", str(grid),
        "--metric", "accuracy", "--experiment", experiment, "--engine", "dask",
        "--address", cluster.scheduler_address,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])}
    fanout = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed: list[str] = []
    with distributed.Client(cluster.scheduler_address) as observer:
        while not killed and fanout.poll() is None:
            for address, keys in observer.run(executing_sets).items():
                if keys:
                    pid = observer.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed = keys
                    break
            time.sleep(0.05)
    output, _ = fanout.communicate(timeout=600)
    assert killed, f"the fan-out ended before a worker was seen computing:\n{output}"
    assert fanout.returncode == 0, output
    assert "9 of 9 parameter sets finished, 0 failed" in output
    parents, children = children_of(tracking_uri, experiment)
    assert len(parents) == 1 and parents[0].data.metrics["sets_failed"] == 0
    assert Counter(run.data.tags[SET_TAG] for run in children) == Counter(str(index) for index in range(9))
    assert all(run.info.status == "FINISHED" for run in children)
    killed_sets = {str(int(key.split("-")[3])) for key in killed}  # jupyter-mlops-set-00004-<key>-<pid>
    assert killed_sets <= {run.data.tags[SET_TAG] for run in children}


def test_resume_reruns_only_the_failed_sets_into_the_same_parent(
    tracking_uri: str, cli, series_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid:\n  series: [0, 1, 2]\n  C: [0.1, 1.0]\ngroup_by: series\n")
    experiment = f"resume-{tmp_path.name}"
    base = ["run", series_package, "--grid", grid, "--metric", "accuracy", "--experiment", experiment]
    monkeypatch.setenv("JUPYTER_MLOPS_TEST_FAIL_SERIES", "1")
    first = cli(*base, "--workers", "2", "--log-models", "none")
    assert first.exit_code == 2, first.output
    assert "4 of 6 parameter sets finished, 2 failed" in first.output
    [parent], _ = children_of(tracking_uri, experiment)
    parent_id = parent.info.run_id
    orphan = (  # what a parent killed between a child's create and end calls leaves behind
        MlflowClient(tracking_uri)
        .create_run(parent.info.experiment_id, tags={"mlflow.parentRunId": parent_id, SET_TAG: "2"})
        .info.run_id
    )

    monkeypatch.delenv("JUPYTER_MLOPS_TEST_FAIL_SERIES")
    repaired = cli(*base, "--resume", parent_id, "--engine", "dask", "--workers", "2")
    assert repaired.exit_code == 0, repaired.output
    assert f"resuming parent run {parent_id}: 4 set(s) finished before, 2 to run" in repaired.output
    assert "a Dask LocalCluster of 2 worker process(es)" in repaired.output
    assert "6 of 6 parameter sets finished, 0 failed" in repaired.output
    parents, children = children_of(tracking_uri, experiment)
    assert [run.info.run_id for run in parents] == [parent_id]
    assert parents[0].info.status == "FINISHED" and parents[0].data.metrics["sets_failed"] == 0
    finished = [run for run in children if run.info.status == "FINISHED"]
    assert len(children) == 9, "the 2 failed children stay as history"
    assert MlflowClient(tracking_uri).get_run(orphan).info.status == "KILLED"
    assert Counter(run.data.tags[KEY_TAG] for run in finished).most_common(1)[0][1] == 1
    assert len(finished) == 6
    assert {run.data.params["series"] for run in children if run.info.status == "FAILED"} == {"1"}
    best = [run for run in finished if run.data.tags.get(BEST_TAG) == "true"]
    assert sorted(run.data.params["series"] for run in best) == ["0", "1", "2"]
    assert [models_of(tracking_uri, run) for run in best] == [1, 1, 1], "earlier best sets get their model"

    again = cli(*base, "--resume", parent_id)
    assert again.exit_code == 0, again.output
    assert f"resuming parent run {parent_id}: 6 set(s) finished before, 0 to run" in again.output
    assert len(children_of(tracking_uri, experiment)[1]) == 9


def test_resume_refuses_a_run_that_is_not_this_fanout(
    tracking_uri: str, cli, series_package: Path, tmp_path: Path
) -> None:
    client = MlflowClient(tracking_uri)
    lone = client.create_run(client.create_experiment(f"lone-{tmp_path.name}")).info.run_id
    grid = tmp_path / "grid.yaml"
    grid.write_text("C: [0.1, 1.0]\n")
    result = cli("run", series_package, "--grid", grid, "--resume", lone)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"jupyter-mlops: --resume {lone}: not the parent run of a jupyter-mlops fan-out"
    )
    missing = cli("run", series_package, "--grid", grid, "--resume", "0" * 32)
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines()[-1] == (
        f"jupyter-mlops: --resume {'0' * 32}: no such run on {tracking_uri}"
    )
    alone = cli("run", series_package, "--engine", "dask")
    assert alone.exit_code == 2
    assert "go with a fan-out (--grid or --param-file)" in alone.output
    local = cli("run", series_package, "--grid", grid, "--address", "tcp://127.0.0.1:8786")
    assert local.exit_code == 2
    assert "--address names a Dask scheduler; it goes with --engine dask" in local.output
    nobody = f"tcp://127.0.0.1:{free_port()}"
    experiment = f"no-scheduler-{tmp_path.name}"
    unreachable = cli(
        "run", series_package, "--grid", grid, "--engine", "dask", "--address", nobody,
        "--experiment", experiment,
    )  # fmt: skip
    assert unreachable.exit_code == 2
    assert (
        unreachable.output.strip()
        .splitlines()[-1]
        .startswith(f"jupyter-mlops: --address {nobody}: no Dask scheduler answers there")
    )
    assert client.get_experiment_by_name(experiment) is None, "no run was created"
