"""The panel inside a real JupyterHub: two users, the proxy, Hub auth, and MLflow permissions per Hub user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.support.basic_auth import ADMIN, seed_guarded_model, signed_in_as, start_basic_auth_server
from tests.support.hub import PROXY, Hub
from tests.support.mlflow_server import MlflowServer
from tests.ui.lab import open_mlops_panel, write_example_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODEL = "hub-model"
ALICE = ("alice", "alice-mlflow-password-1234")  # MANAGE on the model
BOB = ("bob", "bob-mlflow-password-1234")  # the default READ
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    from mlflow.server.auth.client import AuthServiceClient

    server = start_basic_auth_server(tmp_path_factory.mktemp("mlflow-hub"))
    with signed_in_as(ADMIN):
        auth = AuthServiceClient(server.uri)
        auth.create_user(*ALICE)
        auth.create_user(*BOB)
    seed_guarded_model(server.uri, MODEL, versions=2)
    with signed_in_as(ADMIN):
        AuthServiceClient(server.uri).grant_user_permission(ALICE[0], "registered_model", MODEL, "MANAGE")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hub(mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A Hub whose users file maps alice by password and bob by a variable of the Hub's environment."""
    if not PROXY.exists():
        pytest.fail(f"{PROXY} is missing: run `make engines` (configurable-http-proxy from npm).")
    state = tmp_path_factory.mktemp("hub")
    users_file = state / "mlflow-users.yaml"
    users_file.write_text(
        "users:\n"
        f"  alice: {{mlflow_user: alice, password: {ALICE[1]}}}\n"
        "  bob: {mlflow_user: bob, password_env: BOB_MLFLOW_PASSWORD}\n"
    )
    users_file.chmod(0o600)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOB_MLFLOW_PASSWORD", BOB[1])
        hub = Hub(state, mlflow_server.uri, users_file, users=("alice", "bob"))
        for user in hub.users:
            hub.home(user).mkdir(parents=True, exist_ok=True)
            write_example_notebook(hub.home(user) / "model.ipynb")
        hub.start()
    yield hub
    hub.stop()


def log_in(browser, hub: Hub, user: str):  # type: ignore[no-untyped-def]
    """A fresh browser context logged in to the Hub as `user`, on its notebook (the server spawned)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(hub.password)
    page.locator("#login_submit").click()
    page.wait_for_url(f"{hub.url}/user/{user}/**", timeout=TIMEOUT_MS)
    page.goto(f"{hub.url}/user/{user}/lab/tree/model.ipynb")
    open_mlops_panel(page)
    return context, page


def open_model(page):  # type: ignore[no-untyped-def]
    panel = page.locator("#jupyter-mlops-panel")
    panel.get_by_role("tab", name="Registry").click()
    panel.get_by_role("button", name=MODEL, exact=True).click()
    return panel


def aliases(server: MlflowServer) -> dict[str, str]:
    with signed_in_as(ADMIN):
        return dict(MlflowClient(server.uri).get_registered_model(MODEL).aliases)


def test_bob_reads_but_cannot_promote_through_the_hub(
    browser, hub: Hub, mlflow_server: MlflowServer, screenshot_dir: Path
) -> None:
    context, page = log_in(browser, hub, "bob")
    try:
        panel = open_model(page)
        panel.get_by_text("Your MLflow permission on this model: READ.").wait_for()
        promote = panel.get_by_role("button", name="Promote version 2 to staging")
        assert promote.is_disabled()
        assert BOB[1] not in page.content()
        page.screenshot(path=screenshot_dir / "hub-bob-registry.png")
    finally:
        context.close()
    assert "staging" not in aliases(mlflow_server)


def test_alice_promotes_through_the_hub_as_her_mlflow_user(
    browser, hub: Hub, mlflow_server: MlflowServer, screenshot_dir: Path
) -> None:
    context, page = log_in(browser, hub, "alice")
    try:
        panel = open_model(page)
        panel.get_by_text("Your MLflow permission on this model: MANAGE.").wait_for()
        panel.get_by_role("button", name="Promote version 2 to staging").click()
        confirm = page.get_by_role("dialog").filter(has_text=f"Promote {MODEL} version 2?")
        confirm.get_by_role("button", name="Set staging").click()
        panel.get_by_role("button", name="Remove alias staging from version 2").wait_for()
        assert ALICE[1] not in page.content()
        page.screenshot(path=screenshot_dir / "hub-alice-registry.png")
    finally:
        context.close()
    assert aliases(mlflow_server)["staging"] == "2"

    context, page = log_in(browser, hub, "bob")  # alice's server runs now: bob is refused at its door
    try:
        answer = page.goto(f"{hub.url}/user/alice/jupyter-mlops/runs?notebook=model.ipynb")
        assert answer is not None and answer.status == 403
    finally:
        context.close()
