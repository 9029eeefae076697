"""Airflow: a DAG file with the cron schedule and one PythonOperator that runs `jupyter-mlops run`.

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


def dag_source(job: Job) -> str:
    """The DAG module: fixed code, and the schedule's values as literals."""
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
