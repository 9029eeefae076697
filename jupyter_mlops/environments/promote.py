"""`jupyter-mlops promote NAME VERSION --to ENV`: move a registered version into another environment.

Two ways, chosen per environment (config.py):
- `alias`: the same registry; the environment's alias moves to the version (MLflow aliases).
- `copy`: another registry (or another model name in the same one). Within one registry MLflow's
  `copy_model_version` does it; across servers the version's artifacts are downloaded from the source and
  filed in the target as a LoggedModel of a run that records the origin, then registered there.
Permissions apply in the target: MLflow's basic-auth app is asked first (when it runs one), and a refusal
while writing is reported the same way. The target version carries where it came from (tags); the source
version is tagged with the environments it reached, which the panel's registry view shows.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

from jupyter_mlops.core.error_kinds import ErrorKind, classify
from jupyter_mlops.core.registry import mlflow_permissions, wait_until_ready
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.environments.config import Environment
from jupyter_mlops.environments.credentials import credentials_of, current_credentials, signed_in
from jupyter_mlops.retraining.errors import BadInputError, RetrainingError, TrackingUnavailableError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

T = TypeVar("T")
EXIT_PERMISSION_DENIED = 4
TAG_PREFIX = "jupyter_mlops."
ENVIRONMENT_TAG_PREFIX = f"{TAG_PREFIX}environment."  # on the source version: where it went
ORIGIN_TAGS = (
    "promoted_from.registry",
    "promoted_from.name",
    "promoted_from.version",
    "promoted_from.run_id",
    "promoted_by",
    "promoted_at",
)


class PermissionDeniedError(RetrainingError):
    """The MLflow user may not change the target registry (exit code 4)."""

    exit_code = EXIT_PERMISSION_DENIED


@dataclass(frozen=True)
class PromoteRequest:
    """What to promote, from which registry, to which environment."""

    name: str
    version: str
    target: Environment
    source_uri: str
    source: Environment | None = None  # --from ENV: its credentials sign the source calls


@dataclass(frozen=True)
class Promotion:
    """Where the version landed."""

    environment: str
    registry: str
    name: str
    version: str
    alias: str | None
    warnings: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """What the CLI prints."""
        where = f"{self.name} version {self.version} in {self.registry}"
        moved = f" (@{self.alias})" if self.alias else ""
        return [f"promoted to {self.environment}: {where}{moved}", *self.warnings]


def without_credentials(uri: str) -> str:
    """`uri` with any user:password@ removed (it is recorded in tags and printed)."""
    parts = urlsplit(uri)
    if not parts.netloc or "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def promote(request: PromoteRequest) -> Promotion:
    """Promote `request.name` version `request.version` into `request.target`."""
    target = request.target
    target_uri = target.tracking_uri or request.source_uri
    own = current_credentials()
    as_source = credentials_of(request.source, own)
    as_target = credentials_of(target, own)
    source = TrackingSession(request.source_uri, request.source_uri, unavailable=TrackingUnavailableError)
    with signed_in(as_source):
        version = _checked(request.source_uri, "read the version", lambda: _source_version(source, request))
    if target.mode == "alias":
        with signed_in(as_target):
            return _promote_by_alias(request, source)
    destination = TrackingSession(target_uri, target_uri, unavailable=TrackingUnavailableError)
    name = target.model_name or request.name
    alias = target.alias_to_set
    with signed_in(as_target):
        _check_may_register(target, target_uri, name)
    if target_uri == request.source_uri and as_target == as_source:
        with signed_in(as_target):
            copied = _checked(
                target_uri, "copy the version", lambda: _copy_in_registry(destination, request, name)
            )
    else:
        with tempfile.TemporaryDirectory(prefix="jupyter-mlops-promote-") as scratch:
            with signed_in(as_source):
                folder = _checked(
                    request.source_uri, "download the version", lambda: _download(source, version, scratch)
                )
            with signed_in(as_target):
                copied = _checked(
                    target_uri,
                    "copy the version",
                    lambda: _copy_across(destination, request, version, folder, name),
                )
    if alias:
        with signed_in(as_target):
            _checked(
                target_uri,
                f"set alias {alias!r}",
                lambda: destination.client.set_registered_model_alias(name, alias, copied),
            )
    with signed_in(as_source):
        warnings = _record_on_source(source, request, without_credentials(target_uri), copied)
    return Promotion(target.name, without_credentials(target_uri), name, copied, alias, warnings)


def _source_version(source: TrackingSession, request: PromoteRequest) -> ModelVersion:
    try:
        return source.call(
            "read the version", lambda client: client.get_model_version(request.name, request.version)
        )
    except Exception as error:
        if classify(error) is ErrorKind.NOT_FOUND:
            raise BadInputError(
                f"version {request.version} of {request.name!r} does not exist in "
                f"{without_credentials(request.source_uri)}"
            ) from None
        raise


def _promote_by_alias(request: PromoteRequest, source: TrackingSession) -> Promotion:
    alias = request.target.alias_to_set or request.target.name
    _check_may_register(request.target, request.source_uri, request.name)
    _checked(
        request.source_uri,
        f"set alias {alias!r}",
        lambda: source.client.set_registered_model_alias(request.name, alias, request.version),
    )
    _checked(
        request.source_uri,
        "record the environment",
        lambda: source.client.set_model_version_tag(
            request.name, request.version, ENVIRONMENT_TAG_PREFIX + request.target.name, f"@{alias}"
        ),
    )
    registry = without_credentials(request.source_uri)
    return Promotion(request.target.name, registry, request.name, request.version, alias)


def _check_may_register(target: Environment, uri: str, name: str) -> None:
    """Ask the target's basic-auth app first (no-op without one), so nothing is half-copied."""
    username = _current_user()
    try:
        answer = _checked(uri, "read permissions", lambda: mlflow_permissions(uri, name, username))
    except Exception as error:
        if classify(error) is ErrorKind.NOT_FOUND:
            return  # no such model there yet: this user creates it (and becomes its manager)
        raise
    if answer.auth_enabled and not answer.can_register:
        raise PermissionDeniedError(
            f"MLflow user {username!r} may not add versions to {name!r} in {target.name} "
            f"({without_credentials(uri)}): it has {answer.permission}, EDIT is needed"
        )


