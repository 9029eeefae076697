"""`serve --follow`: poll the registry for the alias and hand each new version to the running server."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable

from mlflow import MlflowClient

from jupyter_mlops.serving.errors import ServerFailedError, ServingError
from jupyter_mlops.serving.model_version import ModelReference, ResolvedVersion, resolve
from jupyter_mlops.serving.process import connect_host

LOAD_TIMEOUT_SECONDS = 300.0


class AliasFollower:
    """Remembers the served version; `poll_once()` resolves the alias again and switches when it moved.

    `switch_to(new, old)` makes the server serve `new` instead of `old`.
    """

    def __init__(
        self,
        client: MlflowClient,
        reference: ModelReference,
        current: ResolvedVersion,
        switch_to: Callable[[ResolvedVersion, ResolvedVersion], None],
        echo: Callable[[str], None],
    ) -> None:
        self.client = client
        self.reference = reference
        self.current = current
        self.switch_to = switch_to
        self.echo = echo

    def poll_once(self) -> bool:
        """True when the server now serves a new version; a failed poll or load keeps the old one serving."""
        try:
            latest = resolve(self.client, self.reference)
        except ServingError as error:
            self.echo(f"jupyter-mlops: still serving version {self.current.version}: {error}")
            return False
        if latest.version == self.current.version:
            return False
        try:
            self.switch_to(latest, self.current)
        except ServingError as error:
            self.echo(f"jupyter-mlops: still serving version {self.current.version}: {error}")
            return False
        self.echo(
            f"{self.reference} moved to version {latest.version}: serving it "
            f"(version {self.current.version} unloaded)"
        )
        self.current = latest
        return True


def mlserver_load(host: str, port: int, served_name: str) -> None:
    """MLServer's repository API: reload the model from what model-settings.json names now.

    The model is unversioned, so MLServer's registry reloads it in place (`_reload_model`): the new copy
    loads while the old one still answers, then replaces it and the old one is unloaded.
    """
    connection = http.client.HTTPConnection(connect_host(host), port, timeout=LOAD_TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST", f"/v2/repository/models/{served_name}/load", body=b"", headers={"Content-Length": "0"}
        )
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        raise ServerFailedError(f"MLServer did not answer the load request: {error}") from error
    finally:
        connection.close()
    if response.status != 200:
        raise ServerFailedError(f"MLServer refused to load the new version: {_error_text(body)}")


def _error_text(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", body.decode(errors="replace")))
    except (ValueError, AttributeError):
        return body.decode(errors="replace")[:300]
