"""The model registry for the panel and the widget: models, versions, aliases, register a run's model.

Promotion is by aliases (MLflow deprecated stages; a version's legacy stage is reported read-only).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from urllib.parse import quote

from mlflow import MlflowClient
from mlflow.entities.model_registry import RegisteredModel as RegisteredModelEntity
from mlflow.exceptions import MlflowException

from jupyter_mlops.core import tracking
from jupyter_mlops.core.contract import (
    AliasResponse,
    ModelVersion,
    ModelVersionsPage,
    PermissionsResponse,
    RegisteredModel,
    RegisteredModelsPage,
    RegisterResponse,
)
from jupyter_mlops.core.errors import BadRequest, Conflict, NotFound, UpstreamError

REGISTER_TIMEOUT_SECONDS = 300.0
POLL_SECONDS = 0.5
PROMPT_TAG = "mlflow.prompt.is_prompt"
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")
RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)
NAME_SEARCH_PAGE = 200


# ---------------------------------------------------------------- conversions


def model_ui_url(base: str | None, name: str, version: str | None = None) -> str | None:
    """Link to a registered model (or one version) in the MLflow UI, when the store is a server."""
    if base is None:
        return None
    link = f"{base}/#/models/{quote(name, safe='')}"
    return f"{link}/versions/{version}" if version else link


def version_of(entity: object, ui_base: str | None = None) -> ModelVersion:
    """Contract form of an mlflow ModelVersion."""
    stage = getattr(entity, "current_stage", None)
    version = str(entity.version)  # type: ignore[attr-defined]
    name: str = entity.name  # type: ignore[attr-defined]
    return ModelVersion(
        name=name,
        version=version,
        source=entity.source or "",  # type: ignore[attr-defined]
        run_id=entity.run_id or None,  # type: ignore[attr-defined]
        model_id=tracking.model_id_of_version(entity),
        status=entity.status,  # type: ignore[attr-defined]
        status_message=entity.status_message or None,  # type: ignore[attr-defined]
        legacy_stage=stage if stage and stage != "None" else None,
        aliases=sorted(getattr(entity, "aliases", []) or []),
        tags=dict(getattr(entity, "tags", {}) or {}),
        description=entity.description or None,  # type: ignore[attr-defined]
        creation_time=entity.creation_timestamp,  # type: ignore[attr-defined]
        last_updated_time=entity.last_updated_timestamp,  # type: ignore[attr-defined]
        ui_url=model_ui_url(ui_base, name, version),
    )


def _aliases(entity: object) -> dict[str, str]:
    return {alias: str(version) for alias, version in (getattr(entity, "aliases", {}) or {}).items()}


def registered_model_of(entity: object, ui_base: str | None = None) -> RegisteredModel:
    """Contract form of an mlflow RegisteredModel."""
    latest = getattr(entity, "latest_versions", None) or []
    numbers = [int(item.version) for item in latest]
    name: str = entity.name  # type: ignore[attr-defined]
    return RegisteredModel(
        name=name,
        description=entity.description or None,  # type: ignore[attr-defined]
        creation_time=entity.creation_timestamp,  # type: ignore[attr-defined]
        last_updated_time=entity.last_updated_timestamp,  # type: ignore[attr-defined]
        aliases=_aliases(entity),
        tags=dict(getattr(entity, "tags", {}) or {}),
        latest_version=str(max(numbers)) if numbers else None,
        ui_url=model_ui_url(ui_base, name),
    )


def quoted(value: str) -> str:
    """A string literal for MLflow's filter syntax."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise BadRequest(f"Name {value!r} contains both quote characters; MLflow cannot search for it.")


def require_name(name: str | None, what: str = "name") -> str:
    """A non-blank registered model name."""
    if name is None or not name.strip():
        raise BadRequest(f"{what} (the registered model name) is required.")
    return name.strip()


# ---------------------------------------------------------------- reading


def list_registered_models(
    client: MlflowClient,
    filter_string: str | None = None,
    max_results: int | None = None,
    page_token: str | None = None,
    ui_base: str | None = None,
) -> RegisteredModelsPage:
    """One page of registered models (prompts excluded), by name."""
    page = client.search_registered_models(
        filter_string=filter_string or None,
        max_results=tracking.page_size(max_results),
        order_by=["name ASC"],
        page_token=page_token or None,
    )
    models = [
        registered_model_of(item, ui_base)
        for item in page
        if str((getattr(item, "tags", {}) or {}).get(PROMPT_TAG, "")).lower() != "true"
    ]
    return RegisteredModelsPage(models=models, next_page_token=tracking.page_token_text(page.token))


def get_registered_model(client: MlflowClient, name: str) -> object:
    """The mlflow RegisteredModel, or NotFound naming it."""
    try:
        return client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(f"Registered model {name!r} does not exist.", str(error)) from error
        raise


