"""JupyterHub: each user's single-user server signs in to MLflow as the MLflow user mapped from the Hub user.

In `jupyterhub_config.py`:

```python
from jupyter_mlops.hub import configure_mlflow_identity

configure_mlflow_identity(
    c, tracking_uri="https://mlflow.example.com", users_file="/etc/jupyterhub/mlflow-users.yaml"
)
```

`mlflow-users.yaml` (readable by the Hub only) maps Hub users to MLflow users and their credentials:

```yaml
users:
  alice: {mlflow_user: alice, password: "..."}     # or password_env: NAME_OF_A_VARIABLE_OF_THE_HUB
  bob: {mlflow_user: bob, token_env: BOB_MLFLOW_TOKEN}
```

The Hub puts `MLFLOW_TRACKING_URI` and that user's `MLFLOW_TRACKING_USERNAME` / `_PASSWORD` / `_TOKEN` into
the environment of the user's single-user server only (JupyterHub calls `Spawner.environment` callables
with the spawner): the browser never sees them, and MLflow's permissions follow the Hub identity. A Hub user
missing from the file gets no MLflow credentials (MLflow then answers as for an anonymous user).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_mlops.core.config_files import ConfigFileError, yaml_section

KEYS = {"mlflow_user", "password", "password_env", "token", "token_env"}


class HubConfigError(ConfigFileError):
    """The users file cannot be used (one line: the file and what is wrong)."""


@dataclass(frozen=True)
class MlflowIdentity:
    """The MLflow credentials of one Hub user."""

    username: str | None = None
    password: str | None = None
    token: str | None = None

    def environment(self) -> dict[str, str]:
        """`MLFLOW_TRACKING_*` variables for the single-user server."""
        values = {
            "MLFLOW_TRACKING_USERNAME": self.username,
            "MLFLOW_TRACKING_PASSWORD": self.password,
            "MLFLOW_TRACKING_TOKEN": self.token,
        }
        return {name: value for name, value in values.items() if value}


def read_users(path: Path) -> dict[str, dict[str, str]]:
    """The `users:` mapping of the file, checked (HubConfigError on anything else)."""
    try:
        users = yaml_section(path, "users", "`users: {HUB_USER: {mlflow_user: ..., password: ...}}`")
    except ConfigFileError as error:
        raise HubConfigError(str(error)) from None
    checked: dict[str, dict[str, str]] = {}
    for hub_user, entry in users.items():
        if not isinstance(entry, dict) or not set(map(str, entry)) <= KEYS:
            raise HubConfigError(f"{path}: user {hub_user!r}: expected keys among {', '.join(sorted(KEYS))}")
        checked[str(hub_user)] = {str(key): str(value) for key, value in entry.items()}
    return checked


def identity_of(hub_user: str, users: dict[str, dict[str, str]]) -> MlflowIdentity:
    """The MLflow identity of `hub_user` (empty when unmapped); `*_env` secrets come from the Hub's env."""
    entry = users.get(hub_user)
    if entry is None:
        return MlflowIdentity()

    def secret(kind: str) -> str | None:
        if kind in entry:
            return entry[kind]
        variable = entry.get(f"{kind}_env")
        return os.environ.get(variable) if variable else None

    return MlflowIdentity(entry.get("mlflow_user", hub_user), secret("password"), secret("token"))


class UsersFile:
    """The users file, parsed again only when it changes on disk (JupyterHub asks once per variable)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._users: dict[str, dict[str, str]] = {}

    def users(self) -> dict[str, dict[str, str]]:
        """The current mapping (HubConfigError when the file cannot be used)."""
        try:
            status = self.path.stat()
        except OSError:
            return read_users(self.path)  # raises the one-line error
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp != self._seen:
            self._users, self._seen = read_users(self.path), stamp
        return self._users


def spawner_environment(tracking_uri: str, users_file: str | os.PathLike[str]) -> dict[str, Any]:
    """`Spawner.environment` entries: the store, and per-user credentials as callables of the spawner.

    A changed mapping applies at the user's next server start.
    """
    users = UsersFile(Path(users_file))

    def variable(name: str) -> Callable[[Any], str]:
        def value(spawner: Any) -> str:
            return identity_of(spawner.user.name, users.users()).environment().get(name, "")

        return value

    environment: dict[str, Any] = {"MLFLOW_TRACKING_URI": tracking_uri}
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        environment[name] = variable(name)
    return environment


def configure_mlflow_identity(c: Any, tracking_uri: str, users_file: str | os.PathLike[str]) -> None:
    """Add the MLflow store and the per-user identity to `c.Spawner.environment` (a Hub config object)."""
    read_users(Path(users_file))  # a broken file stops the Hub at start, not at a user's spawn
    current = dict(c.Spawner.environment) if "environment" in c.Spawner else {}
    c.Spawner.environment = {**current, **spawner_environment(tracking_uri, users_file)}
