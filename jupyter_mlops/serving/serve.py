"""`jupyter-mlops serve`: resolve the version, copy its artifacts locally, start the server, follow the alias.

The order is written once in `serve()`; the server-specific parts (files, command, reload) are in
`MLServerDeployment` and `MlflowDeployment`.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import mlflow.artifacts
from mlflow import MlflowClient

from jupyter_mlops.core.error_kinds import is_unreachable
from jupyter_mlops.core.errors import scrub_text
from jupyter_mlops.serving import engines
from jupyter_mlops.serving.errors import (
    BadModelURIError,
    BadOptionsError,
    RegistryUnavailableError,
    ServerFailedError,
)
from jupyter_mlops.serving.export import (
    MODEL_SETTINGS_FILE,
    SERVER_SETTINGS_FILE,
    atomic_write,
    json_bytes,
    model_settings,
    served_name,
    server_settings,
)
from jupyter_mlops.serving.follow import AliasFollower, mlserver_load
from jupyter_mlops.serving.model_version import ResolvedVersion, parse_model_uri, resolve
from jupyter_mlops.serving.process import ServerProcess, check_port_free, connect_host, free_port

Echo = Callable[[str], None]


@dataclass(frozen=True)
class ServeRequest:
    """What `jupyter-mlops serve` was asked for."""

    model_uri: str
    tracking_uri: str
    host: str = "127.0.0.1"
    port: int = 8080
    engine: str = "mlserver"
    follow: bool = False
    poll_seconds: float = 10.0
    grpc_port: int | None = None


class ModelCopies:
    """Local copies of model versions under a work folder (the server loads from disk, not the store)."""

    def __init__(self, workdir: Path, tracking_uri: str) -> None:
        self.root = workdir / "artifacts"
        self.tracking_uri = tracking_uri

    def download(self, version: ResolvedVersion) -> Path:
        target = self.root / f"version-{version.version}"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        try:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=version.storage_uri, dst_path=str(target), tracking_uri=self.tracking_uri
            )
        except Exception as error:
            if is_unreachable(error):
                raise RegistryUnavailableError(
                    f"cannot download {version.storage_uri}: the store does not answer"
                ) from error
            raise BadModelURIError(
                f"cannot download version {version.version}'s artifacts: {scrub_text(str(error))[:300]}"
            ) from error
        return Path(local)

    def discard(self, version: ResolvedVersion) -> None:
        shutil.rmtree(self.root / f"version-{version.version}", ignore_errors=True)


class MLServerDeployment:
    """MLServer with the mlserver-mlflow runtime: a settings folder, a one-model repository, reloads."""

    engine = engines.MLSERVER

    def __init__(self, request: ServeRequest, workdir: Path, copies: ModelCopies) -> None:
        self.request = request
        self.workdir = workdir
        self.copies = copies
        self.repository = workdir / "repository"
        self.executable = engines.mlserver_executable()

    def prepare(self, version: ResolvedVersion) -> list[str]:
        self.repository.mkdir(parents=True, exist_ok=True)
        self._write_model_settings(version)
        grpc_port = self.request.grpc_port or free_port()
        settings = server_settings(
            self.request.host,
            self.request.port,
            grpc_port,
            model_repository_root=str(self.repository),
            metrics_endpoint=None,
            load_models_at_startup=True,
        )
        atomic_write(self.workdir / SERVER_SETTINGS_FILE, json_bytes(settings))
        return engines.mlserver_command(self.executable, self.workdir)

    @staticmethod
    def environment() -> dict[str, str]:
        return {}

    def _write_model_settings(self, version: ResolvedVersion) -> None:
        local = self.copies.download(version)
        atomic_write(self.repository / MODEL_SETTINGS_FILE, json_bytes(model_settings(version, str(local))))

    def switch_to(self, new: ResolvedVersion, old: ResolvedVersion) -> None:
        """Point model-settings.json at the new copy, ask MLServer to load it (it unloads the old one)."""
        self._write_model_settings(new)
        mlserver_load(self.request.host, self.request.port, served_name(new.name))
        self.copies.discard(old)

    def endpoint(self, version: ResolvedVersion) -> str:
        host = connect_host(self.request.host)
        return f"POST http://{host}:{self.request.port}/v2/models/{served_name(version.name)}/infer"


class MlflowDeployment:
    """`mlflow models serve --env-manager local` on the local copy (no reload: restart to change versions)."""

    engine = engines.MLFLOW

    def __init__(self, request: ServeRequest, workdir: Path, copies: ModelCopies) -> None:
        self.request = request
        self.copies = copies

    environment = staticmethod(engines.mlflow_environment)

    def prepare(self, version: ResolvedVersion) -> list[str]:
        return engines.mlflow_command(self.copies.download(version), self.request.host, self.request.port)

    def switch_to(self, new: ResolvedVersion, old: ResolvedVersion) -> None:
        raise ServerFailedError("mlflow models serve cannot reload a model")

    def endpoint(self, version: ResolvedVersion) -> str:
        return f"POST http://{connect_host(self.request.host)}:{self.request.port}/invocations"


def check_request(request: ServeRequest) -> None:
    """Option combinations that cannot work, refused before anything starts."""
    if request.engine not in engines.ENGINES:
        raise BadOptionsError(
            f"unknown engine {request.engine!r}: choose one of {', '.join(engines.ENGINES)}"
        )
    if request.follow and request.engine != engines.MLSERVER.name:
        raise BadOptionsError("--follow needs --engine mlserver (mlflow models serve cannot reload a model)")
    if request.follow and parse_model_uri(request.model_uri).alias is None:
        raise BadOptionsError("--follow needs an alias: models:/NAME@ALIAS")


def serve(request: ServeRequest, echo: Echo, stop: threading.Event | None = None) -> None:
    """Serve until Ctrl-C, SIGTERM or `stop`; ServingError (one line, exit code) for what goes wrong."""
    check_request(request)
    reference = parse_model_uri(request.model_uri)
    client = MlflowClient(tracking_uri=request.tracking_uri)
    version = resolve(client, reference)
    deployment_class = MLServerDeployment if request.engine == engines.MLSERVER.name else MlflowDeployment
    check_port_free(request.host, request.port)
    if request.grpc_port is not None and request.engine == engines.MLSERVER.name:
        check_port_free(request.host, request.grpc_port, option="--grpc-port")
    workdir = Path(tempfile.mkdtemp(prefix="jupyter-mlops-serve-"))
    server: ServerProcess | None = None
    keep_log = False
    with terminate_as_interrupt():
        try:
            deployment = deployment_class(request, workdir, ModelCopies(workdir, request.tracking_uri))
            command = deployment.prepare(version)
            name = deployment.engine.display_name
            log = workdir / f"{deployment.engine.name}.log"
            server = ServerProcess(name, command, log, deployment.environment()).start()
            ready_path = engines.readiness_path(deployment.engine, served_name(version.name))
            server.wait_ready(request.host, request.port, ready_path)
            echo(
                f"serving {version.name} version {version.version} with {name}: "
                f"{deployment.endpoint(version)}"
            )
            follower = None
            if request.follow:
                follower = AliasFollower(client, reference, version, deployment.switch_to, echo)
                echo(f"following {reference}: checking every {request.poll_seconds:g} s")
            watch(server, follower, request.poll_seconds, stop or threading.Event())
        except KeyboardInterrupt:
            echo("jupyter-mlops: stopping the server")
        except ServerFailedError:
            keep_log = True  # the message names the server's log: keep the work folder that holds it
            raise
        finally:
            if server is not None:
                server.stop()
            if not keep_log:
                shutil.rmtree(workdir, ignore_errors=True)


def watch(
    server: ServerProcess, follower: AliasFollower | None, poll_seconds: float, stop: threading.Event
) -> None:
    """Until `stop` is set: check the server is alive, and poll the alias every `poll_seconds`."""
    next_poll = time.monotonic() + poll_seconds
    while not stop.wait(0.5):
        server.check_alive()
        if follower is not None and time.monotonic() >= next_poll:
            follower.poll_once()
            next_poll = time.monotonic() + poll_seconds


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves as Ctrl-C (so the server is stopped and the work folder removed); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
