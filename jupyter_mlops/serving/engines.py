"""The two inference servers `jupyter-mlops serve` can start, found and commanded here.

MLServer lives in an environment of its own (it pins FastAPI older than MLflow's server): `make engines`
installs it in `.venv-mlserver` next to the project; `JUPYTER_MLOPS_MLSERVER` names another `mlserver`.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from jupyter_mlops.serving.errors import EngineMissingError

MLSERVER_VARIABLE = "JUPYTER_MLOPS_MLSERVER"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MLSERVER = PROJECT_ROOT / ".venv-mlserver" / "bin" / "mlserver"
MLSERVER_PINS = "mlserver==1.7.1 mlserver-mlflow==1.7.1 'uvloop<0.22'"
ENGINES = ("mlserver", "mlflow")


@dataclass(frozen=True)
class Engine:
    """How to start one server and how to tell it is ready to answer."""

    name: str
    display_name: str


MLSERVER = Engine("mlserver", "MLServer")
MLFLOW = Engine("mlflow", "mlflow models serve")


def engine_named(name: str) -> Engine:
    return MLSERVER if name == MLSERVER.name else MLFLOW


def mlserver_executable() -> Path:
    """`$JUPYTER_MLOPS_MLSERVER`, else the project's `.venv-mlserver/bin/mlserver`, else one on PATH."""
    configured = os.environ.get(MLSERVER_VARIABLE)
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise EngineMissingError(f"{MLSERVER_VARIABLE}={configured} is not an executable `mlserver`")
    if DEFAULT_MLSERVER.is_file():
        return DEFAULT_MLSERVER
    on_path = shutil.which("mlserver")
    if on_path:
        return Path(on_path)
    raise EngineMissingError(
        "MLServer is not installed: run `make engines` in the jupyter-mlops checkout, or "
        f"`python3 -m venv .venv-mlserver && .venv-mlserver/bin/pip install {MLSERVER_PINS}` "
        f"and set {MLSERVER_VARIABLE} to its bin/mlserver"
    )


def mlserver_command(executable: Path, folder: Path) -> list[str]:
    """`mlserver start FOLDER` (ports and repository come from FOLDER/settings.json)."""
    return [str(executable), "start", str(folder)]


def mlflow_command(model_path: Path, host: str, port: int) -> list[str]:
    """`mlflow models serve` from this environment, on the model's local copy, without building a new env."""
    return [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "--model-uri",
        str(model_path),
        "--host",
        host,
        "--port",
        str(port),
        "--env-manager",
        "local",
    ]


def mlflow_environment() -> dict[str, str]:
    """`mlflow models serve` starts `uvicorn` by name: this environment's bin folder goes first on PATH."""
    return {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}


def readiness_path(engine: Engine, served_name: str) -> str:
    """The GET path that answers 200 once the model is loaded."""
    return f"/v2/models/{served_name}/ready" if engine is MLSERVER else "/ping"
