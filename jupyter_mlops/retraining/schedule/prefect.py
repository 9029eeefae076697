"""Prefect: a flow file and a `prefect.yaml` deployment with the cron schedule, ready for `prefect deploy`.

The flow runs the same `jupyter-mlops run` command as cron (the interpreter that wrote it), so the Prefect
environment needs only Prefect; `concurrency_limit: 1` keeps runs from overlapping.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_mlops.retraining.schedule import Job, register, write_file

INSTALL_HINT = "pip install jupyter-mlops[prefect]"

_FLOW = '''\
"""Prefect flow {name}: retrains {target} with `jupyter-mlops run`.

Written by `jupyter-mlops schedule --target prefect`; regenerate rather than edit.
Deploy with `prefect deploy --all` from this folder (prefect.yaml holds the cron schedule);
run once with `python {flow_file}`. Needs no Jupyter server.
"""

from __future__ import annotations

import subprocess

from prefect import flow, get_run_logger, task

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


@flow(name={name!r})
def {function}() -> str:
    """The scheduled retraining of {target_name}."""
    return retrain()


if __name__ == "__main__":
    {function}()
'''

_DEPLOYMENT = """\
# Prefect deployment for {name}, written by `jupyter-mlops schedule --target prefect`.
# Deploy: cd {output_dir} && prefect deploy --all   (set work_pool.name to one of your pools first)
name: {name}
prefect-version: 3.8.0
pull:
  - prefect.deployments.steps.set_working_directory:
      directory: {output_dir}
deployments:
  - name: {name}
    entrypoint: {flow_file}:{function}
    concurrency_limit: 1
    schedules:
      - cron: "{cron}"
        timezone: UTC
    work_pool:
      name: default
"""


def emit(job: Job, output_dir: Path) -> list[str]:
    """Write `<name>_flow.py` and `prefect.yaml`."""
    flow_file = f"{job.name}_flow.py"
    function = "retrain_flow"
    flow_text = _FLOW.format(
        name=job.name,
        target=job.target,
        target_name=job.target.name,
        flow_file=flow_file,
        command=job.command,
        workdir=str(job.workdir),
        function=function,
    )
    write_file(output_dir / flow_file, flow_text)
    deployment = _DEPLOYMENT.format(
        name=job.name, output_dir=output_dir, flow_file=flow_file, function=function, cron=job.cron
    )
    write_file(output_dir / "prefect.yaml", deployment)
    return [
        f"wrote {output_dir / flow_file}",
        f"wrote {output_dir / 'prefect.yaml'} (cron {job.cron!r}, UTC)",
        f"deploy: cd {output_dir} && prefect deploy --all   (needs {INSTALL_HINT})",
    ]


register("prefect", emit)
