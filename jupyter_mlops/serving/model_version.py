"""`models:/NAME@ALIAS` (or `models:/NAME/VERSION`) → the registered version it names (MlflowClient)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from jupyter_mlops.core.error_kinds import is_unreachable
from jupyter_mlops.core.errors import scrub_text
from jupyter_mlops.serving.errors import BadModelURIError, RegistryUnavailableError

MODELS_SCHEME = "models:/"
VERSION_NUMBER = re.compile(r"^[0-9]+$")
NOT_FOUND_CODES = {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"}


@dataclass(frozen=True)
class ModelReference:
    """What the user asked for: a model name and either an alias or a version number."""

    name: str
    alias: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        return (
            f"{MODELS_SCHEME}{self.name}@{self.alias}"
            if self.alias
            else f"{MODELS_SCHEME}{self.name}/{self.version}"
        )


@dataclass(frozen=True)
class ResolvedVersion:
    """One registered model version and where its artifacts live (the Seldon `storageUri`)."""

    name: str
    version: str
    storage_uri: str
    run_id: str | None


def parse_model_uri(uri: str) -> ModelReference:
    """Split `models:/NAME@ALIAS` or `models:/NAME/VERSION`; anything else is a BadModelURIError."""
    usage = f"expected models:/NAME@ALIAS or models:/NAME/VERSION, got {uri!r}"
    if not uri.startswith(MODELS_SCHEME):
        raise BadModelURIError(usage)
    rest = uri[len(MODELS_SCHEME) :]
    if "@" in rest:
        name, _, alias = rest.rpartition("@")
        if name.strip() and alias.strip():
            return ModelReference(name=name, alias=alias)
    else:
        name, _, version = rest.rpartition("/")
        if name.strip() and VERSION_NUMBER.match(version):
            return ModelReference(name=name, version=version)
    raise BadModelURIError(usage)


def resolve(client: MlflowClient, reference: ModelReference) -> ResolvedVersion:
    """The version `reference` names now, with its artifact location; one-line errors for unknown names."""
    try:
        if reference.alias is not None:
            entity = client.get_model_version_by_alias(reference.name, reference.alias)
        else:
            entity = client.get_model_version(reference.name, str(reference.version))
        storage_uri = client.get_model_version_download_uri(reference.name, str(entity.version))
    except MlflowException as error:
        if is_unreachable(error):
            raise RegistryUnavailableError(_unreachable_message(client)) from error
        if error.error_code in NOT_FOUND_CODES:
            raise BadModelURIError(_not_found_message(client, reference)) from error
        raise BadModelURIError(f"the registry refused {reference}: {scrub_text(error.message)}") from error
    except Exception as error:
        if is_unreachable(error):
            raise RegistryUnavailableError(_unreachable_message(client)) from error
        raise
    return ResolvedVersion(
        name=reference.name,
        version=str(entity.version),
        storage_uri=storage_uri,
        run_id=entity.run_id or None,
    )


def _unreachable_message(client: MlflowClient) -> str:
    return f"the MLflow registry at {scrub_text(client._registry_uri)} does not answer"


def _not_found_message(client: MlflowClient, reference: ModelReference) -> str:
    """Says whether the model itself is missing or only its alias/version."""
    try:
        client.get_registered_model(reference.name)
    except MlflowException:
        return f"no registered model named {reference.name!r} in {scrub_text(client._registry_uri)}"
    if reference.alias is not None:
        return f"model {reference.name!r} has no alias {reference.alias!r}"
    return f"model {reference.name!r} has no version {reference.version}"
