"""End to end in real headless Chromium: the Fleet tab groups the notebook experiment's runs on the server;
sorting and filtering ask the server again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import LoggedExperiment
from tests.ui.lab import JupyterLab, open_mlops_panel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000


@pytest.fixture
def lab(logged_experiment: LoggedExperiment, tmp_path: Path) -> Iterator[JupyterLab]:
    lab = JupyterLab(
        root_dir=logged_experiment.root_dir,
        state_dir=tmp_path / "lab-state",
        tracking_uri=logged_experiment.tracking_uri,
        base_url="/",
    )
    lab.state_dir.mkdir()
    lab.start()
    yield lab
    lab.stop()


def test_fleet_tab_groups_sorts_and_filters_on_the_server(
    browser, lab: JupyterLab, logged_experiment: LoggedExperiment, screenshot_dir: Path
) -> None:
    """Runs → Fleet tab → group by max_depth with accuracy → sort by best → filter."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    fleet_requests: list[str] = []
    page.on(
        "request", lambda request: "jupyter-mlops/fleet" in request.url and fleet_requests.append(request.url)
    )
    try:
        page.goto(lab.page_url(f"lab/tree/{logged_experiment.notebook}"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")
        panel.get_by_text("3 runs", exact=True).wait_for()
        panel.get_by_role("tab", name="Fleet").click()

        # The experiment is the notebook's; group its runs by a parameter.
        assert panel.get_by_label("Experiment").input_value() == logged_experiment.experiment_name
        panel.get_by_label("Group by").fill("max_depth")
        panel.get_by_label("Metric").fill("accuracy")
        panel.get_by_role("button", name="Show fleet").click()
        panel.get_by_text("groups 1–2 of 2; all 3 runs aggregated (tracking server)").wait_for()
        table = panel.locator(".jp-mlops-fleet-table")
        assert table.locator("tbody tr td:first-child").all_text_contents() == ["3", "4"]
        page.screenshot(path=screenshot_dir / "fleet-1-groups.png")

        # Sort by best accuracy (best first): max_depth 4 holds the 0.96 run.
        table.get_by_role("button", name="Best").click()
        table.locator("th[aria-sort='ascending']").wait_for()
        page.wait_for_function(
            "() => document.querySelector('.jp-mlops-fleet-table tbody td')?.textContent === '4'"
        )
        assert "sort=best" in fleet_requests[-1]

        # Filter on the server.
        panel.get_by_label("Filter groups").fill("3")
        panel.get_by_label("Filter groups").press("Enter")
        panel.get_by_text("groups 1–1 of 1; all 3 runs aggregated (tracking server)").wait_for()
        assert "filter=3" in fleet_requests[-1]
        page.screenshot(path=screenshot_dir / "fleet-2-filtered.png")
    except Exception:
        page.screenshot(path=screenshot_dir / "fleet-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {lab.log_path}")
        raise
    finally:
        context.close()
