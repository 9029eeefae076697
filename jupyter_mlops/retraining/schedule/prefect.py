"""Prefect: a flow file and a deployment in `prefect.yaml` with the cron schedule, ready for `prefect deploy`;
with a grid or parameter file, the flow maps a task over shards of the sets (`.map`).

The flow runs the same `jupyter-mlops run` command as cron (the interpreter that wrote it), so the Prefect
environment needs only Prefect; `concurrency_limit: 1` keeps runs from overlapping. User values reach the
flow only as `repr` literals, and prefect.yaml is read, merged and written with PyYAML: an existing file
keeps its other deployments, and a deployment of the same name is replaced only with `force`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jupyter_mlops.retraining.errors import BadInputError
from jupyter_mlops.retraining.schedule import Job, register
from jupyter_mlops.retraining.schedule.files import PlannedFile, read_existing, refuse_overwrites, write_all

INSTALL_HINT = "pip install jupyter-mlops[prefect]"
FLOW_FUNCTION = "retrain_flow"
PREFECT_VERSION = "3.8.0"

_FLOW = '''\
"""Prefect flow from `jupyter-mlops schedule --target prefect`: retrains TARGET with `jupyter-mlops run`.

Regenerate rather than edit. Deploy with `prefect deploy --all` from this folder (prefect.yaml holds the
cron schedule); run once with `python` and this file. Needs no Jupyter server.
"""

from __future__ import annotations

import subprocess

from prefect import flow, get_run_logger, task

NAME = {name!r}
TARGET = {target!r}
COMMAND = {command!r}
WORKDIR = {workdir!r}


@task(name="jupyter-mlops run", retries=0)
def retrain() -> str:
    """Run the notebook or package once, tracked in MLflow (and gated, if the schedule says so)."""
    logger = get_run_logger()
    logger.info("running %s", " ".join(COMMAND))
    completed = subprocess.run(COMMAND, cwd=WORKDIR, capture_output=True, text=True, check=False)
    if completed.stdout:
        logger.info(completed.stdout)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-mlops run exited {{completed.returncode}}: {{completed.stderr[-4000:]}}")
    return completed.stdout


@flow(name=NAME)
def {function}() -> str:
    """The scheduled retraining of TARGET."""
    return retrain()


if __name__ == "__main__":
    {function}()
'''

_FANOUT_FLOW = '''\
"""Prefect flow from `jupyter-mlops schedule --target prefect --grid/--param-file`: fans TARGET out.

