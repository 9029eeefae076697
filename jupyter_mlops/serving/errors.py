"""One exception root for serving; each subclass carries the exit code `jupyter-mlops serve` returns."""

from __future__ import annotations

EXIT_SERVER_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_TRACKING_UNAVAILABLE = 3
EXIT_PORT_IN_USE = 4
EXIT_ENGINE_MISSING = 5


class ServingError(Exception):
    """Base class: `str()` is the one line shown to the user, `exit_code` what the CLI exits with."""

    exit_code = EXIT_SERVER_FAILED


class BadModelURIError(ServingError):
    """The model URI is malformed, or names a model, alias or version the registry does not have."""

    exit_code = EXIT_BAD_INPUT


class BadOptionsError(ServingError):
    """Options that cannot work together (e.g. `--follow` without an alias)."""

    exit_code = EXIT_BAD_INPUT


class RegistryUnavailableError(ServingError):
    """The MLflow registry did not answer."""

    exit_code = EXIT_TRACKING_UNAVAILABLE


class PortInUseError(ServingError):
    """Something already listens on the requested host and port."""

    exit_code = EXIT_PORT_IN_USE


class EngineMissingError(ServingError):
    """The inference server (MLServer's environment) is not installed; the message says how to install it."""

    exit_code = EXIT_ENGINE_MISSING


class ServerFailedError(ServingError):
    """The inference server exited or did not become ready; the message names its log."""

    exit_code = EXIT_SERVER_FAILED