def _current_user() -> str | None:
    return os.environ.get("MLFLOW_TRACKING_USERNAME")


def _origin_tags(request: PromoteRequest, version: ModelVersion) -> dict[str, str]:
    promoted_by = _current_user() or getpass.getuser()
    values = (
        without_credentials(request.source_uri),
        request.name,
        request.version,
        version.run_id or "",
        promoted_by,
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    return {TAG_PREFIX + key: value for key, value in zip(ORIGIN_TAGS, values, strict=True)}


def _copy_in_registry(destination: TrackingSession, request: PromoteRequest, name: str) -> str:
    def copy(client: MlflowClient) -> str:
        copied = client.copy_model_version(f"models:/{request.name}/{request.version}", name)
        version = client.get_model_version(request.name, request.version)
        for key, value in _origin_tags(request, version).items():
            client.set_model_version_tag(name, copied.version, key, value)
        return str(copied.version)

    return destination.call("copy the version", copy)


def _download(source: TrackingSession, version: ModelVersion, scratch: str) -> str:
    """Download the version's model files into `scratch`; return their folder."""
    import mlflow.artifacts

    location = _artifact_location(source, version)
    return source.call(
        "download the version's model",
        lambda client: mlflow.artifacts.download_artifacts(
            artifact_uri=location, dst_path=scratch, tracking_uri=source.tracking_uri
        ),
    )


def _artifact_location(source: TrackingSession, version: ModelVersion) -> str:
    """Where the version's files live (a LoggedModel's location for `models:/m-…` sources)."""
    model_id = version.model_id
    if model_id:
        return str(
            source.call(
                "find the logged model", lambda client: client.get_logged_model(model_id)
            ).artifact_location
        )
    return str(version.source)


def _copy_across(
    destination: TrackingSession, request: PromoteRequest, version: ModelVersion, folder: str, name: str
) -> str:
    tags = _origin_tags(request, version)
    experiment_id = destination.ensure_experiment(request.target.experiment)

    def file_model(client: MlflowClient) -> str:
        run = client.create_run(
            experiment_id, tags=tags, run_name=f"promote {request.name} v{request.version}"
        )
        logged = client.create_logged_model(
            experiment_id=experiment_id, name="model", source_run_id=run.info.run_id, tags=tags
        )
        try:
            client.log_model_artifacts(logged.model_id, folder)
        except Exception:
            client.finalize_logged_model(logged.model_id, "FAILED")
            client.set_terminated(run.info.run_id, "FAILED")
            raise
        client.finalize_logged_model(logged.model_id, "READY")
        client.set_terminated(run.info.run_id, "FINISHED")
        try:
            client.create_registered_model(name)
        except Exception as error:
            if classify(error) is not ErrorKind.ALREADY_EXISTS:
                raise
        created = client.create_model_version(
            name, f"models:/{logged.model_id}", run_id=run.info.run_id, tags=tags, model_id=logged.model_id
        )
        wait_until_ready(client, name, str(created.version))
        return str(created.version)

    return destination.call("copy the version", file_model)


def _record_on_source(
    source: TrackingSession, request: PromoteRequest, registry: str, version: str
) -> tuple[str, ...]:
    """Tag the source version with the environment it reached; a refusal here is only a warning."""
    key = ENVIRONMENT_TAG_PREFIX + request.target.name
    value = f"{registry} v{version}"
    try:
        source.call(
            "record the environment",
            lambda client: client.set_model_version_tag(request.name, request.version, key, value),
        )
    except Exception as error:
        if classify(error) is ErrorKind.PERMISSION_DENIED:
            return (f"warning: could not tag the source version with {key!r}: permission denied",)
        raise
    return ()


def _checked(uri: str, what: str, action: Callable[[], T]) -> T:
    """Run `action`; a permission refusal becomes one line with exit code 4."""
    try:
        return action()
    except RetrainingError:
        raise
    except Exception as error:
        if classify(error) is ErrorKind.PERMISSION_DENIED:
            who = _current_user() or "the anonymous user"
            raise PermissionDeniedError(
                f"MLflow at {without_credentials(uri)} refused to let {who} {what}: permission denied"
            ) from None
        raise
