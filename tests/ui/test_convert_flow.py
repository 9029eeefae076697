"""Convert to Production in real headless Chromium, on notebooks the test creates: the command from the
palette → Dialog → the report in the panel → Run tests to the end; a refused notebook (from its toolbar
button) shows nb2prod's message and moves the active cell and the cursor to the cell and line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tagged_notebooks import (
    CONVERTIBLE,
    HIDDEN_STATE,
    HIDDEN_STATE_CELL,
    write_tagged_notebook,
)
from tests.ui.lab import JupyterLab, run_from_palette

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000
TESTS_TIMEOUT_MS = 600_000  # the generated tests start a kernel for parity: slow on a loaded machine
CURSOR_LINE = """() => {
  const anchor = window.getSelection()?.anchorNode;
  const element = anchor && (anchor.nodeType === Node.TEXT_NODE ? anchor.parentElement : anchor);
  const line = element?.closest?.('.cm-line');
  return line ? line.textContent : null;
}"""


@pytest.fixture(params=["/", "/user/alice/"], ids=["root", "base-url"])
def convert_lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JupyterLab]:
    """A real JupyterLab on a fresh root holding one convertible and one refused notebook."""
    root = tmp_path / "root"
    write_tagged_notebook(root / "daily.ipynb", CONVERTIBLE)
    write_tagged_notebook(root / "hidden.ipynb", HIDDEN_STATE)
    lab = JupyterLab(
        root_dir=root,
        state_dir=tmp_path / "lab-state",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",  # the conversion never touches MLflow
        base_url=request.param,
    )
    lab.state_dir.mkdir()
    lab.start()
    yield lab
    lab.stop()


def test_convert_report_tests_and_refusal(browser, convert_lab: JupyterLab, screenshot_dir: Path) -> None:
    label = "root" if convert_lab.base_url == "/" else "base-url"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(convert_lab.page_url("lab/tree/daily.ipynb"))
        page.locator(".jp-NotebookPanel .jp-Cell").nth(5).wait_for()

        # Palette → Dialog prefilled with the folder next to the notebook → the report in the panel.
        run_from_palette(page, "Convert to Production…")
        dialog = page.get_by_role("dialog")
        output = dialog.get_by_role("textbox", name="Output folder")
        assert output.input_value() == "daily_prod"
        assert not dialog.get_by_role("checkbox", name="Force").is_checked()
        page.screenshot(path=screenshot_dir / f"convert-{label}-1-dialog.png")
        dialog.get_by_role("button", name="Convert").click()

        panel = page.locator("#jupyter-mlops-panel")
        panel.get_by_text("Package daily written to daily_prod.").wait_for()
        steps = panel.get_by_role("table", name="Steps")
        rows = [re.sub(r"\s+", " ", text).strip() for text in steps.locator("tbody tr").all_inner_texts()]
        assert rows == [
            "load 2 alpha, repeats → values",
            "train 3 values → total",
            "compute_metrics (metrics) 4 repeats, total → score",
        ]
        assert (convert_lab.root_dir / "daily_prod" / "daily" / "steps.py").is_file()
        page.screenshot(path=screenshot_dir / f"convert-{label}-2-report.png")

        # Run tests: live output, then the result from pytest's counts.
        panel.get_by_role("button", name="Run tests").click()
        result = panel.get_by_role("status").filter(has_text="Tests passed")
        result.wait_for(timeout=TESTS_TIMEOUT_MS)
        assert "5 passed, 0 failed, 0 errors, 0 skipped" in result.inner_text()
        log = panel.get_by_label("Test output").inner_text()
        assert "PASSED tests/test_daily_parity.py" in log
        page.screenshot(path=screenshot_dir / f"convert-{label}-3-tests.png")

        # A refused notebook, converted from its toolbar button: message, then the cell and line.
        page.goto(convert_lab.page_url("lab/tree/hidden.ipynb") + "&reset")  # only this notebook open
        notebook = page.locator(".jp-NotebookPanel:visible").filter(has_text="valuez")
        notebook.locator(".jp-Cell").nth(5).wait_for()
        notebook.locator("[data-jp-item-name='jupyter-mlops-convert'] button").click()
        dialog = page.get_by_role("dialog")
        assert dialog.get_by_role("textbox", name="Output folder").input_value() == "hidden_prod"
        dialog.get_by_role("button", name="Convert").click()

        refusal = page.locator("#jupyter-mlops-panel").get_by_role("alert", name="Refusal")
        refusal.wait_for()
        assert "HiddenStateError" in refusal.inner_text()
        assert "cell 3 (tag step:train), line 2:" in refusal.inner_text()
        assert "'valuez'" in refusal.inner_text()
        active = notebook.locator(".jp-Cell.jp-mod-active")
        active.filter(has_text="valuez").wait_for()
        cells = notebook.locator(".jp-Cell")
        assert "jp-mod-active" in (cells.nth(HIDDEN_STATE_CELL).get_attribute("class") or "")
        page.wait_for_function(f"({CURSOR_LINE})()?.includes('valuez')")
        assert page.evaluate(CURSOR_LINE) == "total = math.fsum(valuez) + offset"
        assert not (convert_lab.root_dir / "hidden_prod").exists()
        page.screenshot(path=screenshot_dir / f"convert-{label}-4-refusal.png")
    except Exception:
        page.screenshot(path=screenshot_dir / f"convert-{label}-failure.png")
        print(f"screenshots in {screenshot_dir}; lab log {convert_lab.log_path}")
        raise
    finally:
        context.close()