def list_model_versions(
    client: MlflowClient,
    name: str,
    max_results: int | None = None,
    page_token: str | None = None,
    ui_base: str | None = None,
) -> ModelVersionsPage:
    """A registered model's versions, newest first, with its aliases."""
    name = require_name(name)
    model = get_registered_model(client, name)
    page = client.search_model_versions(
        filter_string=f"name = {quoted(name)}",
        max_results=tracking.page_size(max_results),
        order_by=["version_number DESC"],
        page_token=page_token or None,
    )
    aliases = _aliases(model)
    versions = []
    for item in page:
        version = version_of(item, ui_base)
        version.aliases = sorted(alias for alias, number in aliases.items() if number == version.version)
        versions.append(version)
    return ModelVersionsPage(
        name=name, aliases=aliases, versions=versions, next_page_token=tracking.page_token_text(page.token)
    )


# ---------------------------------------------------------------- registering


def _models_named_alike(client: MlflowClient, name: str) -> list[RegisteredModelEntity]:
    """Registered models whose name equals `name` ignoring letter case.

    MLflow's `ILIKE` has no escape character, so `_` and `%` in `name` act as wildcards there: the search
    only narrows the candidates (it matches a superset), and the names are compared here, every page read.
    """
    alike: list[RegisteredModelEntity] = []
    page_token: str | None = None
    while True:
        page = client.search_registered_models(
            filter_string=f"name ILIKE {quoted(name)}", max_results=NAME_SEARCH_PAGE, page_token=page_token
        )
        alike.extend(item for item in page if item.name.lower() == name.lower())
        page_token = page.token
        if not page_token:
            return alike


def _check_name_conflict(client: MlflowClient, name: str) -> bool:
    """True when `name` exists; Conflict when a model differs only in case, or the name is a prompt."""
    similar = _models_named_alike(client, name)
    exact = [item for item in similar if item.name == name]
    if exact:
        if str((exact[0].tags or {}).get(PROMPT_TAG, "")).lower() == "true":
            raise Conflict(f"{name!r} is the name of an MLflow prompt, not a model. Choose another name.")
        return True
    if similar:
        other = similar[0].name
        raise Conflict(
            f"A registered model named {other!r} already exists; {name!r} differs only in letter case. "
            f"Register as {other!r} to add a version to it, or choose a clearly different name."
        )
    return False


def _pick_model(client: MlflowClient, run_id: str, model_id: str | None) -> tracking.LoggedModelInfo:
    run = tracking.get_run(client, run_id)
    models = tracking.run_models(client, run)
    if not models:
        raise BadRequest(f"Run {run_id} cannot be registered: {tracking.NO_MODEL_REASON}")
    ids = [model.model_id for model in models]
    if model_id is None:
        if len(models) > 1:
            raise BadRequest(
                f"Run {run_id} logged {len(models)} models ({', '.join(ids)}); pick one with model_id."
            )
        return models[0]
    if model_id not in ids:
        raise NotFound(f"Model {model_id!r} is not a model of run {run_id}; its models: {', '.join(ids)}.")
    return models[ids.index(model_id)]


def version_source(client: MlflowClient, model: tracking.LoggedModelInfo) -> str:
    """`models:/m-<id>` for a registry server; the artifact location for an embedded (SQLite/file) registry,
    whose store would otherwise resolve `models:/` through MLflow's process-global tracking URI."""
    registry_uri = getattr(client, "_registry_uri", None) or client.tracking_uri
    remote = tracking.store_kind(registry_uri) in ("http", "databricks")
    return model.model_uri if remote else model.artifact_location


