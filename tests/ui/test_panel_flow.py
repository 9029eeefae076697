"""End to end in real headless Chromium: see the notebook's runs, register a run's model, promote it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.support.mlflow_server import free_port
from tests.ui.conftest import MODEL_RUN_NAME, PLAIN_RUN_NAMES, LoggedExperiment
from tests.ui.lab import JupyterLab, open_mlops_panel, write_example_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000


def test_register_and_promote_from_the_panel(
    browser, jupyter_lab: JupyterLab, logged_experiment: LoggedExperiment, screenshot_dir: Path
) -> None:
    """Open the notebook → MLOps tab → runs → a run → Register model (new name) → promote to production."""
    label = "root" if jupyter_lab.base_url == "/" else "base-url"
    model_name = f"iris-panel-{label}"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(jupyter_lab.page_url(f"lab/tree/{logged_experiment.notebook}"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")

        # The runs of the notebook's experiment are listed, with the connected store.
        for run_name in (MODEL_RUN_NAME, *PLAIN_RUN_NAMES):
            panel.get_by_role("button", name=run_name, exact=True).wait_for()
        assert logged_experiment.tracking_uri in panel.text_content()
        page.screenshot(path=screenshot_dir / f"{label}-1-runs.png")

        # Server-side filter, then compare two runs: differing params and an overlaid chart.
        panel.get_by_role("searchbox", name="Filter runs").fill("forest")
        panel.get_by_role("searchbox", name="Filter runs").press("Enter")
        panel.get_by_text("1 run", exact=True).wait_for()
        panel.get_by_role("searchbox", name="Filter runs").fill("")
        panel.get_by_role("searchbox", name="Filter runs").press("Enter")
        panel.get_by_text("3 runs", exact=True).wait_for()
        for run_name in PLAIN_RUN_NAMES:
            panel.get_by_role("checkbox", name=f"Select {run_name} for comparison").check()
        panel.get_by_role("button", name="Compare (2)").click()
        differences = panel.get_by_role("table", name="Differences between runs")
        differences.get_by_role("rowheader", name="param n_estimators").wait_for()
        panel.get_by_role("img", name="accuracy of the compared runs").wait_for()
        page.screenshot(path=screenshot_dir / f"{label}-compare.png")
        panel.get_by_role("button", name="← Runs").click()

        # A run without a model explains why it cannot be registered.
        panel.get_by_role("button", name=PLAIN_RUN_NAMES[0], exact=True).click()
        register = panel.get_by_role("button", name="Register model")
        register.wait_for()
        assert register.is_disabled()
        panel.get_by_text("This run logged no model.").wait_for()
        panel.get_by_role("button", name="▸ reports/").click()
        panel.get_by_text("summary.txt").wait_for()
        panel.get_by_role("button", name="← Runs").click()

        # The run with a model: Register model → new name → version 1.
        panel.get_by_role("button", name=MODEL_RUN_NAME, exact=True).click()
        panel.get_by_role("img", name="History of accuracy").wait_for()
        register.wait_for()
        assert register.is_enabled()
        # Its signature opens in place: one float64 tensor of 4 columns, and an input example.
        panel.get_by_role("button", name=re.compile(r"^Signature of models:.m-")).click()
        panel.get_by_role("table", name="Inputs").get_by_text("tensor float64 (-1, 4)").wait_for()
        panel.get_by_text("With an input example.").wait_for()
        page.screenshot(path=screenshot_dir / f"{label}-2-run-detail.png")
        register.click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("combobox", name="Registered model name").fill(model_name)
        dialog.get_by_role("button", name="Register").click()
        result = page.get_by_role("dialog").filter(has_text=f"Registered {model_name} version 1")
        result.wait_for()
        page.screenshot(path=screenshot_dir / f"{label}-3-registered.png")

        client = MlflowClient(logged_experiment.tracking_uri)
        version = client.get_model_version(model_name, "1")
        assert version.run_id == logged_experiment.model_run_id

        # Registry view: promote version 1 to production, with a confirmation.
        result.get_by_role("button", name="Show in registry").click()
        panel.get_by_role("button", name="Promote version 1 to production").click()
        confirm = page.get_by_role("dialog").filter(has_text=f"Promote {model_name} version 1?")
        confirm.get_by_role("button", name="Set production").click()
        panel.get_by_role("button", name="Remove alias production from version 1").wait_for()
        # The version's signature is the same LoggedModel's: already open, fetched once.
        version_signature = panel.get_by_role("button", name=f"Signature of {model_name} version 1")
        assert version_signature.get_attribute("aria-expanded") == "true"
        panel.get_by_role("table", name="Inputs").get_by_text("tensor float64 (-1, 4)").wait_for()
        page.screenshot(path=screenshot_dir / f"{label}-4-promoted.png")
        assert client.get_model_version_by_alias(model_name, "production").version == "1"
        assert re.search(r"v1.*@production", panel.text_content() or "")
    except Exception:
        page.screenshot(path=screenshot_dir / f"{label}-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {jupyter_lab.log_path}")
        raise
    finally:
        context.close()


def test_unreachable_store_is_a_readable_notification(browser, tmp_path: Path, screenshot_dir: Path) -> None:
    """With the MLflow server down, the panel says so in a notification and inline, and stops waiting."""
    root = tmp_path / "root"
    root.mkdir()
    write_example_notebook(root / "lonely.ipynb")
    dead_uri = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "state").mkdir()
    lab = JupyterLab(
        root_dir=root,
        state_dir=tmp_path / "state",
        tracking_uri=dead_uri,
        extra_env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"},
    ).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(lab.page_url("lab/tree/lonely.ipynb"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")
        expected = f"Cannot find the experiment of lonely.ipynb: The MLflow store {dead_uri} is unreachable."
        panel.get_by_role("alert").filter(has_text=expected).wait_for()
        page.locator(".jp-Notification-Toast-error").filter(has_text=expected).first.wait_for()
        assert panel.get_by_text("Looking for the experiment").count() == 0
        assert "Traceback" not in (panel.text_content() or "")
        page.screenshot(path=screenshot_dir / "unreachable-store.png")
    finally:
        context.close()
        lab.stop()
