"""The jupyter_server extension app: settings (traitlets), the store client, the thread pool, the routes."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import mlflow
from jupyter_server.extension.application import ExtensionApp
from mlflow import MlflowClient
from traitlets import Float, Int, List, Unicode, default

from jupyter_mlops.core import tracking
from jupyter_mlops.core.contract import ConfigResponse
from jupyter_mlops.core.experiments import default_tracking_uri
from jupyter_mlops.server.routes import route_table

Result = TypeVar("Result")
# Exported to kernels started by this server, so `jupyter_mlops.start_run()` logs to the same store and names
# experiments relative to the same root.
KERNEL_ENV_TRACKING_URI = "JUPYTER_MLOPS_TRACKING_URI"
KERNEL_ENV_REGISTRY_URI = "JUPYTER_MLOPS_REGISTRY_URI"
KERNEL_ENV_ROOT_DIR = "JUPYTER_MLOPS_ROOT_DIR"
CREDENTIAL_VARIABLES = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")


class JupyterMLOps(ExtensionApp):
    """REST endpoints under `<base_url>jupyter-mlops/` for the MLOps side panel."""

    name = "jupyter_mlops"
    load_other_extensions = True

    tracking_uri = Unicode(
        help="MLflow tracking URI. Default: MLFLOW_TRACKING_URI, else sqlite:///<root_dir>/mlflow.db."
    ).tag(config=True)
    registry_uri = Unicode(
        help="MLflow registry URI. Default: MLFLOW_REGISTRY_URI, else the tracking URI."
    ).tag(config=True)
    alias_names = List(
        Unicode(), default_value=["staging", "production"], help="Alias names the panel offers for promotion."
    ).tag(config=True)
    max_workers = Int(8, help="Threads that run MLflow calls off the event loop.").tag(config=True)
    register_timeout = Float(300.0, help="Seconds to wait for a new model version to become READY.").tag(
        config=True
    )
    http_max_retries = Int(
        2,
        help="MLFLOW_HTTP_REQUEST_MAX_RETRIES when unset (MLflow's default 7 hangs for minutes).",
    ).tag(config=True)
    http_timeout = Int(20, help="MLFLOW_HTTP_REQUEST_TIMEOUT (seconds) when unset.").tag(config=True)
    refresh_seconds = Float(10.0, help="How often the panel polls for new runs.").tag(config=True)

    @default("tracking_uri")
    def _default_tracking_uri(self) -> str:
        root = self.serverapp.root_dir if self.serverapp is not None else None
        return default_tracking_uri(root)

    @default("registry_uri")
    def _default_registry_uri(self) -> str:
        return os.environ.get("MLFLOW_REGISTRY_URI") or self.tracking_uri

    def initialize_settings(self) -> None:
        """Create the thread pool, export the store to kernels and cap MLflow's HTTP retries."""
        self.executor = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="jupyter-mlops")
        self._client: MlflowClient | None = None
        self._client_lock = threading.Lock()
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(self.http_max_retries))
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(self.http_timeout))
        os.environ[KERNEL_ENV_TRACKING_URI] = self.tracking_uri
        os.environ[KERNEL_ENV_REGISTRY_URI] = self.registry_uri
        os.environ[KERNEL_ENV_ROOT_DIR] = self.root_dir
        self.log.info("jupyter-mlops: MLflow store %s", self.public_tracking_uri)

    def initialize_handlers(self) -> None:
        """Add the route table (patterns already include base_url) to the server's web app."""
        assert self.serverapp is not None
        base_url = self.serverapp.web_app.settings["base_url"]
        self.serverapp.web_app.add_handlers(".*$", route_table(base_url, self))

    async def stop_extension(self) -> None:
        """Let running MLflow calls finish; start no new ones."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ used by handlers

    @property
    def root_dir(self) -> str:
        """The Jupyter root: notebook paths from requests are relative to it and never leave it."""
        assert self.serverapp is not None
        return str(self.serverapp.root_dir)

    @property
    def client(self) -> MlflowClient:
        """The MlflowClient for the configured store (created on first use, in a pool thread)."""
        with self._client_lock:
            if self._client is None:
                self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri)
            return self._client

    @property
    def public_tracking_uri(self) -> str:
        """The tracking URI without credentials."""
        return tracking.public_uri(self.tracking_uri)

    @property
    def ui_url(self) -> str | None:
        """Base of the MLflow UI for links, when the store is a server."""
        return tracking.ui_url(self.tracking_uri)

    @property
    def mlflow_username(self) -> str | None:
        """The MLflow basic-auth user this server signs in as (used server-side only)."""
        return os.environ.get("MLFLOW_TRACKING_USERNAME") or None

    async def run_blocking(self, call: Callable[[], Result]) -> Result:
        """Run a blocking MLflow call on the thread pool, keeping the event loop free."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    def config_response(self) -> ConfigResponse:
        """What GET config answers: the store without credentials and the panel settings."""
        return ConfigResponse(
            tracking_uri=self.public_tracking_uri,
            registry_uri=tracking.public_uri(self.registry_uri),
            store_kind=tracking.store_kind(self.tracking_uri),
            ui_url=self.ui_url,
            alias_names=list(self.alias_names),
            mlflow_version=mlflow.__version__,
            auth_configured=any(os.environ.get(name) for name in CREDENTIAL_VARIABLES),
            refresh_seconds=self.refresh_seconds,
        )
