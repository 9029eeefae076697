"""Tagging that shows the pipeline, in real headless Chromium on a notebook the test creates (no tags):
one click per cell on the MLOps tag bar writes nb2prod's tags, the cells show their step in a coloured
gutter, the Pipeline sidebar draws nb2prod's step graph, and a misspelled tag typed in JupyterLab's own
Cell Tags box is flagged at its cell with nb2prod's message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tagged_notebooks import CONVERTIBLE, write_tagged_notebook
from tests.ui.lab import JupyterLab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000
NOTEBOOK = "fresh.ipynb"
UNTAGGED = [(source,) for source, *_tags in CONVERTIBLE]
MISSPELLED = "setp:report"
SAVE_GIVE_UP_SECONDS = 60


@pytest.fixture(params=["/", "/user/alice/"], ids=["root", "base-url"])
def tags_lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JupyterLab]:
    """A real JupyterLab on a fresh root holding one notebook whose cells have no tags yet."""
    root = tmp_path / "root"
    write_tagged_notebook(root / NOTEBOOK, UNTAGGED)
    lab = JupyterLab(
        root_dir=root,
        state_dir=tmp_path / "lab-state",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",  # tagging never touches MLflow
        base_url=request.param,
    )
    lab.state_dir.mkdir()
    lab.start()
    yield lab
    lab.stop()


def open_right_panel(page, data_id: str, panel_selector: str) -> None:  # type: ignore[no-untyped-def]
    """Click a right sidebar tab until its panel shows."""
    tab = page.locator(f'.jp-SideBar.jp-mod-right li[data-id="{data_id}"]')
    panel = page.locator(panel_selector)
    for _attempt in range(5):
        if panel.is_visible():
            return
        tab.click()
        try:
            panel.wait_for(state="visible", timeout=3_000)
        except Exception:
            continue
    panel.wait_for(state="visible", timeout=5_000)


def wait_for_saved_tags(path: Path) -> list[list[str] | None]:
    """The cells' tags in the notebook file, once a save wrote them (a safety stop, not a speed check)."""
    deadline = time.monotonic() + SAVE_GIVE_UP_SECONDS
    while True:
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except ValueError:  # read while the server writes it
            cells = []
        tags = [cell["metadata"].get("tags") for cell in cells]
        if any(tags) or time.monotonic() > deadline:
            return tags
        time.sleep(0.2)


