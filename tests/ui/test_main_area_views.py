"""In real headless Chromium: a run, a comparison and the registry in main-area tabs; the panel's settings
changed in JupyterLab's Settings Editor take effect at once (alias names, views opening in tabs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from jupyter_mlops.core.registry import register_run_model
from tests.ui.conftest import MODEL_RUN_NAME, PLAIN_RUN_NAMES, LoggedExperiment
from tests.ui.lab import JupyterLab, open_mlops_panel, run_from_palette

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000
MAIN_TAB = ".jp-mlops-main-area"


def main_tab(page, title: str):  # type: ignore[no-untyped-def]
    """The main-area tab whose title is `title`, after clicking its tab bar entry."""
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=title).first.click()
    tab = page.locator(f"{MAIN_TAB}:visible")
    tab.wait_for()
    return tab


def set_alias_names_in_settings_editor(page, alias: str) -> None:  # type: ignore[no-untyped-def]
    """Settings Editor → MLOps panel → Promotion aliases → Add → `alias` (saved as it is typed)."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Settings Editor").first.click()
    page.locator(".jp-PluginList-entry", has_text="MLOps panel").first.click()
    form = page.locator(".jp-SettingsPanel, .jp-SettingsForm").filter(has_text="Promotion aliases").first
    form.wait_for()
    field = form.locator(".form-group", has_text="Promotion aliases").last
    field.get_by_role("button", name="Add").first.click()
    field.locator("input[type=text]").last.fill(alias)
    field.locator("input[type=text]").last.press("Tab")


def test_views_in_tabs_and_settings_that_take_effect(
    browser, jupyter_lab: JupyterLab, logged_experiment: LoggedExperiment, screenshot_dir: Path
) -> None:
    """Run and comparison from the sidebar into tabs; the registry tab from the palette; a new alias name
    and "open in tabs" set in the Settings Editor change the promote buttons and where a run opens."""
    label = "root" if jupyter_lab.base_url == "/" else "base-url"
    model_name = f"iris-tabs-{label}"
    client = MlflowClient(logged_experiment.tracking_uri)
    register_run_model(client, logged_experiment.model_run_id, model_name)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    shots = screenshot_dir / f"tabs-{label}"
    try:
        page.goto(jupyter_lab.page_url(f"lab/tree/{logged_experiment.notebook}"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")

        # A run, opened in the sidebar, moves to a main-area tab: chart, metrics and params side by side.
        panel.get_by_role("button", name=MODEL_RUN_NAME, exact=True).click()
        panel.get_by_role("img", name="History of accuracy").wait_for()
        panel.get_by_role("button", name="Open in a tab ↗").click()
        run_tab = main_tab(page, f"Run {MODEL_RUN_NAME}")
        run_tab.get_by_role("heading", name=MODEL_RUN_NAME).wait_for()
        run_tab.get_by_role("img", name="History of accuracy").wait_for()
        run_tab.get_by_role("region", name="Parameters").get_by_role("rowheader", name="max_depth").wait_for()
        assert run_tab.get_by_role("button", name="← Runs").count() == 0
        page.screenshot(path=f"{shots}-run.png")

        # Two runs compared in the sidebar, then in a tab of their own.
        panel.get_by_role("button", name="← Runs").click()
        for run_name in PLAIN_RUN_NAMES:
            panel.get_by_role("checkbox", name=f"Select {run_name} for comparison").check()
        panel.get_by_role("button", name="Compare (2)").click()
        panel.get_by_role("table", name="Differences between runs").wait_for()
        panel.get_by_role("button", name="Open in a tab ↗").click()
        compare_tab = main_tab(page, "Compare 2 runs")
        differences = compare_tab.get_by_role("table", name="Differences between runs")
        differences.get_by_role("rowheader", name="param n_estimators").wait_for()
        compare_tab.get_by_role("img", name="accuracy of the compared runs").wait_for()
        page.screenshot(path=f"{shots}-compare.png")
        panel.get_by_role("button", name="← Runs").click()

        # The registry from the command palette; its model's versions with the server's alias names.
        run_from_palette(page, "Open Model Registry")
        registry_tab = main_tab(page, "Model registry")
        registry_tab.get_by_role("button", name=model_name, exact=True).click()
        registry_tab.get_by_role("button", name="Promote version 1 to production").wait_for()
        main_tab(page, f"Registry: {model_name}")
        page.screenshot(path=f"{shots}-registry.png")

        # Settings Editor: a new alias name; the open registry tab offers it at once.
        set_alias_names_in_settings_editor(page, "champion")
        page.screenshot(path=f"{shots}-settings.png")
        registry_tab = main_tab(page, f"Registry: {model_name}")
        promote = registry_tab.get_by_role("button", name="Promote version 1 to champion")
        promote.wait_for()
        assert registry_tab.get_by_role("button", name="Promote version 1 to production").count() == 0
        promote.click()
        confirm = page.get_by_role("dialog").filter(has_text=f"Promote {model_name} version 1?")
        confirm.get_by_role("button", name="Set champion").click()
        registry_tab.get_by_role("button", name="Remove alias champion from version 1").wait_for()
        assert client.get_model_version_by_alias(model_name, "champion").version == "1"

        # Settings Editor: views open in tabs; a run clicked in the sidebar opens one, the list stays.
        page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Settings").first.click()
        page.get_by_role("checkbox", name="Open runs, comparisons and the registry in tabs").check()
        open_mlops_panel(page)
        panel.locator("[data-views-open-in=tabs]").wait_for()
        panel.get_by_role("button", name=PLAIN_RUN_NAMES[1], exact=True).click()
        other_run = main_tab(page, f"Run {PLAIN_RUN_NAMES[1]}")
        other_run.get_by_role("heading", name=PLAIN_RUN_NAMES[1]).wait_for()
        assert panel.get_by_role("table", name="Runs").is_visible()
        assert panel.get_by_role("button", name="Register model").count() == 0

        # A reload brings the tabs back (ILayoutRestorer).
        page.reload()
        page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Compare 2 runs").wait_for()
        restored = main_tab(page, f"Run {MODEL_RUN_NAME}")
        restored.get_by_role("img", name="History of accuracy").wait_for()
    except Exception:
        page.screenshot(path=f"{shots}-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {jupyter_lab.log_path}")
        raise
    finally:
        context.close()
