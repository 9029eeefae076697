"""Fixtures of the browser tests: an example notebook with logged runs, a real JupyterLab, Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_mlops.core.experiments import experiment_name_for
from tests.support.mlflow_server import MlflowServer
from tests.ui.lab import CHROMIUM_PATH, JupyterLab, launch_chromium, write_example_notebook

NOTEBOOK_NAME = "iris_classifier.ipynb"
MODEL_RUN_NAME = "logistic-with-model"
PLAIN_RUN_NAMES = ("baseline-no-model", "forest-small")
T0 = 1_700_000_000_000  # metric timestamps (ms)


@dataclass(frozen=True)
class LoggedExperiment:
    """The lab root, its notebook, and the runs logged into the notebook's experiment."""

    root_dir: Path
    notebook: str
    experiment_name: str
    experiment_id: str
    model_run_id: str
    tracking_uri: str


def log_example_runs(tracking_uri: str, experiment_name: str) -> tuple[str, str]:
    """Log two runs without a model and one with a sklearn model; return (experiment id, model run id)."""
    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(experiment_name)
    for index, name in enumerate(PLAIN_RUN_NAMES):
        run = client.create_run(experiment_id, run_name=name)
        metrics = [Metric("loss", 1.0 / (step + 2 + index), T0 + step, step) for step in range(20)]
        metrics.append(Metric("accuracy", 0.8 + 0.05 * index, T0, 0))
        params = [Param("n_estimators", str(10 * (index + 1))), Param("max_depth", "3")]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.log_text(run.info.run_id, f"summary of {name}", "reports/summary.txt")
        client.set_terminated(run.info.run_id)
    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=300).fit(features, labels)
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    try:
        with mlflow.start_run(experiment_id=experiment_id, run_name=MODEL_RUN_NAME) as run:
            mlflow.log_params({"n_estimators": 30, "max_depth": 4})
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("loss", 0.5 / (step + 1), T0 + step, step) for step in range(20)]
                + [Metric("accuracy", 0.96, T0, 0)],
            )
            # as docs/panel.md advises for a model logged by the user's own code: MLflow infers the signature
            mlflow.sklearn.log_model(model, name="model", input_example=features[:5])
        return experiment_id, run.info.run_id
    finally:
        if previous is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous


@pytest.fixture(scope="session")
def logged_experiment(
    mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory
) -> LoggedExperiment:
    """A lab root holding the example notebook, whose experiment on the real MLflow server has 3 runs."""
    root = tmp_path_factory.mktemp("lab-root")
    notebook = write_example_notebook(root / NOTEBOOK_NAME)
    name = experiment_name_for(notebook, root=root)
    experiment_id, model_run_id = log_example_runs(mlflow_server.uri, name)
    return LoggedExperiment(root, NOTEBOOK_NAME, name, experiment_id, model_run_id, mlflow_server.uri)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots (printed at the end of a failing test)."""
    return tmp_path_factory.mktemp("panel-screenshots")


def require_browser_setup() -> None:
    """Fail with what to run when the panel is not built/installed or Chromium is missing."""
    from jupyter_core.paths import jupyter_path

    installed = [Path(folder) / "jupyter-mlops" for folder in jupyter_path("labextensions")]
    if not any((folder / "package.json").exists() for folder in installed):
        pytest.fail("The jupyter-mlops labextension is not installed: run `make labextension` first.")
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: run `make browser` (Debian's chromium package).")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for the session (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    require_browser_setup()

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(params=["/", "/user/alice/"], ids=["root", "base-url"])
def jupyter_lab(
    request: pytest.FixtureRequest, logged_experiment: LoggedExperiment, tmp_path: Path
) -> Iterator[JupyterLab]:
    """A real JupyterLab on the example root, once at `/` and once under a JupyterHub-like base URL."""
    lab = JupyterLab(
        root_dir=logged_experiment.root_dir,
        state_dir=tmp_path / "lab-state",
        tracking_uri=logged_experiment.tracking_uri,
        base_url=request.param,
    )
    lab.state_dir.mkdir()
    lab.start()
    yield lab
    lab.stop()
