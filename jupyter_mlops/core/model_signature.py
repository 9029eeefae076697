"""A LoggedModel's signature and input example as the panel shows them, read from its MLmodel file.

MLflow keeps the signature only in the model's `MLmodel` artifact (not on the LoggedModel entity), so one
model costs one `get_logged_model` call and one small download; the panel asks only when the user opens it.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from jupyter_mlops.core.contract import ModelSignatureResponse, SignatureColumn
from jupyter_mlops.core.errors import BadRequest, NotFound

MODEL_ID = re.compile(r"^m-[0-9a-fA-F]+$")
MLMODEL_FILE = "MLmodel"


def column_of(spec: Any) -> SignatureColumn:
    """One ColumnSpec, TensorSpec or ParamSpec of an MLflow signature, as the contract's column."""
    from mlflow.types.schema import DataType, ParamSpec, TensorSpec

    if isinstance(spec, TensorSpec):
        return SignatureColumn(spec.name, f"tensor {spec.type.name} {tuple(spec.shape)}", True)
    if isinstance(spec, ParamSpec):  # its default is what a caller gets when it passes none
        return SignatureColumn(spec.name, f"{spec.dtype.name} (default {spec.default!r})", False)
    kind = spec.type
    type_name = kind.name if isinstance(kind, DataType) else json.dumps(kind.to_dict(), sort_keys=True)
    return SignatureColumn(spec.name, type_name, bool(spec.required))


def read_model_description(client: MlflowClient, model_id: str) -> Any:
    """The `mlflow.models.Model` of a LoggedModel (its MLmodel file); NotFound for an unknown id."""
    from mlflow.models import Model
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    if not MODEL_ID.match(model_id or ""):
        raise BadRequest(f"model_id {model_id!r} is not a LoggedModel id (m-<hex>, as in models:/m-<hex>).")
    try:
        logged = client.get_logged_model(model_id)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(f"Model {model_id!r} does not exist in this MLflow store.", str(error)) from error
        raise
    repository = get_artifact_repository(logged.artifact_location, tracking_uri=client.tracking_uri)
    with tempfile.TemporaryDirectory(prefix="jupyter-mlops-mlmodel-") as folder:
        try:
            local = repository.download_artifacts(MLMODEL_FILE, dst_path=folder)
        except (MlflowException, OSError) as error:
            raise NotFound(
                f"Model {model_id!r} has no MLmodel file (its artifacts were not uploaded).", str(error)
            ) from error
        return Model.load(Path(local))


def model_signature(client: MlflowClient, model_id: str) -> ModelSignatureResponse:
    """The signature (inputs, outputs, params) of a LoggedModel and whether it has an input example."""
    description = read_model_description(client, model_id)
    signature = description.signature
    has_example = description.saved_input_example_info is not None
    if signature is None:
        return ModelSignatureResponse(model_id, False, [], [], [], has_example)
    params = list(signature.params.params) if signature.params is not None else []
    return ModelSignatureResponse(
        model_id=model_id,
        has_signature=True,
        inputs=[column_of(spec) for spec in signature.inputs.inputs] if signature.inputs else [],
        outputs=[column_of(spec) for spec in signature.outputs.inputs] if signature.outputs else [],
        params=[column_of(spec) for spec in params],
        has_input_example=has_example,
    )
