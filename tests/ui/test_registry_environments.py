"""The registry view shows the environments a version reached and where a promoted copy came from
(the tags `jupyter-mlops promote` records; docs/environments.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.ui.conftest import LoggedExperiment
from tests.ui.lab import JupyterLab, open_mlops_panel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODEL = "environments-model"


def test_registry_shows_environments_and_origin(
    browser, jupyter_lab: JupyterLab, logged_experiment: LoggedExperiment, screenshot_dir: Path
) -> None:
    client = MlflowClient(logged_experiment.tracking_uri)
    if not client.search_registered_models(f"name = '{MODEL}'"):
        client.create_registered_model(MODEL)
        source = f"runs:/{logged_experiment.model_run_id}/model"
        client.create_model_version(MODEL, source, run_id=logged_experiment.model_run_id)
        client.create_model_version(MODEL, source, run_id=logged_experiment.model_run_id)
        client.set_model_version_tag(MODEL, "1", "jupyter_mlops.environment.staging", "@staging")
        client.set_model_version_tag(MODEL, "1", "jupyter_mlops.environment.prod", "http://prod:5000 v4")
        for key, value in {
            "registry": "http://dev:5000",
            "name": "churn",
            "version": "3",
        }.items():
            client.set_model_version_tag(MODEL, "2", f"jupyter_mlops.promoted_from.{key}", value)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(jupyter_lab.page_url(f"lab/tree/{logged_experiment.notebook}"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")
        panel.get_by_role("tab", name="Registry").click()
        panel.get_by_role("button", name=MODEL, exact=True).click()
        environments = panel.get_by_label("Environments of version 1")
        environments.wait_for()
        assert environments.inner_text().split() == ["prod", "staging"]
        assert environments.get_by_text("prod").get_attribute("title") == "http://prod:5000 v4"
        panel.get_by_text("from churn v3").wait_for()
        page.screenshot(path=screenshot_dir / f"registry-environments-{jupyter_lab.port}.png")
    finally:
        context.close()