One task creates the MLflow parent run, a task mapped over SHARDS shards (`.map`, run by the flow's task
runner: threads by default, a Dask cluster with prefect-dask's DaskTaskRunner) logs each set as a child run,
and a last task re-runs what failed or never finished, ranks the sets, logs the best models and closes the
parent (`jupyter-mlops run --resume`). A retried shard skips the sets it already logged.
Regenerate rather than edit. Deploy with `prefect deploy --all` from this folder. Needs no Jupyter server.
"""

from __future__ import annotations

import subprocess

from prefect import allow_failure, flow, get_run_logger, task, unmapped

NAME = {name!r}
TARGET = {target!r}
COMMAND = {command!r}
WORKDIR = {workdir!r}
SHARDS = {shards!r}


def jupyter_mlops_run(arguments: list[str]) -> str:
    """COMMAND plus `arguments`; its output is logged, a non-zero exit (failed sets too) raised."""
    logger = get_run_logger()
    command = [*COMMAND, *arguments]
    logger.info("running %s", " ".join(command))
    completed = subprocess.run(command, cwd=WORKDIR, capture_output=True, text=True, check=False)
    if completed.stdout:
        logger.info(completed.stdout)
    if completed.returncode != 0:
        raise RuntimeError(f"jupyter-mlops run exited {{completed.returncode}}: {{completed.stderr[-4000:]}}")
    return completed.stdout


@task(name="open the parent run")
def open_parent() -> str:
    """Create the fan-out's parent run; its id."""
    return jupyter_mlops_run(["--parent-only"]).strip().splitlines()[-1]


@task(name="run a shard of the parameter sets")
def run_shard(shard: int, parent_run_id: str) -> str:
    """Sets shard, shard + SHARDS, ... as child runs of the parent (those not finished already)."""
    shard_of = f"{{shard}}/{{SHARDS}}"
    return jupyter_mlops_run(["--resume", parent_run_id, "--shard", shard_of, "--workers", "1"])


@task(name="repair and close the parent run")
def close_parent(parent_run_id: str) -> str:
    """Re-run the sets that failed or never finished, rank them, log the best models, close the parent."""
    return jupyter_mlops_run(["--resume", parent_run_id])


@flow(name=NAME)
def {function}() -> str:
    """The scheduled fan-out of TARGET."""
    parent_run_id = open_parent()
    shards = run_shard.map(range(SHARDS), parent_run_id=unmapped(parent_run_id))
    return close_parent(parent_run_id, wait_for=[allow_failure(shards)])


if __name__ == "__main__":
    {function}()
'''

_HEADER = """\
# Prefect deployments written by `jupyter-mlops schedule --target prefect` (it adds or, with --force,
# replaces its own deployment and keeps the others). Deploy: prefect deploy --all, from this folder
# (set work_pool.name to one of your pools first).
"""


def flow_source(job: Job) -> str:
    """The flow module: fixed code, and the schedule's values as literals."""
    if job.shards is not None:
        return _FANOUT_FLOW.format(
            name=job.name,
            target=str(job.target),
            command=list(job.command),
            workdir=str(job.workdir),
            shards=job.shards,
            function=FLOW_FUNCTION,
        )
    return _FLOW.format(
        name=job.name,
        target=str(job.target),
        command=list(job.command),
        workdir=str(job.workdir),
        function=FLOW_FUNCTION,
    )


def deployment_for(job: Job, flow_file: str) -> dict[str, Any]:
    """This schedule's entry in prefect.yaml's `deployments` list."""
    return {
        "name": job.name,
        "entrypoint": f"{flow_file}:{FLOW_FUNCTION}",
        "concurrency_limit": 1,
        "schedules": [{"cron": job.cron, "timezone": "UTC"}],
        "work_pool": {"name": "default"},
    }


def merged_config(existing: str | None, deployment: dict[str, Any], output_dir: Path, *, force: bool) -> dict:
    """prefect.yaml with `deployment` added, or replacing one of the same name (only with `force`)."""
    location = output_dir / "prefect.yaml"
    if existing is None or not existing.strip():
        return {
            "name": deployment["name"],
            "prefect-version": PREFECT_VERSION,
            "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": str(output_dir)}}],
            "deployments": [deployment],
        }
    try:
        config = yaml.safe_load(existing)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or " ".join(str(error).split())
        raise BadInputError(f"{location} is not valid YAML ({where}{problem}); fix or move it") from None
    deployments = (config.get("deployments") or []) if isinstance(config, dict) else None
    if not isinstance(deployments, list) or not all(isinstance(entry, dict) for entry in deployments):
        raise BadInputError(
            f"{location} is not a Prefect project file (no `deployments` list); fix or move it"
        )
    same_name = [index for index, entry in enumerate(deployments) if entry.get("name") == deployment["name"]]
    if not same_name:
        return {**config, "deployments": [*deployments, deployment]}
    if deployments[same_name[0]] != deployment and not force:
        raise BadInputError(
            f"{location} already has a deployment named {deployment['name']!r} with other settings; "
            "nothing was written (use --force to replace it, or --name for another one)"
        )
    replaced = [entry for index, entry in enumerate(deployments) if index not in same_name[1:]]
    replaced[same_name[0]] = deployment
    return {**config, "deployments": replaced}


def config_text(config: dict) -> str:
    """prefect.yaml's text: our header, then the YAML PyYAML writes (keys in their order)."""
    return _HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=False, width=1000)


def emit(job: Job, output_dir: Path, *, force: bool = False) -> list[str]:
    """Write `<name>_flow.py` and add this deployment to `prefect.yaml` (called under the folder's lock)."""
    flow_file = f"{job.name}_flow.py"
    location = output_dir / "prefect.yaml"
    config = merged_config(read_existing(location), deployment_for(job, flow_file), output_dir, force=force)
    planned_flow = PlannedFile(output_dir / flow_file, flow_source(job))
    refuse_overwrites([planned_flow], force=force)
    write_all([planned_flow, PlannedFile(location, config_text(config))], force=True)  # the merge decided
    return [
        f"wrote {output_dir / flow_file}",
        f"wrote {location} (deployment {job.name!r}, cron {job.cron!r}, UTC; "
        f"{len(config['deployments'])} deployment(s) in it)",
        f"deploy: cd {output_dir} && prefect deploy --all   (needs {INSTALL_HINT})",
    ]


register("prefect", emit)
