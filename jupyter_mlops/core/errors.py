"""One error mapper: any exception from the panel's Python layer → an `ErrorBody` with status and message.

The exceptions here are plain Python (no tornado) so tracking.py, registry.py and the widget raise and show
them too; the server's handlers only call `error_body()` and write the result.
"""

from __future__ import annotations

import os
import re

from jupyter_mlops.core.contract import ErrorBody, ErrorCode
from jupyter_mlops.core.error_kinds import ErrorKind, classify, is_unreachable

# `scheme://user:password@` anywhere in a text; greedy up to the last `@` of the authority, since a password
# may itself contain an unencoded `@`.
USERINFO_PATTERN = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s?#]*@")
# A query (or fragment) parameter whose name says it holds a secret: `?token=`, `password=`, `access_token=`,
# `api_key=`, `client_secret=`, Azure SAS `sig=`, S3/GCS presigned `X-Amz-Signature=`, `X-Amz-Credential=`,
# `X-Amz-Security-Token=`, `X-Goog-Signature=`, ...
SECRET_PARAMETER_PATTERN = re.compile(
    r"([?&#;][^=&#;\s]*(?:pass|pwd|token|secret|key|auth|credential|sig|session)[^=&#;\s]*=)[^&#;\s\"']*",
    re.IGNORECASE,
)
# Their values are replaced wherever they appear (MLflow may echo them); the user name is no secret.
SECRET_VARIABLES = ("MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
REDACTED = "***"
# What the panel answers for each kind of MLflow failure (the kinds come from core.error_kinds).
STATUS_BY_KIND: dict[ErrorKind, tuple[int, ErrorCode]] = {
    ErrorKind.BAD_REQUEST: (400, "bad_request"),
    ErrorKind.PERMISSION_DENIED: (403, "permission_denied"),
    ErrorKind.NOT_FOUND: (404, "not_found"),
    ErrorKind.ALREADY_EXISTS: (409, "conflict"),
}


class PanelError(Exception):
    """An error the panel shows as is: `message` for the user, `detail` for a developer."""

    status = 500
    code: ErrorCode = "internal_error"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadRequest(PanelError):
    """The request is invalid (missing field, bad value, path outside the Jupyter root)."""

    status = 400
    code: ErrorCode = "bad_request"


class NotFound(PanelError):
    """The run, experiment, model, version or notebook does not exist."""

    status = 404
    code: ErrorCode = "not_found"


class Conflict(PanelError):
    """The name conflicts with an existing one."""

    status = 409
    code: ErrorCode = "conflict"


class PermissionDenied(PanelError):
    """MLflow refused the action for the current user."""

    status = 403
    code: ErrorCode = "permission_denied"


class UpstreamError(PanelError):
    """MLflow answered with an unexpected error (or a registration failed)."""

    status = 502
    code: ErrorCode = "mlflow_error"


class StoreUnreachable(PanelError):
    """The tracking or registry store does not answer."""

    status = 503
    code: ErrorCode = "store_unreachable"


def _first_line(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mlflow_message(status: int, raw: str, store_uri: str) -> str:
    if status == 403:
        return (
            "MLflow refused this action: the MLflow user this Jupyter server signs in as lacks the "
            "permission. "
            f"Ask an MLflow admin of {store_uri} to grant it. MLflow said: {_first_line(raw, 300)}"
        )
    if status == 404:
        return f"Not found in MLflow: {_first_line(raw, 300)}"
    if status == 409:
        return f"Name conflict: {_first_line(raw, 300)}"
    if status == 400:
        return f"MLflow rejected the request: {_first_line(raw, 300)}"
    return f"MLflow at {store_uri} answered with an error: {_first_line(raw, 300)}"


def scrub_text(text: str) -> str:
    """`text` without credentials: URI user info, secret query values and the MLflow secret variables' values.

    The one scrubber for everything bound for a browser or a log: error bodies, the store URI in responses,
    the server's log lines.
    """
    cleaned = USERINFO_PATTERN.sub(r"\1", text)
    cleaned = SECRET_PARAMETER_PATTERN.sub(rf"\1{REDACTED}", cleaned)
    for variable in SECRET_VARIABLES:
        value = os.environ.get(variable)
        if value and len(value) >= 3:
            cleaned = cleaned.replace(value, REDACTED)
    return cleaned


def scrub(text: str | None) -> str | None:
    """`scrub_text`, passing None through (for optional fields such as `detail`)."""
    return None if text is None else scrub_text(text)


def error_body(error: BaseException, store_uri: str) -> ErrorBody:
    """Map any exception to the one JSON error body, credentials scrubbed; `store_uri` names the store."""
    body = _error_body(error, store_uri)
    body.message = scrub(body.message) or ""
    body.detail = scrub(body.detail)
    return body


def _error_body(error: BaseException, store_uri: str) -> ErrorBody:
    if isinstance(error, PanelError):
        return ErrorBody(status=error.status, code=error.code, message=error.message, detail=error.detail)
    raw = str(error)
    if is_unreachable(error):
        return ErrorBody(
            status=503,
            code="store_unreachable",
            message=(
                f"The MLflow store {store_uri} is unreachable. Check that the MLflow server is running and "
                "that c.JupyterMLOps.tracking_uri (or MLFLOW_TRACKING_URI) points at it, then retry."
            ),
            detail=_first_line(raw),
        )
    mlflow_code = getattr(error, "error_code", None)
    if isinstance(mlflow_code, str):
        status, code = STATUS_BY_KIND.get(classify(error), (502, "mlflow_error"))
        if status == 502 and re.search(r"\b(401|403)\b|permission|unauthori[sz]ed", raw, re.IGNORECASE):
            status, code = 403, "permission_denied"
        return ErrorBody(
            status=status, code=code, message=_mlflow_message(status, raw, store_uri), detail=raw
        )
    return ErrorBody(
        status=500,
        code="internal_error",
        message=f"Unexpected error in jupyter-mlops: {type(error).__name__}: {_first_line(raw, 300)}",
        detail=None,
    )
