"""Log a scikit-learn model into a run (MLflow 3 LoggedModel, `name="model"`) and find a run's model."""

from __future__ import annotations

import importlib.util
import pickle
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from converters.training_data import INPUT_EXAMPLE_ROWS
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.errors import MissingExtraError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature

MODEL_NAME = "model"
SKLEARN_EXTRA_MODULES = {"sklearn": "scikit-learn", "skops": "skops"}


def require_sklearn_extra() -> None:
    """Fail in one line naming the `sklearn` extra when scikit-learn or skops is missing (imports nothing)."""
    missing = [
        dist for module, dist in SKLEARN_EXTRA_MODULES.items() if importlib.util.find_spec(module) is None
    ]
    if missing:
        needed = " and ".join(missing)
        raise MissingExtraError(
            f"logging a scikit-learn model needs {needed}: pip install 'jupyter-mlops[sklearn]'"
        )


def pip_requirements() -> list[str]:
    """Pinned requirements for the sklearn flavor (skips MLflow's slow requirement inference subprocess)."""
    import mlflow
    import sklearn
    import skops

    return [
        f"mlflow=={mlflow.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"skops=={skops.__version__}",
    ]


def trusted_types(model: object) -> list[str]:
    """The types skops (MLflow's safe default format) must trust to reload `model`.

    The model was built by the user's own notebook or package run on this machine, so its types are
    trusted by construction.
    """
    import skops.io

    return list(skops.io.get_untrusted_types(data=skops.io.dumps(model)))


class _TypeRecorder(pickle.Pickler):
    """A pickler that writes nothing and records the name of every type and global it meets."""

    def __init__(self) -> None:
        super().__init__(_Discard(), protocol=pickle.HIGHEST_PROTOCOL)
        self.names: set[str] = set()

    def reducer_override(self, obj: object) -> object:
        self.names.add(_qualified_name(type(obj)))
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__")):
            self.names.add(_qualified_name(obj))  # a class, function or ufunc the graph refers to
        return NotImplemented


def _qualified_name(named: object) -> str:
    name = getattr(named, "__qualname__", None) or getattr(named, "__name__", "")
    return f"{getattr(named, '__module__', None)}.{name}"


class _Discard:
    def write(self, data: bytes | pickle.PickleBuffer) -> int:
        return memoryview(data).nbytes


def type_fingerprint(model: object) -> frozenset[str] | None:
    """The names of every type, class and function the model's object graph holds (a pickling pass
    that writes nothing: milliseconds, where a skops dump of a forest takes tenths of a second); None
    for a model pickle cannot walk."""
    recorder = _TypeRecorder()
    try:
        recorder.dump(model)
    except Exception:  # e.g. a lambda in a FunctionTransformer: skops judges that model on its own
        return None
    return frozenset(recorder.names)


class TrustedTypes:
    """`trusted_types`, computed once per type fingerprint: the models of a fan-out share their types.

    Two models whose object graphs hold the same types need the same skops trust list. MLflow reloads each
    saved model with the list, so a list that fell short would fail the save (`log_sklearn_model` then
    computes it for that model alone).
    """

    def __init__(self) -> None:
        self._by_fingerprint: dict[frozenset[str], list[str]] = {}
        self._lock = threading.Lock()

    def of(self, model: object) -> tuple[list[str], bool]:
        """The trust list for `model`, and whether it came from an earlier model's."""
        fingerprint = type_fingerprint(model)
        if fingerprint is None:
            return trusted_types(model), False
        with self._lock:
            known = self._by_fingerprint.get(fingerprint)
        if known is not None:
            return list(known), True
        computed = trusted_types(model)
        with self._lock:
            self._by_fingerprint[fingerprint] = computed
        return list(computed), False


TRUSTED_TYPES = TrustedTypes()


def load_pickled(path: str | Path) -> object:
    """The model object the capture cell pickled in the kernel (same interpreter, our own file)."""
    with open(path, "rb") as handle:
        return pickle.load(handle)


