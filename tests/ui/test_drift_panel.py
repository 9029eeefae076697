"""In real headless Chromium: a run's drift check in the run detail, and its report in a sandboxed frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from jupyter_mlops.core.experiments import experiment_name_for
from jupyter_mlops.core.session import TrackingSession
from jupyter_mlops.retraining.drift_check import DriftCheck, compare_tables, log_drift
from jupyter_mlops.retraining.drift_profile import Table
from tests.support.mlflow_server import MlflowServer
from tests.ui.lab import JupyterLab, open_mlops_panel, write_example_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000


def log_drifted_run(tracking_uri: str, experiment_name: str) -> str:
    """A run whose data drifted from a reference run's, logged by the same code `jupyter-mlops run` uses."""
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"x1": rng.normal(0, 1, 300), "colour": rng.choice(["red", "blue"], 300)})
    current = pd.DataFrame({"x1": rng.normal(2, 1, 300), "colour": rng.choice(["red", "blue"], 300)})
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(experiment_name)
    reference_run = client.create_run(experiment_id, run_name="champion-data").info.run_id
    run_id = client.create_run(experiment_id, run_name="drifted-challenger").info.run_id
    pairs = [(Table("train.csv", "", 300, reference), Table("train.csv", "", 300, current))]
    drift, columns = compare_tables(pairs)
    check = DriftCheck(drift, reference_run, "churn@champion (version 1)", "drift/report.html")
    log_drift(TrackingSession(tracking_uri), run_id, check, pairs, columns)
    client.set_terminated(run_id)
    return run_id


def test_run_detail_shows_the_drift_summary_and_the_report(
    browser, mlflow_server: MlflowServer, tmp_path: Path, screenshot_dir: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    notebook = write_example_notebook(root / "drift_panel.ipynb")
    log_drifted_run(mlflow_server.uri, experiment_name_for(notebook, root=root))
    lab = JupyterLab(root_dir=root, state_dir=tmp_path / "lab-state", tracking_uri=mlflow_server.uri)
    lab.state_dir.mkdir()
    lab.start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(lab.page_url("lab/tree/drift_panel.ipynb"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")
        panel.get_by_role("button", name="drifted-challenger", exact=True).click()
        section = panel.get_by_role("region", name="Data drift")
        section.get_by_text(
            "Dataset drift: 1 of 2 columns drifted (50%) against churn@champion (version 1)"
        ).wait_for()
        columns = section.get_by_role("list", name="Most drifted columns")
        assert columns.get_by_role("listitem").first.text_content().startswith("x1: p = ")
        section.get_by_role("button", name="Show drift report (drift/report.html)").click()
        frame = section.locator('iframe[title="Drift report"]')
        frame.wait_for()
        assert frame.get_attribute("sandbox") == ""
        report = page.frame_locator('iframe[title="Drift report"]')
        report.get_by_role("heading", name="Data drift vs churn@champion (version 1)").wait_for()
        report.get_by_text("Dataset drift detected").wait_for()
        page.screenshot(path=screenshot_dir / "drift-report.png")
        section.get_by_role("button", name="Hide drift report (drift/report.html)").click()
        frame.wait_for(state="detached")
    except Exception:
        page.screenshot(path=screenshot_dir / "drift-failure.png")
        print(f"screenshots: {screenshot_dir}")
        raise
    finally:
        context.close()
        lab.stop()
