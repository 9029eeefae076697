"""Log a scikit-learn model into a run (MLflow 3 LoggedModel, `name="model"`) and find a run's model."""

from __future__ import annotations

import importlib.util
import pickle
import threading
from pathlib import Path

from jupyter_mlops.retraining.errors import MissingExtraError
from jupyter_mlops.retraining.mlflow_io import with_retries

MODEL_NAME = "model"
SKLEARN_EXTRA_MODULES = {"sklearn": "scikit-learn", "skops": "skops"}
_FLUENT_LOCK = threading.Lock()


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


def load_pickled(path: str | Path) -> object:
    """The model object the capture cell pickled in the kernel (same interpreter, our own file)."""
    with open(path, "rb") as handle:
        return pickle.load(handle)


def log_sklearn_model(model: object, run_id: str, *, uri: str, keep: str = "") -> str:
    """Log `model` (sklearn flavor) into run `run_id`; return its `models:/m-<id>` URI."""
    require_sklearn_extra()
    import mlflow
    import mlflow.sklearn

    def log() -> str:
        with _FLUENT_LOCK:
            mlflow.set_tracking_uri(uri)
            client = mlflow.MlflowClient(uri)
            experiment_id = client.get_run(run_id).info.experiment_id
            logged = client.create_logged_model(
                experiment_id=experiment_id, name=MODEL_NAME, source_run_id=run_id
            )
            try:
                info = mlflow.sklearn.log_model(
                    model,
                    name=MODEL_NAME,
                    model_id=logged.model_id,
                    pip_requirements=pip_requirements(),
                    skops_trusted_types=trusted_types(model),
                )
            except Exception:
                client.finalize_logged_model(logged.model_id, "FAILED")
                raise
            return str(info.model_uri)

    return with_retries(log, what=f"log the model of run {run_id}", uri=uri, keep=keep)


def model_uri_of_run(client: object, run_id: str, *, uri: str) -> str | None:
    """The LoggedModel a run produced (MLflow 3 `source_run_id`), newest first; None if it logged none."""

    def search() -> str | None:
        run = client.get_run(run_id)  # type: ignore[attr-defined]
        found = client.search_logged_models(  # type: ignore[attr-defined]
            experiment_ids=[run.info.experiment_id],
            filter_string=f"source_run_id = '{run_id}'",
            max_results=10,
        )
        models = list(found)
        if not models:
            outputs = getattr(run, "outputs", None)
            model_outputs = getattr(outputs, "model_outputs", None) or []
            return f"models:/{model_outputs[0].model_id}" if model_outputs else None
        models.sort(key=lambda model: model.creation_timestamp, reverse=True)
        return f"models:/{models[0].model_id}"

    return with_retries(search, what=f"find the model of run {run_id}", uri=uri)
