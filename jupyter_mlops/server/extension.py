"""The jupyter_server extension app: settings (traitlets), the store client, the thread pool, the routes.

jupyter_server does the wiring: `initialize_handlers` fills `ExtensionApp.handlers` (it prefixes base_url and
gives each handler this app through the web app's settings), `initialize_settings` prepares what handlers use.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import mlflow
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.services.contents.manager import ContentsManager
from mlflow import MlflowClient
from traitlets import Float, Int, List, Unicode, default

from jupyter_mlops.core import tracking
from jupyter_mlops.core.contract import ConfigResponse
from jupyter_mlops.core.experiments import default_tracking_uri
from jupyter_mlops.server.kernel_env import (
    KERNEL_ENV_REGISTRY_URI,
    KERNEL_ENV_ROOT_DIR,
    KERNEL_ENV_TRACKING_URI,
    add_to_kernel_env,
)
from jupyter_mlops.server.pytest_jobs import PytestJobs
from jupyter_mlops.server.routes import route_table

Result = TypeVar("Result")
MLFLOW_RETRIES_VARIABLE = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
MLFLOW_TIMEOUT_VARIABLE = "MLFLOW_HTTP_REQUEST_TIMEOUT"
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
        """Create the thread pool, cap MLflow's HTTP retries and give kernels the store settings."""
        self.executor = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="jupyter-mlops")
        self._client: MlflowClient | None = None
        self._client_lock = threading.Lock()
        self.pytest_jobs = PytestJobs()
        # MLflow reads its HTTP policy only from the environment (no per-client setting); unset, its
        # default retries for minutes. setdefault: a value the user set wins.
        os.environ.setdefault(MLFLOW_RETRIES_VARIABLE, str(self.http_max_retries))
        os.environ.setdefault(MLFLOW_TIMEOUT_VARIABLE, str(self.http_timeout))
        assert self.serverapp is not None
        add_to_kernel_env(self.serverapp.kernel_manager, self.kernel_variables, self.kernel_defaults)
        self.log.info("jupyter-mlops: MLflow store %s", self.public_tracking_uri)

    def initialize_handlers(self) -> None:
        """Declare the route table as this extension's handlers (jupyter_server adds base_url)."""
        self.handlers.extend(route_table())

    async def stop_extension(self) -> None:
        """Let running MLflow calls finish; start no new ones; end running test jobs."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.pytest_jobs.stop_all()

    # ------------------------------------------------------------ used by handlers

    def kernel_variables(self) -> dict[str, str]:
        """What kernels started by this server get, so `start_run()` logs to this store and root."""
        return {
            KERNEL_ENV_TRACKING_URI: self.tracking_uri,
            KERNEL_ENV_REGISTRY_URI: self.registry_uri,
            KERNEL_ENV_ROOT_DIR: self.root_dir,
        }

    def kernel_defaults(self) -> dict[str, str]:
        """MLflow's HTTP policy for kernels whose environment does not set it."""
        return {
            MLFLOW_RETRIES_VARIABLE: str(self.http_max_retries),
            MLFLOW_TIMEOUT_VARIABLE: str(self.http_timeout),
        }

    @property
    def contents_manager(self) -> ContentsManager:
        """The server's contents manager: notebooks are read through it, never from disk directly."""
        assert self.serverapp is not None
        return self.serverapp.contents_manager

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
