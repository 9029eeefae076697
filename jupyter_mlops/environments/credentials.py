"""Sign in to one environment's registry: its credentials, from the variables the configuration names.

MLflow's REST client reads `MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN` from the process environment on each
request and has no per-client setting, so a promotion talks to one registry at a time inside `signed_in`,
which sets that environment's variables and restores the previous ones on exit. The secrets never leave the
process environment: they are not logged, tagged or printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from jupyter_mlops.environments.config import Environment
from jupyter_mlops.retraining.errors import BadInputError

MLFLOW_CREDENTIALS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")


Credentials = dict[str, str]


def current_credentials() -> Credentials:
    """The MLflow credential variables set in this process now (the caller's own identity)."""
    return {name: os.environ[name] for name in MLFLOW_CREDENTIALS if name in os.environ}


def credentials_of(environment: Environment | None, default: Credentials) -> Credentials:
    """The MLflow credential variables for `environment`, or `default` when it names none."""
    if environment is None:
        return default
    names = (environment.username_env, environment.password_env, environment.token_env)
    if not any(names):
        return default
    values: Credentials = {}
    for variable, source in zip(MLFLOW_CREDENTIALS, names, strict=True):
        if source is None:
            continue
        value = os.environ.get(source)
        if value is None:
            raise BadInputError(
                f"environment {environment.name!r}: variable {source} (its credentials) is not set"
            )
        values[variable] = value
    return values


@contextmanager
def signed_in(values: Credentials) -> Iterator[None]:
    """Within the block MLflow requests carry exactly these credentials; the previous ones return after."""
    saved = current_credentials()
    _replace(values)
    try:
        yield
    finally:
        _replace(saved)


def _replace(values: Credentials) -> None:
    for name in MLFLOW_CREDENTIALS:
        os.environ.pop(name, None)
    os.environ.update(values)
