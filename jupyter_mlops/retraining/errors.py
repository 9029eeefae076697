"""One exception root for retraining; each subclass carries the process exit code the CLI returns."""

from __future__ import annotations

EXIT_RUN_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_TRACKING_UNAVAILABLE = 3


class RetrainingError(Exception):
    """Base class: `str()` is the message shown to the user, `exit_code` what the CLI exits with."""

    exit_code = EXIT_RUN_FAILED


class BadInputError(RetrainingError):
    """Bad user input (parameter, grid file, cron expression, option combination): nothing was run."""

    exit_code = EXIT_BAD_INPUT


class MissingExtraError(RetrainingError):
    """An optional dependency is not installed; the message names the pip extra that brings it."""

    exit_code = EXIT_BAD_INPUT


class RunFailedError(RetrainingError):
    """The notebook or pipeline failed (cell error, dead kernel); its run is marked FAILED."""

    exit_code = EXIT_RUN_FAILED

    def __init__(self, message: str, *, run_id: str | None = None, executed_notebook: str | None = None):
        super().__init__(message)
        self.run_id = run_id
        self.executed_notebook = executed_notebook


class TrackingUnavailableError(RetrainingError):
    """The MLflow tracking server did not answer after the retries; names the URI and what is kept on disk."""

    exit_code = EXIT_TRACKING_UNAVAILABLE
