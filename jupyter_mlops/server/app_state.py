"""What the handlers need of the extension app, as a protocol: handlers depend on it, not on the app module.

`jupyter_mlops.server.extension.JupyterMLOps` provides it; keeping the handlers on this protocol keeps the
server's imports one way (extension → routes → handlers → app_state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from jupyter_server.services.contents.manager import ContentsManager
    from mlflow import MlflowClient

    from jupyter_mlops.core.contract import ConfigResponse
    from jupyter_mlops.server.pytest_jobs import PytestJobs

Result = TypeVar("Result")


class ExtensionState(Protocol):
    """The store client, the thread pool, the settings and the jobs the handlers use."""

    tracking_uri: str
    register_timeout: float
    pytest_jobs: PytestJobs

    @property
    def client(self) -> MlflowClient: ...

    @property
    def contents_manager(self) -> ContentsManager: ...

    @property
    def public_tracking_uri(self) -> str: ...

    @property
    def ui_url(self) -> str | None: ...

    @property
    def mlflow_username(self) -> str | None: ...

    def config_response(self) -> ConfigResponse: ...

    async def run_blocking(self, call: Callable[[], Result]) -> Result: ...
