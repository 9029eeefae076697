"""What a cluster needs to serve a version: MLServer's `model-settings.json` + `settings.json` and a Seldon
Core v2 `Model` manifest, built as data, then written all-or-nothing."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from jupyter_mlops.serving.errors import BadModelURIError, ServingError
from jupyter_mlops.serving.model_version import ResolvedVersion

MLFLOW_RUNTIME = "mlserver_mlflow.MLflowRuntime"
SELDON_API_VERSION = "mlops.seldon.io/v1alpha1"
SELDON_MLFLOW_REQUIREMENT = "mlflow"
MODEL_SETTINGS_FILE = "model-settings.json"
SERVER_SETTINGS_FILE = "settings.json"
SELDON_MODEL_FILE = "seldon-model.yaml"
ANNOTATION_PREFIX = "jupyter-mlops.io"
DNS_LABEL_MAX = 63
NOT_DNS = re.compile(r"[^a-z0-9-]+")


class ExportError(ServingError):
    """The export folder cannot take the files (a file stands there, or ours would be overwritten)."""

    exit_code = 2


def served_name(registered_name: str) -> str:
    """The name MLServer and Seldon serve a model under: a Kubernetes DNS label made of the model name."""
    label = NOT_DNS.sub("-", registered_name.lower()).strip("-")[:DNS_LABEL_MAX].strip("-")
    if not label:
        raise BadModelURIError(
            f"model name {registered_name!r} has no letter or digit to name the served model"
        )
    return label


def model_settings(version: ResolvedVersion, uri: str) -> dict[str, Any]:
    """MLServer `model-settings.json`: the mlserver-mlflow runtime loading the artifacts at `uri`.

    The registry version goes in `versions` (the model's metadata, `GET /v2/models/NAME`), not in
    `parameters.version`: MLServer makes a newly loaded *version* the default before it is ready, so
    requests would fail during a switch; an unversioned model is reloaded in place instead (the new copy
    loads while the old one answers).
    """
    return {
        "name": served_name(version.name),
        "implementation": MLFLOW_RUNTIME,
        "versions": [version.version],
        "parameters": {"uri": uri},
    }


def server_settings(host: str, http_port: int, grpc_port: int, **extra: Any) -> dict[str, Any]:
    """MLServer `settings.json` (ports, bind address; `extra` adds fields such as the repository root)."""
    return {"debug": False, "host": host, "http_port": http_port, "grpc_port": grpc_port, **extra}


def seldon_model(version: ResolvedVersion) -> dict[str, Any]:
    """A Seldon Core v2 `Model`: the artifacts at `storageUri`, on a server with the MLflow runtime."""
    return {
        "apiVersion": SELDON_API_VERSION,
        "kind": "Model",
        "metadata": {
            "name": served_name(version.name),
            "annotations": {
                f"{ANNOTATION_PREFIX}/registered-model": version.name,
                f"{ANNOTATION_PREFIX}/model-version": version.version,
            },
        },
        "spec": {"storageUri": version.storage_uri, "requirements": [SELDON_MLFLOW_REQUIREMENT]},
    }


def export_files(version: ResolvedVersion) -> dict[str, bytes]:
    """The three exported files by name; MLServer reads the artifacts straight from the store."""
    return {
        MODEL_SETTINGS_FILE: json_bytes(model_settings(version, version.storage_uri)),
        SERVER_SETTINGS_FILE: json_bytes(server_settings("0.0.0.0", 8080, 8081)),
        SELDON_MODEL_FILE: yaml.safe_dump(seldon_model(version), sort_keys=False).encode(),
    }


def json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode()


def write_files(folder: Path, files: dict[str, bytes], force: bool = False) -> list[Path]:
    """Write `files` into `folder`, each by atomic rename, after checking all of them can be written.

    Without `force`, an existing file with other content is an ExportError and nothing is written.
    """
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a folder")
    targets = {folder / name: content for name, content in files.items()}
    if not force:
        changed = [
            path for path, content in targets.items() if path.exists() and path.read_bytes() != content
        ]
        if changed:
            names = ", ".join(str(path) for path in changed)
            raise ExportError(f"{names} already exist with other content (use --force to replace)")
    folder.mkdir(parents=True, exist_ok=True)
    for path, content in targets.items():
        atomic_write(path, content)
    return list(targets)


def atomic_write(path: Path, content: bytes) -> None:
    """Write to a temporary sibling, then rename over `path` (a reader never sees half a file)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_model(model_uri: str, tracking_uri: str, folder: Path, force: bool = False) -> list[Path]:
    """Resolve `model_uri` in the registry and write its three deployment files into `folder`."""
    from mlflow import MlflowClient

    from jupyter_mlops.serving.model_version import parse_model_uri, resolve

    version = resolve(MlflowClient(tracking_uri=tracking_uri), parse_model_uri(model_uri))
    return write_files(folder, export_files(version), force=force)
