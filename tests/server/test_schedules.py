"""Schedule Retraining through a real jupyter_server: the dialog's options, the cron preview, POST schedules
writing the CLI's files under the root (defaults: a weekly cron schedule), its refusals (overwrite, bad
input, paths outside the root, a read-only user), and GET schedules listing what the folder holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server.handlers import WRITE_REFUSED
from tests.server.authorizers import ReadOnlyAuthorizer
from tests.server.conftest import StoreTarget
from tests.support.tagged_notebooks import CONVERTIBLE, write_tagged_notebook


@pytest.fixture
def store_target() -> StoreTarget:
    """The extension's default store (SQLite in the root): no schedule runs here, so no run is listed."""
    return StoreTarget("")


async def call(
    jp_fetch: Any, path: str, *, body: dict[str, Any] | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """GET (params) or POST (JSON body) an endpoint; the status and JSON answer, errors included."""
    kwargs: dict[str, Any] = (
        {"method": "POST", "body": json.dumps(body)} if body is not None else {"params": params}
    )
    try:
        response = await jp_fetch("jupyter-mlops", *path.split("/"), **kwargs)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def test_options_and_preview(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "work" / "daily.ipynb", CONVERTIBLE)
    status, options = await call(jp_fetch, "schedules/options", notebook="work/daily.ipynb")
    assert status == 200, options
    assert options["parameters"] == [
        {"name": "alpha", "type": "float", "default": "0.5"},
        {"name": "repeats", "type": "int", "default": "3"},
    ]
    assert (options["default_cron"], options["default_folder"], options["experiment_name"]) == (
        "0 3 * * 1",
        "schedules",
        "work/daily.ipynb",
    )
    assert options["engines"][0] == {"name": "cron", "label": "cron on this machine"}

    status, answer = await call(jp_fetch, "schedules/preview", cron="0 3 * * 1", engine="prefect", count=3)
    assert (status, answer["valid"], answer["description"], answer["timezone"]) == (
        200,
        True,
        "At 03:00, only on Monday",
        "UTC",
    )
    assert len(answer["next_runs"]) == 3
    status, answer = await call(jp_fetch, "schedules/preview", cron="0 25 * * 1")
    assert (status, answer["valid"], answer["next_runs"]) == (200, False, [])
    assert answer["error"].startswith("'0 25 * * 1' is not a valid cron expression")
    status, answer = await call(jp_fetch, "schedules/options", notebook="missing.ipynb")
    assert (status, answer["code"]) == (404, "not_found")


async def test_defaults_write_a_weekly_cron_schedule_and_list_it(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "work" / "daily.ipynb", CONVERTIBLE)

    status, written = await call(jp_fetch, "schedules", body={"notebook": "work/daily.ipynb"})

    assert status == 200, written
    assert (written["engine"], written["cron"], written["name"], written["folder"]) == (
        "cron",
        "0 3 * * 1",
        "daily",
        "schedules",
    )
    assert written["files"] == ["schedules/daily.sh", "schedules/daily.crontab"]
    script = jp_root_dir.resolve() / "schedules" / "daily.sh"
    assert written["crontab_line"] == f"0 3 * * 1 {script} # jupyter-mlops:{script}"
    assert written["install_step"].endswith(" --install")
    text = script.read_text()
    assert "--experiment work/daily.ipynb --tracking-uri sqlite:///" in text
    assert f"cd {jp_root_dir.resolve()}" in text

    status, listed = await call(jp_fetch, "schedules")
    assert status == 200, listed
    [summary] = listed["schedules"]
    assert (summary["name"], summary["engine"], summary["cron"], summary["target"]) == (
        "daily",
        "cron",
        "0 3 * * 1",
        "work/daily.ipynb",
    )
    assert (summary["description"], summary["experiment_name"], summary["runs"]) == (
        "At 03:00, only on Monday",
        "work/daily.ipynb",
        [],
    )


async def test_refusals_write_nothing(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "daily.ipynb", CONVERTIBLE)
    status, _ = await call(jp_fetch, "schedules", body={"notebook": "daily.ipynb"})
    assert status == 200
    before = {path.name: path.read_bytes() for path in (jp_root_dir / "schedules").iterdir()}

    for body, message in (
        (
            {"notebook": "daily.ipynb", "cron": "0 4 * * *"},
            "schedules/daily.sh, schedules/daily.crontab already exist with other content; "
            "nothing was written (use --force to replace)",
        ),
        (
            {"notebook": "daily.ipynb", "name": "x", "parameters": {"repeats": "many"}},
            "parameter 'repeats' expects an int",
        ),
        ({"notebook": "daily.ipynb", "folder": "../elsewhere"}, "points outside the Jupyter root; refused."),
        ({"notebook": "daily.ipynb", "engine": "kubernetes"}, "--target 'kubernetes': choose one of"),
        ({"notebook": "daily.ipynb", "name": "x", "min_delta": "big"}, "min_delta must be a number"),
    ):
        status, answer = await call(jp_fetch, "schedules", body=body)
        assert (status, answer["code"]) == (400, "bad_request"), answer
        assert message in answer["message"]
    assert {path.name: path.read_bytes() for path in (jp_root_dir / "schedules").iterdir()} == before
    assert not (jp_root_dir.parent / "elsewhere").exists()


@pytest.fixture
def read_only(store_target: StoreTarget) -> None:
    store_target.server_settings["ServerApp"] = {"authorizer_class": ReadOnlyAuthorizer}


async def test_read_only_user_may_look_but_not_write_a_schedule(
    read_only: None, jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "guarded.ipynb", CONVERTIBLE)
    status, answer = await call(jp_fetch, "schedules", body={"notebook": "guarded.ipynb"})
    assert (status, answer["code"], answer["message"]) == (403, "permission_denied", WRITE_REFUSED)
    assert not (jp_root_dir / "schedules").exists()
    status, answer = await call(jp_fetch, "schedules/options", notebook="guarded.ipynb")
    assert status == 200
    status, answer = await call(jp_fetch, "schedules")
    assert (status, answer["schedules"]) == (200, [])
