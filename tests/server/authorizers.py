"""Jupyter authorizers a deployment might configure (`ServerApp.authorizer_class`), used by the tests."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.authorizer import Authorizer


class ReadOnlyAuthorizer(Authorizer):
    """Every user may read anything and change nothing."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return action == "read"


class NoMLOpsAuthorizer(Authorizer):
    """Every user may use Jupyter, but nothing of the MLOps panel."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "mlops"