def test_tag_with_one_click_see_steps_graph_and_a_misspelled_tag(
    browser, tags_lab: JupyterLab, screenshot_dir: Path
) -> None:
    label = "root" if tags_lab.base_url == "/" else "base-url"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(tags_lab.page_url(f"lab/tree/{NOTEBOOK}"))
        notebook = page.locator(".jp-NotebookPanel:visible")
        cells = notebook.locator(".jp-Notebook .jp-Cell")
        cells.nth(5).locator(".jp-mlops-TagBar").wait_for()

        def click_role(index: int, role: str, step: str | None = None) -> None:
            cell = cells.nth(index)
            cell.locator(".jp-InputPrompt").click()  # the cell becomes active: its tag bar buttons show
            cell.locator(f".jp-mlops-TagBar-button[data-role='{role}']").click()
            if step is not None:
                dialog = page.get_by_role("dialog")
                dialog.locator("input").fill(step)
                dialog.get_by_role("button", name="Ok").click()
            pressed = cell.locator(f".jp-mlops-TagBar-button[data-role='{role}'][aria-pressed='true']")
            pressed.wait_for()

        click_role(0, "parameters")
        click_role(1, "imports")
        click_role(2, "step", "load")
        click_role(3, "step", "train")
        click_role(4, "metrics")
        click_role(5, "test")

        # The gutter and the step name per cell.
        chips = [cells.nth(index).locator(".jp-mlops-TagBar-chip").inner_text() for index in range(6)]
        assert chips == ["parameters", "imports", "load", "train", "compute_metrics", "test"]
        steps = [cells.nth(index).get_attribute("data-mlops-step") for index in range(6)]
        assert steps == [None, None, "load", "train", "compute_metrics", None]
        colors = [
            cells.nth(index).evaluate("node => node.style.getPropertyValue('--jp-mlops-step-color')")
            for index in (2, 3, 4)
        ]
        assert len(set(colors)) == 3 and all(colors), colors
        page.screenshot(path=screenshot_dir / f"tags-{label}-1-gutter.png")

        # The same tags nb2prod reads, in the saved notebook.
        cells.nth(5).locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+s")
        saved = wait_for_saved_tags(tags_lab.root_dir / NOTEBOOK)
        assert saved == [
            ["parameters"],
            ["imports"],
            ["step:load"],
            ["step:train"],
            ["metrics"],
            ["test"],
        ]

        # nb2prod's step graph in the Pipeline sidebar: load → train (values) → compute_metrics (total).
        open_right_panel(page, "jupyter-mlops-pipeline", "#jupyter-mlops-pipeline")
        graph = page.locator("#jupyter-mlops-pipeline")
        graph.get_by_role("status").filter(has_text="3 steps").wait_for()
        nodes = graph.locator(".jp-mlops-Graph-node")
        assert nodes.evaluate_all("nodes => nodes.map(node => node.dataset.step)") == [
            "load",
            "train",
            "compute_metrics",
        ]
        edges = graph.locator(".jp-mlops-Graph-edge")
        assert edges.evaluate_all(
            "edges => edges.map(edge => [edge.dataset.from, edge.dataset.to, edge.textContent])"
        ) == [["load", "train", "values"], ["train", "compute_metrics", "total"]]
        page.screenshot(path=screenshot_dir / f"tags-{label}-2-graph.png")

        # model: pick the variable among the values the steps define.
        cells.nth(3).locator(".jp-InputPrompt").click()
        cells.nth(3).locator(".jp-mlops-TagBar-button[data-role='model']").click()
        dialog = page.get_by_role("dialog")
        options = dialog.locator("datalist option").evaluate_all("options => options.map(o => o.value)")
        assert options == ["total", "values"]
        dialog.locator("input").fill("total")
        dialog.get_by_role("button", name="Ok").click()
        assert cells.nth(3).locator(".jp-mlops-TagBar-model").inner_text() == "model: total"
        graph.get_by_role("status").filter(has_text="3 steps, model: total").wait_for()

        # A misspelled tag typed in JupyterLab's own Cell Tags box is flagged at its cell, as you type.
        cells.nth(3).locator(".jp-InputPrompt").click()
        open_right_panel(page, "jp-property-inspector", ".jp-PropertyInspector")
        inspector = page.locator(".jp-PropertyInspector")
        common = inspector.get_by_text("Common Tools")
        add_tag = inspector.locator(".jp-CellTags input[placeholder='Add Tag']")
        if not add_tag.is_visible():
            common.click()
        add_tag.locator("xpath=..").dispatch_event("mousedown")
        add_tag.fill(MISSPELLED)
        add_tag.press("Enter")
        issue = cells.nth(3).locator(".jp-mlops-TagBar-issue")
        issue.filter(has_text="did you mean").wait_for()
        assert issue.inner_text() == (
            f"⚠ cell 3 (tag {MISSPELLED}): unknown tag '{MISSPELLED}'; did you mean 'step:report'?"
        )
        for other in (0, 1, 2, 4, 5):
            assert not cells.nth(other).locator(".jp-mlops-TagBar-issue").is_visible()
        assert "jp-mlops-mod-issue" in (cells.nth(3).get_attribute("class") or "")
        page.screenshot(path=screenshot_dir / f"tags-{label}-3-misspelled.png")

        open_right_panel(page, "jupyter-mlops-pipeline", "#jupyter-mlops-pipeline")
        graph.get_by_role("status").filter(has_text="1 issue").wait_for()
        assert MISSPELLED in graph.locator(".jp-mlops-Graph-issue").inner_text()
        page.screenshot(path=screenshot_dir / f"tags-{label}-4-issue-in-graph.png")
        cells.nth(0).locator(".jp-InputPrompt").click()
        graph.get_by_role("button", name=f"Go to cell 3 ({MISSPELLED})").click()
        notebook.locator(".jp-Cell.jp-mod-active").filter(has_text="math.fsum(values)").wait_for()
    except Exception:
        page.screenshot(path=screenshot_dir / f"tags-{label}-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {tags_lab.log_path}")
        raise
    finally:
        context.close()
