"""Optional dependencies: work that needs an extra fails in one line naming the `pip install` extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.errors import MissingExtraError
from jupyter_mlops.retraining.models import log_sklearn_model, require_sklearn_extra
from tests.retraining.conftest import IRIS_NOTEBOOK

MESSAGE = "logging a scikit-learn model needs skops: pip install 'jupyter-mlops[sklearn]'"


def test_logging_a_model_without_the_sklearn_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    require_sklearn_extra()  # installed here: no error
    monkeypatch.setitem(sys.modules, "skops", None)  # what `import skops` sees when skops is not installed
    with pytest.raises(MissingExtraError, match=r"^" + MESSAGE.replace("[", r"\[").replace("]", r"\]") + "$"):
        log_sklearn_model(object(), "no-run", TrackingSession("http://127.0.0.1:9"))
    assert MissingExtraError(MESSAGE).exit_code == 2


def test_fanout_logging_models_without_the_sklearn_extra_exits_2_before_any_run(
    local_store: str, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "skops", None)
    grid = tmp_path / "grid.yaml"
    grid.write_text("C: [0.5, 1.0]\n")
    experiment = f"extras-{tmp_path.name}"
    result = cli("run", IRIS_NOTEBOOK, "--grid", grid, "--metric", "accuracy", "--experiment", experiment)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [f"jupyter-mlops: {MESSAGE}"]
    assert MlflowClient(local_store).get_experiment_by_name(experiment) is None
