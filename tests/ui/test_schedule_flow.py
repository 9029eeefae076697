"""Schedule Retraining in real headless Chromium, on a notebook the test creates: the command from the
palette → Dialog with the weekly defaults, the cron wording and next runs → accepted as is, a cron schedule
listed in the panel's Schedules tab; a second one from the panel's button with a typed parameter and an
invalid then a preset expression. Their wrapper scripts then run as cron would run them, and the list shows
each schedule's last run from MLflow, the failed one highlighted with its cell and error."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mlflow_server import MlflowServer
from tests.support.tagged_notebooks import CONVERTIBLE, write_tagged_notebook
from tests.ui.lab import JupyterLab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000
SCRIPT_TIMEOUT_S = 600  # a kernel start on a loaded machine; a safety stop, not a speed requirement


@pytest.fixture(params=["/", "/user/alice/"], ids=["root", "base-url"])
def schedule_lab(
    request: pytest.FixtureRequest, tmp_path: Path, mlflow_server: MlflowServer
) -> Iterator[JupyterLab]:
    """A real JupyterLab on a fresh root holding one tagged notebook, tracking to the real MLflow server."""
    root = tmp_path / "root"
    write_tagged_notebook(root / "daily.ipynb", CONVERTIBLE)
    lab = JupyterLab(
        root_dir=root,
        state_dir=tmp_path / "lab-state",
        tracking_uri=mlflow_server.uri,
        base_url=request.param,
    )
    lab.state_dir.mkdir()
    lab.start()
    yield lab
    lab.stop()


def test_schedule_from_the_dialog_and_see_it_listed_with_its_runs(
    browser, schedule_lab: JupyterLab, screenshot_dir: Path
) -> None:
    label = "root" if schedule_lab.base_url == "/" else "base-url"
    root = schedule_lab.root_dir
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(schedule_lab.page_url("lab/tree/daily.ipynb"))
        page.locator(".jp-NotebookPanel .jp-Cell").nth(5).wait_for()

        # The notebook toolbar's button → the Dialog (the palette entry runs the same command; opening the
        # palette on a loaded box is what made this step flaky, and test_convert_flow covers the palette):
        # weekly cron defaults, the server's wording and next runs, typed parameters.
        page.locator(".jp-NotebookPanel:visible .jp-Toolbar").get_by_text("Schedule Retraining…").click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        assert dialog.get_by_label("Target").input_value() == "cron"
        assert dialog.get_by_role("textbox", name="Cron expression").input_value() == "0 3 * * 1"
        preview = dialog.get_by_label("Cron preview")
        preview.get_by_text("At 03:00, only on Monday").wait_for()
        assert preview.get_by_label("Next runs").locator("li").count() == 5
        assert dialog.get_by_role("textbox", name="Parameter repeats").get_attribute("placeholder") == "3"
        assert dialog.get_by_role("textbox", name="Folder").input_value() == "schedules"
        page.screenshot(path=screenshot_dir / f"schedule-{label}-1-dialog.png")
        dialog.get_by_role("button", name="Schedule").click()

        # Accepted as is: a weekly cron schedule, its files and crontab line shown, and listed.
        panel = page.locator("#jupyter-mlops-panel")
        written = panel.get_by_role("status", name="Schedule written")
        written.wait_for()
        script = (root / "schedules" / "daily.sh").resolve()
        assert (
            written.get_by_label("Crontab line").inner_text()
            == f"0 3 * * 1 {script} # jupyter-mlops:{script}"
        )
        assert (written.get_by_label("Install step").text_content() or "").endswith(" --install")
        assert (root / "schedules" / "daily.crontab").is_file()
        daily = panel.get_by_role("listitem", name="Schedule daily", exact=True)
        daily.get_by_text("At 03:00, only on Monday").wait_for()
        assert daily.get_by_label("Last status").inner_text() == "no runs yet"

        # The panel's button: another schedule of this notebook with a typed parameter; a bad expression
        # is explained before anything is written, a preset fixes it.
        panel.get_by_role("button", name="Schedule Retraining…").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("textbox", name="Name").fill("daily_zero")
        dialog.get_by_role("textbox", name="Parameter repeats").fill("0")
        dialog.get_by_role("textbox", name="Cron expression").fill("0 25 * * 1")
        error = dialog.get_by_role("alert", name="Cron error")
        error.wait_for()
        assert "'0 25 * * 1' is not a valid cron expression" in error.inner_text()
        dialog.get_by_role("button", name="Daily").click()
        dialog.get_by_label("Cron preview").get_by_text("At 03:00", exact=True).wait_for()
        dialog.get_by_role("button", name="Schedule").click()
        panel.get_by_role("listitem", name="Schedule daily_zero", exact=True).wait_for()
        assert "-p repeats 0" in (root / "schedules" / "daily_zero.sh").read_text()

        # What cron runs, run now: each wrapper script, outside the Jupyter server.
        for name in ("daily", "daily_zero"):
            subprocess.run(
                ["sh", str(root / "schedules" / f"{name}.sh")], check=False, timeout=SCRIPT_TIMEOUT_S
            )
        panel.get_by_role("button", name="Refresh").click()
        zero = panel.get_by_role("listitem", name="Schedule daily_zero", exact=True)
        zero.get_by_label("Last status").filter(has_text="failed").wait_for()
        assert "jp-mlops-schedule-failed" in (zero.get_attribute("class") or "")
        assert "cell 4: ZeroDivisionError" in zero.get_by_label("Last runs").inner_text()
        daily = panel.get_by_role("listitem", name="Schedule daily", exact=True)
        assert daily.get_by_label("Last status").inner_text() == "finished"
        notebook_link = daily.get_by_role("link", name="executed notebook")
        assert "/artifactPath/executed_notebook/daily-" in (notebook_link.get_attribute("href") or "")
        zero.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir / f"schedule-{label}-2-list.png")
    except Exception:
        page.screenshot(path=screenshot_dir / f"schedule-{label}-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {schedule_lab.log_path}")
        raise
    finally:
        context.close()