def wait_until_ready(
    client: MlflowClient,
    name: str,
    version: str,
    timeout: float = REGISTER_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> object:
    """Poll a new model version until READY; UpstreamError when it fails or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        current = client.get_model_version(name, version)
        if current.status == "READY":
            return current
        if current.status == "FAILED_REGISTRATION":
            why = current.status_message or "no reason given"
            raise UpstreamError(f"MLflow failed to register version {version} of {name!r}: {why}")
        if time.monotonic() > deadline:
            raise UpstreamError(
                f"Version {version} of {name!r} was still {current.status} after {timeout:.0f} s."
            )
        sleep(POLL_SECONDS)


def register_run_model(
    client: MlflowClient,
    run_id: str,
    name: str,
    model_id: str | None = None,
    ui_base: str | None = None,
    timeout: float = REGISTER_TIMEOUT_SECONDS,
) -> RegisterResponse:
    """Register a run's LoggedModel as a new version of `name` (created if new) and wait until READY."""
    name = require_name(name)
    if not run_id:
        raise BadRequest("run_id is required.")
    chosen = _pick_model(client, run_id, model_id)
    exists = _check_name_conflict(client, name)
    created = False
    if not exists:
        try:
            client.create_registered_model(name)
            created = True
        except MlflowException as error:
            if error.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
    version = client.create_model_version(
        name=name,
        source=version_source(client, chosen),
        run_id=run_id,
        model_id=chosen.model_id,
        await_creation_for=0,
    )
    ready = wait_until_ready(client, name, str(version.version), timeout)
    return RegisterResponse(version=version_of(ready, ui_base), created_registered_model=created)


# ---------------------------------------------------------------- aliases


def validate_alias(alias: str | None) -> str:
    """An alias MLflow accepts: letters, digits, '-' and '_', not 'latest' nor 'v<number>'."""
    if alias is None or not alias.strip():
        raise BadRequest("alias is required.")
    alias = alias.strip()
    if not ALIAS_PATTERN.match(alias) or RESERVED_ALIAS.match(alias):
        raise BadRequest(
            f"Alias {alias!r} is not valid: use letters, digits, '-' and '_' (not 'latest' or 'v<number>')."
        )
    return alias


def set_alias(client: MlflowClient, name: str, alias: str, version: str) -> AliasResponse:
    """Point `alias` of model `name` at `version` (promote); returns the model's aliases after."""
    name = require_name(name)
    alias = validate_alias(alias)
    number = str(version or "").strip()
    if not number.isdigit():
        raise BadRequest(f"version must be a version number; got {version!r}.")
    get_registered_model(client, name)
    try:
        client.get_model_version(name, number)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(f"Registered model {name!r} has no version {version}.", str(error)) from error
        raise
    client.set_registered_model_alias(name, alias, number)
    return AliasResponse(name=name, aliases=_aliases(get_registered_model(client, name)))


def delete_alias(client: MlflowClient, name: str, alias: str) -> AliasResponse:
    """Remove `alias` from model `name` (demote); returns the model's aliases after."""
    name = require_name(name)
    alias = (alias or "").strip()
    if not alias:
        raise BadRequest("alias is required.")
    current = _aliases(get_registered_model(client, name))
    if alias not in current:
        known = ", ".join(sorted(current)) or "none"
        raise NotFound(f"Registered model {name!r} has no alias {alias!r}. Its aliases: {known}.")
    client.delete_registered_model_alias(name, alias)
    return AliasResponse(name=name, aliases=_aliases(get_registered_model(client, name)))


# ---------------------------------------------------------------- permissions


JUPYTER_READ_ONLY_REASON = (
    "Jupyter's authorizer lets you look at MLflow from this server but not change it ('write' on resource "
    "'mlops'): registering a version and moving aliases are refused."
)


def permissions(
    tracking_uri: str, name: str, username: str | None, may_write: bool = True
) -> PermissionsResponse:
    """What may be done on model `name`: nothing that changes it when Jupyter's authorizer refused `write`
    (`may_write` False), else what MLflow's basic-auth app grants `username` when it runs one."""
    answer = mlflow_permissions(tracking_uri, name, username)
    if may_write:
        return answer
    return dataclasses.replace(
        answer,
        can_register=False,
        can_set_alias=False,
        can_delete_alias=False,
        reason=JUPYTER_READ_ONLY_REASON,
    )


def mlflow_permissions(tracking_uri: str, name: str, username: str | None) -> PermissionsResponse:
    """What `username` may do on model `name`, asked from MLflow's basic-auth app when it runs one."""
    name = require_name(name)
    allowed = PermissionsResponse(
        name=name,
        auth_enabled=False,
        permission=None,
        can_register=True,
        can_set_alias=True,
        can_delete_alias=True,
        reason=None,
    )
    if tracking.store_kind(tracking_uri) != "http" or not username:
        return allowed
    try:
        from mlflow.server.auth.client import AuthServiceClient
        from mlflow.server.auth.permissions import get_permission
    except ImportError:
        allowed.reason = "Install mlflow[auth] on the Jupyter server to know permissions in advance."
        return allowed
    try:
        result = AuthServiceClient(tracking_uri).get_user_permission(username, "registered_model", name)
    except MlflowException as error:
        if error.error_code in ("ENDPOINT_NOT_FOUND", "NOT_FOUND") or "404" in str(error):
            return allowed
        if error.error_code in ("PERMISSION_DENIED", "UNAUTHENTICATED"):
            allowed.auth_enabled = True
            allowed.reason = "MLflow did not tell this user its permissions; actions are checked when tried."
            return allowed
        raise
    level = get_permission(result.permission)
    reason = None
    has = f"The MLflow user this server signs in as has {result.permission} on {name!r}"
    if not level.can_update:
        reason = f"{has}; registering a version or setting an alias needs EDIT, removing one MANAGE."
    elif not level.can_delete:
        reason = f"{has}; removing an alias needs MANAGE."
    return PermissionsResponse(
        name=name,
        auth_enabled=True,
        permission=result.permission,
        can_register=level.can_update,
        can_set_alias=level.can_update,
        can_delete_alias=level.can_delete,
        reason=reason,
    )
