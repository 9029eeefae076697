"""Airflow: a DAG file with the cron schedule and one PythonOperator that runs `jupyter-mlops run`; with a
grid or parameter file, three tasks, the middle one expanded over shards of the sets (dynamic task mapping).

A PythonOperator (not PapermillOperator) because the run is more than papermill: MLflow tracking and the
champion/challenger gate. It calls the interpreter that wrote the DAG, so the Airflow environment needs
only Airflow; `max_active_runs=1` keeps runs from overlapping. User values reach the DAG only as `repr`
literals; an existing DAG file with other content is replaced only with `force`.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_mlops.retraining.schedule import Job, register
from jupyter_mlops.retraining.schedule.files import PlannedFile, write_all

INSTALL_HINT = "pip install jupyter-mlops[airflow]"

_DAG = '''\
"""Airflow DAG from `jupyter-mlops schedule --target airflow`: retrains TARGET with `jupyter-mlops run`.

Regenerate rather than edit. Copy it into your dags folder. Needs no Jupyter server.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.python import PythonOperator

NAME = {name!r}
TARGET = {target!r}
CRON = {cron!r}
COMMAND = {command!r}
WORKDIR = {workdir!r}


def retrain() -> str:
    """Run the notebook or package once, tracked in MLflow (and gated, if the schedule says so)."""
    completed = subprocess.run(COMMAND, cwd=WORKDIR, capture_output=True, text=True, check=False)
    print(completed.stdout)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-mlops run exited {{completed.returncode}}: {{completed.stderr[-4000:]}}")
    return completed.stdout.splitlines()[0] if completed.stdout else ""


with DAG(
    dag_id=NAME,
    schedule=CRON,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["jupyter-mlops", "retraining"],
    doc_md=__doc__,
) as dag:
    PythonOperator(task_id="retrain", python_callable=retrain)
'''

_FANOUT_DAG = '''\
"""Airflow DAG from `jupyter-mlops schedule --target airflow --grid/--param-file`: fans TARGET out.

One task creates the MLflow parent run, a task expanded over SHARDS shards (dynamic task mapping) logs each
set as a child run, and a last task (it runs even when a shard failed) re-runs what failed or never finished,
ranks the sets, logs the best models and closes the parent (`jupyter-mlops run --resume`). A retried shard
skips the sets it already logged. Regenerate rather than edit. Copy it into your dags folder.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task

NAME = {name!r}
TARGET = {target!r}
CRON = {cron!r}
COMMAND = {command!r}
WORKDIR = {workdir!r}
SHARDS = {shards!r}


def jupyter_mlops_run(arguments: list[str]) -> str:
    """COMMAND plus `arguments`; its output printed, a non-zero exit (failed sets too) raised."""
    command = [*COMMAND, *arguments]
    completed = subprocess.run(command, cwd=WORKDIR, capture_output=True, text=True, check=False)
    print(completed.stdout)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-mlops run exited {{completed.returncode}}: {{completed.stderr[-4000:]}}")
    return completed.stdout


@task
def open_parent() -> str:
    """Create the fan-out's parent run; its id (an XCom)."""
    return jupyter_mlops_run(["--parent-only"]).strip().splitlines()[-1]


@task
def run_shard(shard: int, parent_run_id: str) -> None:
    """Sets shard, shard + SHARDS, ... as child runs of the parent (those not finished already)."""
    jupyter_mlops_run(["--resume", parent_run_id, "--shard", f"{{shard}}/{{SHARDS}}", "--workers", "1"])


@task(trigger_rule="all_done")
def close_parent(parent_run_id: str) -> None:
    """Re-run the sets that failed or never finished, rank them, log the best models, close the parent."""
    jupyter_mlops_run(["--resume", parent_run_id])


with DAG(
    dag_id=NAME,
    schedule=CRON,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["jupyter-mlops", "retraining", "fan-out"],
    doc_md=__doc__,
) as dag:
    parent_run_id = open_parent()
    shards = run_shard.partial(parent_run_id=parent_run_id).expand(shard=list(range(SHARDS)))
    shards >> close_parent(parent_run_id)
'''


def dag_source(job: Job) -> str:
    """The DAG module: fixed code, and the schedule's values as literals."""
    if job.shards is not None:
        return _FANOUT_DAG.format(
            name=job.name,
            target=str(job.target),
            cron=job.cron,
            command=list(job.command),
            workdir=str(job.workdir),
            shards=job.shards,
        )
    return _DAG.format(
        name=job.name,
        target=str(job.target),
        cron=job.cron,
        command=list(job.command),
        workdir=str(job.workdir),
    )


def emit(job: Job, output_dir: Path, *, force: bool = False) -> list[str]:
    """Write `<name>_dag.py` (an existing one with other content only with `force`)."""
    dag_file = output_dir / f"{job.name}_dag.py"
    write_all([PlannedFile(dag_file, dag_source(job))], force=force)
    return [
        f"wrote {dag_file} (dag_id {job.name!r}, schedule {job.cron!r})",
        f"copy it into your Airflow dags folder (needs {INSTALL_HINT})",
    ]


register("airflow", emit)
