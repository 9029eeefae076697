"""The ipywidgets twin's Python side against a real (embedded SQLite) MLflow store."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from mlflow import MlflowClient

from jupyter_mlops.widgets import RunsPanel
from tests.server.seed import SeededExperiment, seed_experiment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SeededExperiment:
    """A SQLite store with the seeded experiment (runs, a long history, one LoggedModel)."""
    folder = tmp_path_factory.mktemp("widget-store")
    return seed_experiment(f"sqlite:///{folder / 'mlflow.db'}", "widgets/train.ipynb")


def test_lists_pages_and_filters_runs(store: SeededExperiment) -> None:
    panel = RunsPanel(experiment_name=store.experiment_name, tracking_uri=store.tracking_uri, page_size=3)
    assert panel.page is not None and len(panel.page.runs) == 3
    assert panel.next_button.disabled is False and panel.previous_button.disabled is True
    second = panel.next_page()
    assert second is not None and len(second.runs) == 1
    assert {value for _, value in panel.runs_list.options} == {second.runs[0].run_id}
    panel.previous_page()
    assert len(panel.page.runs) == 3
    panel.filter_box.value = "params.alpha = '0.5'"
    page = panel.refresh()
    assert page is not None and [run.run_id for run in page.runs] == [store.model_run_id]
    assert store.tracking_uri in panel.header.value


def test_run_without_model_explains_the_disabled_button(store: SeededExperiment) -> None:
    panel = RunsPanel(experiment_name=store.experiment_name, tracking_uri=store.tracking_uri)
    panel.runs_list.value = store.no_model_run_id
    assert panel.detail is not None and panel.detail.run.run_id == store.no_model_run_id
    assert panel.register_button.disabled is True
    assert panel.register_button.tooltip.startswith("This run logged no model.")
    assert "alpha" in panel.detail_view.value


def test_register_and_promote_from_the_widget(store: SeededExperiment) -> None:
    panel = RunsPanel(experiment_name=store.experiment_name, tracking_uri=store.tracking_uri)
    panel.select_run(store.model_run_id)
    assert panel.register_button.disabled is False
    result = panel.register("widget-model")
    assert result is not None, panel.last_error
    assert result.version.version == "1" and result.created_registered_model
    assert "Registered <b>widget-model</b> version 1" in panel.status.value
    assert panel.promote("production") == {"production": "1"}
    client = MlflowClient(store.tracking_uri)
    assert str(client.get_model_version_by_alias("widget-model", "production").version) == "1"


def test_errors_show_the_same_message_as_the_panel(store: SeededExperiment) -> None:
    panel = RunsPanel(experiment_name=store.experiment_name, tracking_uri=store.tracking_uri)
    panel.filter_box.value = "params.alpha ==== 1"
    assert panel.refresh() is None
    assert "MLflow rejected the request:" in panel.status.value
    panel.select_run(store.no_model_run_id)
    assert panel.register("nothing") is None
    assert "cannot be registered: This run logged no model." in panel.status.value


def test_notebook_path_names_the_experiment(store: SeededExperiment, tmp_path: Path) -> None:
    notebook = tmp_path / "fresh.ipynb"
    document = nbformat.v4.new_notebook(metadata={"jupyter_mlops": {"experiment": store.experiment_name}})
    nbformat.write(document, str(notebook))
    panel = RunsPanel(notebook, tracking_uri=store.tracking_uri)
    assert panel.experiment_name == store.experiment_name
    assert panel.page is not None and len(panel.page.runs) == 4
    empty = RunsPanel(experiment_name="never-logged", tracking_uri=store.tracking_uri)
    assert empty.page is not None and empty.page.runs == [] and "no runs yet" in empty.header.value
