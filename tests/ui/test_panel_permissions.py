"""MLflow basic-auth, in Chromium: a READ-only user sees promote and demote disabled with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.basic_auth import ADMIN, seed_guarded_model, signed_in_as, start_basic_auth_server
from tests.support.mlflow_server import MlflowServer
from tests.ui.lab import JupyterLab, open_mlops_panel, write_example_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWER = ("viewer", "viewer-password-1234")
MODEL = "guarded-model"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real basic-auth MLflow server: a viewer (default READ), a model at @production."""
    from mlflow.server.auth.client import AuthServiceClient

    server = start_basic_auth_server(tmp_path_factory.mktemp("mlflow-basic-auth-ui"))
    with signed_in_as(ADMIN):
        AuthServiceClient(server.uri).create_user(*VIEWER)
    seed_guarded_model(server.uri, MODEL, versions=1)
    yield server
    server.stop()


def test_viewer_sees_promote_and_demote_disabled_with_the_reason(
    browser, auth_server: MlflowServer, tmp_path: Path, screenshot_dir: Path
) -> None:
    """The panel asks for permissions in advance and disables what MLflow would refuse, saying why."""
    root = tmp_path / "root"
    root.mkdir()
    write_example_notebook(root / "guarded.ipynb")
    (tmp_path / "state").mkdir()
    lab = JupyterLab(
        root_dir=root,
        state_dir=tmp_path / "state",
        tracking_uri=auth_server.uri,
        extra_env={"MLFLOW_TRACKING_USERNAME": VIEWER[0], "MLFLOW_TRACKING_PASSWORD": VIEWER[1]},
    ).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    reason = (
        f"The MLflow user this server signs in as has READ on '{MODEL}'; registering a version or setting an "
        "alias needs EDIT, removing one MANAGE."
    )
    try:
        page.goto(lab.page_url("lab/tree/guarded.ipynb"))
        open_mlops_panel(page)
        panel = page.locator("#jupyter-mlops-panel")
        panel.get_by_role("tab", name="Registry").click()
        panel.get_by_role("button", name=MODEL, exact=True).click()
        panel.get_by_text("Your MLflow permission on this model: READ.").wait_for()
        promote = panel.get_by_role("button", name="Promote version 1 to staging")
        demote = panel.get_by_role("button", name="Remove alias production from version 1")
        assert promote.is_disabled() and demote.is_disabled()
        assert promote.get_attribute("title") == reason
        assert demote.get_attribute("title") == reason
        assert VIEWER[1] not in (panel.text_content() or "")
        page.screenshot(path=screenshot_dir / "viewer-registry.png")
    finally:
        context.close()
        lab.stop()