def first_rows(training_data: object, rows: int = INPUT_EXAMPLE_ROWS) -> Any:
    """The first `rows` rows of a model's training data (DataFrame, array or list) — its input example —
    or None for anything else. Taken where the data is, so only these rows travel with the model."""
    if training_data is None:
        return None
    head = getattr(training_data, "head", None)
    if callable(head) and hasattr(training_data, "columns"):
        return head(rows)
    if hasattr(training_data, "shape") or isinstance(training_data, (list, tuple)):
        return training_data[:rows]  # type: ignore[index]
    return None


def model_signature(model: object, input_example: object) -> ModelSignature | None:
    """The signature of `model` inferred from its input example and its predictions on it (None without
    an example, or when the model cannot predict on it: then it is logged without one)."""
    if input_example is None:
        return None
    from mlflow.models import infer_signature

    try:
        return infer_signature(input_example, model.predict(input_example))  # type: ignore[attr-defined]
    except Exception as error:  # the user's model and data: any failure means "no signature", said once
        warnings.warn(
            f"no signature for the model: predicting on its input example failed: {error}", stacklevel=2
        )
        return None


def log_sklearn_model(
    model: object,
    run_id: str,
    session: TrackingSession,
    *,
    keep: str = "",
    input_example: object = None,
) -> str:
    """Log `model` (sklearn flavor) as a LoggedModel of run `run_id`; return its `models:/m-<id>` URI.

    With `input_example` (the first rows of its training data) the model gets a signature inferred from
    those rows and its predictions on them, and the rows as its input example.
    Client calls with explicit ids (what `mlflow.sklearn.log_model(model_id=...)` does, without reading the
    process-wide tracking URI): create the LoggedModel, save the flavor locally, upload, finalize.
    """
    require_sklearn_extra()
    import mlflow.sklearn
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    signature = model_signature(model, input_example)
    example = input_example if signature is not None else None

    def log(client: MlflowClient) -> str:
        experiment_id = client.get_run(run_id).info.experiment_id
        logged = client.create_logged_model(
            experiment_id=experiment_id, name=MODEL_NAME, source_run_id=run_id
        )
        try:
            with tempfile.TemporaryDirectory(prefix="jupyter-mlops-model-") as folder:
                local_path = Path(folder) / MODEL_NAME

                def save(trusted: list[str]) -> None:
                    description = Model(
                        artifact_path=logged.artifact_location,
                        model_uuid=logged.model_id,
                        model_id=logged.model_id,
                    )
                    mlflow.sklearn.save_model(
                        model,
                        str(local_path),
                        mlflow_model=description,
                        pip_requirements=pip_requirements(),
                        skops_trusted_types=trusted,
                        signature=signature,
                        input_example=example,
                    )

                trusted, shared = TRUSTED_TYPES.of(model)
                try:
                    save(trusted)
                except MlflowException:
                    if not shared:
                        raise
                    shutil.rmtree(local_path, ignore_errors=True)  # the list fell short: this model's own
                    save(trusted_types(model))
                client.log_model_artifacts(logged.model_id, str(local_path))
        except Exception:
            client.finalize_logged_model(logged.model_id, "FAILED")
            raise
        client.finalize_logged_model(logged.model_id, "READY")
        return f"models:/{logged.model_id}"

    return session.call(f"log the model of run {run_id}", log, keep=keep)


def model_uri_of_run(session: TrackingSession, run_id: str) -> str | None:
    """The LoggedModel a run produced (MLflow 3 `source_run_id`), newest first; None if it logged none."""

    def search(client: MlflowClient) -> str | None:
        run = client.get_run(run_id)
        models = list(
            client.search_logged_models(
                experiment_ids=[run.info.experiment_id],
                filter_string=f"source_run_id = '{run_id}'",
                max_results=10,
            )
        )
        if not models:
            outputs = run.outputs
            model_outputs = outputs.model_outputs if outputs is not None else []
            return f"models:/{model_outputs[0].model_id}" if model_outputs else None
        models.sort(key=lambda model: model.creation_timestamp, reverse=True)
        return f"models:/{models[0].model_id}"

    return session.call(f"find the model of run {run_id}", search)
