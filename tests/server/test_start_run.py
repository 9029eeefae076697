"""`jupyter_mlops.start_run()` in a real kernel started by a real jupyter_server session: the run lands in
the notebook's experiment on the server's store, where the panel's endpoints find it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from mlflow import MlflowClient

from jupyter_mlops.notebook_run import NotebookPathUnknown, find_notebook_path

pytestmark = pytest.mark.slow


async def run_in_kernel(kernel: Any, code: str) -> str:
    """Execute `code` in the kernel; return its stdout (fails on an error reply).

    The client comes from the kernel's manager, so "is the kernel alive" asks for its process rather than
    heartbeats (a missed beat on a loaded machine is not a dead kernel)."""
    client: AsyncKernelClient = kernel.client()
    client.start_channels()
    output: list[str] = []

    def collect(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            output.append(message["content"]["text"])
        if message["msg_type"] == "error":
            output.append("\n".join(message["content"]["traceback"]))

    try:
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive(code, output_hook=collect, timeout=180)
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok", "".join(output)
    return "".join(output)


async def open_session(jp_fetch: Any, jp_serverapp: Any, path: str) -> tuple[str, Any]:
    """Start a notebook session as JupyterLab does; return (kernel id, its kernel manager)."""
    body = {"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}}
    session = json.loads((await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))).body)
    kernel_id = session["kernel"]["id"]
    return kernel_id, jp_serverapp.kernel_manager.get_kernel(kernel_id)


async def test_start_run_logs_into_the_notebooks_experiment(
    jp_fetch: Any, jp_serverapp: Any, notebook_in_root: Path, mlflow_server: Any
) -> None:
    _, kernel = await open_session(jp_fetch, jp_serverapp, "analysis/train.ipynb")
    code = (
        "import jupyter_mlops, mlflow\n"
        "with jupyter_mlops.start_run() as run:\n"
        "    mlflow.log_metric('score', 0.75)\n"
        "print('RUN', run.info.run_id)\n"
    )
    output = await run_in_kernel(kernel, code)
    run_id = output.split("RUN", 1)[1].split()[0]
    run = MlflowClient(mlflow_server.uri).get_run(run_id)
    assert run.data.metrics == {"score": 0.75}
    assert run.data.tags["jupyter_mlops.notebook"] == "analysis/train.ipynb"
    panel = json.loads(
        (await jp_fetch("jupyter-mlops", "experiment", params={"notebook": "analysis/train.ipynb"})).body
    )
    assert panel["experiment"]["experiment_id"] == run.info.experiment_id
    assert panel["experiment_name"] == "analysis/train.ipynb"
    runs = json.loads(
        (await jp_fetch("jupyter-mlops", "runs", params={"experiment_id": run.info.experiment_id})).body
    )
    assert [item["run_id"] for item in runs["runs"]] == [run_id]


async def test_kernels_get_the_store_in_their_environment_not_the_servers(
    jp_fetch: Any, jp_serverapp: Any, mlflow_server: Any
) -> None:
    assert [name for name in os.environ if name.startswith("JUPYTER_MLOPS_")] == []
    body = json.dumps({"name": "python3"})
    started = json.loads((await jp_fetch("api", "kernels", method="POST", body=body)).body)
    kernel = jp_serverapp.kernel_manager.get_kernel(started["id"])
    code = (
        "import os, json\n"
        "names = ['JUPYTER_MLOPS_TRACKING_URI', 'JUPYTER_MLOPS_REGISTRY_URI', 'JUPYTER_MLOPS_ROOT_DIR',\n"
        "         'MLFLOW_HTTP_REQUEST_MAX_RETRIES']\n"
        "print('ENV', json.dumps({name: os.environ.get(name) for name in names}))\n"
    )
    output = await run_in_kernel(kernel, code)
    assert json.loads(output.split("ENV", 1)[1]) == {
        "JUPYTER_MLOPS_TRACKING_URI": mlflow_server.uri,
        "JUPYTER_MLOPS_REGISTRY_URI": mlflow_server.uri,
        "JUPYTER_MLOPS_ROOT_DIR": str(jp_serverapp.root_dir),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    assert [name for name in os.environ if name.startswith("JUPYTER_MLOPS_")] == []


async def test_kernel_asks_the_server_when_the_variable_is_missing(
    jp_fetch: Any, jp_serverapp: Any, notebook_in_root: Path, jp_http_port: int, jp_base_url: str
) -> None:
    _, kernel = await open_session(jp_fetch, jp_serverapp, "analysis/train.ipynb")
    server = {
        "url": f"http://127.0.0.1:{jp_http_port}{jp_base_url}",
        "token": jp_serverapp.identity_provider.token,
        "root_dir": jp_serverapp.root_dir,
    }
    code = (
        "import os\n"
        "from jupyter_mlops.notebook_run import find_notebook_path\n"
        "os.environ.pop('JPY_SESSION_NAME', None)\n"
        f"print('PATH', find_notebook_path(servers=[{server!r}]))\n"
    )
    output = await run_in_kernel(kernel, code)
    assert output.split("PATH", 1)[1].strip() == str(notebook_in_root.resolve())


def test_outside_a_kernel_the_error_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(NotebookPathUnknown) as caught:
        find_notebook_path(servers=[])
    assert str(caught.value).endswith("Pass it: start_run(notebook_path='path/to/notebook.ipynb').")
