"""What kind of failure an MLflow call raised: by exception type and MLflow `error_code`, not message text.

One classifier for every caller: the server's error mapper (status codes), the retraining retry loop (retry
only what the store did not answer) and the lookups that treat "already exists" / "does not exist" as normal.
"""

from __future__ import annotations

import enum
import functools


class ErrorKind(enum.Enum):
    """The failure classes callers act on."""

    UNREACHABLE = "unreachable"  # no answer: refused or reset, timeout, 5xx retries spent, store locked
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    PERMISSION_DENIED = "permission_denied"
    BAD_REQUEST = "bad_request"
    MLFLOW_ERROR = "mlflow_error"  # MLflow answered with some other error
    OTHER = "other"  # not an MLflow or transport error (a bug, bad input of ours)


ERROR_CODE_KINDS: dict[str, ErrorKind] = {
    "TEMPORARILY_UNAVAILABLE": ErrorKind.UNREACHABLE,
    "SERVICE_UNDER_MAINTENANCE": ErrorKind.UNREACHABLE,
    "WORKSPACE_TEMPORARILY_UNAVAILABLE": ErrorKind.UNREACHABLE,
    "DEADLINE_EXCEEDED": ErrorKind.UNREACHABLE,
    "RESOURCE_DOES_NOT_EXIST": ErrorKind.NOT_FOUND,
    "NOT_FOUND": ErrorKind.NOT_FOUND,
    "ENDPOINT_NOT_FOUND": ErrorKind.NOT_FOUND,
    "RESOURCE_ALREADY_EXISTS": ErrorKind.ALREADY_EXISTS,
    "ALREADY_EXISTS": ErrorKind.ALREADY_EXISTS,
    "RESOURCE_CONFLICT": ErrorKind.ALREADY_EXISTS,
    "PERMISSION_DENIED": ErrorKind.PERMISSION_DENIED,
    "UNAUTHENTICATED": ErrorKind.PERMISSION_DENIED,
    "CUSTOMER_UNAUTHORIZED": ErrorKind.PERMISSION_DENIED,
    "INVALID_PARAMETER_VALUE": ErrorKind.BAD_REQUEST,
    "BAD_REQUEST": ErrorKind.BAD_REQUEST,
    "INVALID_STATE": ErrorKind.BAD_REQUEST,
    "MALFORMED_REQUEST": ErrorKind.BAD_REQUEST,
}


@functools.cache
def transport_failures() -> tuple[type[BaseException], ...]:
    """Exception types that mean the store did not answer (requests / urllib3 / database drivers)."""
    import sqlite3

    import requests
    import urllib3.exceptions

    types: list[type[BaseException]] = [
        ConnectionError,  # the builtin: refused, reset, aborted
        TimeoutError,
        requests.exceptions.ConnectionError,  # also ConnectTimeout, ProxyError, SSLError
        requests.exceptions.Timeout,
        requests.exceptions.RetryError,  # MLflow's HTTP retries spent on 429/5xx answers
        urllib3.exceptions.MaxRetryError,
        urllib3.exceptions.NewConnectionError,
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.TimeoutError,
        sqlite3.OperationalError,  # cannot open / locked database file
    ]
    try:
        import sqlalchemy.exc

        types.append(sqlalchemy.exc.OperationalError)
    except ImportError:  # pragma: no cover - MLflow's SQL stores bring SQLAlchemy
        pass
    return tuple(types)


def _chain(error: BaseException) -> list[BaseException]:
    """The error and its causes (explicit `from` or implicit context), each once."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not item for item in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def error_code(error: BaseException) -> str | None:
    """MLflow's `error_code` of the first MLflow exception in the chain (RestException carries the HTTP
    answer's code, already mapped from a bare HTTP status by MLflow), else None."""
    from mlflow.exceptions import MlflowException

    for item in _chain(error):
        if isinstance(item, MlflowException) and isinstance(item.error_code, str):
            return item.error_code
    return None


def classify(error: BaseException) -> ErrorKind:
    """The kind of failure `error` is: transport types anywhere in the chain first, then `error_code`."""
    chain = _chain(error)
    failures = transport_failures()
    if any(isinstance(item, failures) for item in chain):
        return ErrorKind.UNREACHABLE
    code = error_code(error)
    if code is None:
        return ErrorKind.OTHER
    return ERROR_CODE_KINDS.get(code, ErrorKind.MLFLOW_ERROR)


def is_unreachable(error: BaseException) -> bool:
    """True when the store did not answer (worth a retry, or a 503)."""
    return classify(error) is ErrorKind.UNREACHABLE
