"""Convert to Production through a real jupyter_server: POST convert runs nb2prod into a folder under the
Jupyter root (the report, or the refusal with its cell and line), and POST/GET convert/tests runs the
generated tests in a subprocess to the end. No MLflow server is needed: the store stays unused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server.handlers import WRITE_REFUSED
from tests.server.authorizers import ReadOnlyAuthorizer
from tests.server.conftest import StoreTarget
from tests.support.tagged_notebooks import (
    CONVERTIBLE,
    HIDDEN_STATE,
    HIDDEN_STATE_CELL,
    HIDDEN_STATE_LINE,
    write_tagged_notebook,
)

JOB_POLL_SECONDS = 0.5
JOB_GIVE_UP_SECONDS = 600  # a safety stop for a hung subprocess, not a speed requirement


@pytest.fixture
def store_target() -> StoreTarget:
    """The extension's default store (SQLite in the root): these endpoints never touch MLflow."""
    return StoreTarget("")


async def post(jp_fetch: Any, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST a JSON body; the status and JSON answer (errors included)."""
    try:
        response = await jp_fetch("jupyter-mlops", *path.split("/"), method="POST", body=json.dumps(body))
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def get_job(jp_fetch: Any, job_id: str, since: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"job_id": job_id}
    if since is not None:
        params["since"] = since
    response = await jp_fetch("jupyter-mlops", "convert", "tests", method="GET", params=params)
    return json.loads(response.body)


async def test_convert_writes_the_package_next_to_the_notebook_and_reports_it(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "work" / "Daily Score.ipynb", CONVERTIBLE)

    status, answer = await post(jp_fetch, "convert", {"notebook": "work/Daily Score.ipynb"})

    assert status == 200, answer
    assert (answer["converted"], answer["refusal"], answer["output"]) == (True, None, "work/Daily Score_prod")
    report = answer["report"]
    assert report["package"] == "daily_score"
    assert [(step["name"], step["cells"], step["inputs"], step["outputs"]) for step in report["steps"]] == [
        ("load", [2], ["alpha", "repeats"], ["values"]),
        ("train", [3], ["values"], ["total"]),
        ("compute_metrics", [4], ["repeats", "total"], ["score"]),
    ]
    assert report["parameters"] == [
        {"name": "alpha", "type": "float", "default": "0.5"},
        {"name": "repeats", "type": "int", "default": "3"},
    ]
    assert report["report_path"] == "work/Daily Score_prod/CONVERSION_REPORT.md"
    written = jp_root_dir / "work" / "Daily Score_prod"
    on_disk = sorted(path.relative_to(written).as_posix() for path in written.rglob("*") if path.is_file())
    assert on_disk == report["files"]
    assert "daily_score/steps.py" in on_disk


async def test_refusal_names_the_cell_tag_and_line_and_writes_nothing(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "hidden.ipynb", HIDDEN_STATE)

    status, answer = await post(jp_fetch, "convert", {"notebook": "hidden.ipynb", "output": "out/hidden"})

    assert status == 200, answer
    assert (answer["converted"], answer["report"]) == (False, None)
    refusal = answer["refusal"]
    assert (refusal["kind"], refusal["cell_index"], refusal["tag"], refusal["line"]) == (
        "HiddenStateError",
        HIDDEN_STATE_CELL,
        "step:train",
        HIDDEN_STATE_LINE,
    )
    assert refusal["message"].startswith(
        f"cell {HIDDEN_STATE_CELL} (tag step:train), line {HIDDEN_STATE_LINE}:"
    )
    assert "'valuez'" in refusal["message"]
    assert not (jp_root_dir / "out").exists()


async def test_existing_output_is_refused_without_force_and_updated_with_it(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "again.ipynb", CONVERTIBLE)
    assert (await post(jp_fetch, "convert", {"notebook": "again.ipynb"}))[1]["converted"] is True

    status, answer = await post(jp_fetch, "convert", {"notebook": "again.ipynb"})
    assert status == 200
    refusal = answer["refusal"]
    assert (refusal["kind"], refusal["cell_index"]) == ("OutputError", None)
    assert str(jp_root_dir) not in refusal["message"]
    assert "again_prod already exists" in refusal["message"]

    status, answer = await post(jp_fetch, "convert", {"notebook": "again.ipynb", "force": True})
    assert (status, answer["converted"]) == (200, True)


@pytest.mark.parametrize("output", ["../elsewhere", "/tmp/elsewhere", "sub/../../elsewhere", "."])
async def test_output_outside_the_root_is_refused(jp_fetch: Any, jp_root_dir: Path, output: str) -> None:
    write_tagged_notebook(jp_root_dir / "confined.ipynb", CONVERTIBLE)

    status, answer = await post(jp_fetch, "convert", {"notebook": "confined.ipynb", "output": output})

    assert (status, answer["code"]) == (400, "bad_request"), answer
    assert "Output path" in answer["message"]
    assert not (jp_root_dir.parent / "elsewhere").exists()


async def test_output_through_a_symlink_out_of_the_root_is_refused(
    jp_fetch: Any, jp_root_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (jp_root_dir / "escape").symlink_to(outside, target_is_directory=True)
    write_tagged_notebook(jp_root_dir / "linked.ipynb", CONVERTIBLE)

    status, answer = await post(jp_fetch, "convert", {"notebook": "linked.ipynb", "output": "escape/pkg"})

    assert (status, answer["code"]) == (400, "bad_request"), answer
    assert list(outside.iterdir()) == []


async def test_missing_notebook_and_bad_force_are_client_errors(jp_fetch: Any) -> None:
    status, answer = await post(jp_fetch, "convert", {"notebook": "nowhere.ipynb"})
    assert (status, answer["code"]) == (404, "not_found")
    status, answer = await post(jp_fetch, "convert", {"notebook": "nowhere.ipynb", "force": "yes"})
    assert (status, answer["code"]) == (400, "bad_request")
    assert "'force' must be true or false" in answer["message"]


@pytest.fixture
def read_only(store_target: StoreTarget) -> None:
    store_target.server_settings["ServerApp"] = {"authorizer_class": ReadOnlyAuthorizer}


async def test_read_only_user_may_neither_convert_nor_run_tests(
    read_only: None, jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "guarded.ipynb", CONVERTIBLE)

    for path, body in (
        ("convert", {"notebook": "guarded.ipynb"}),
        ("convert/tests", {"output": "guarded_prod"}),
    ):
        status, answer = await post(jp_fetch, path, body)
        assert (status, answer["code"], answer["message"]) == (403, "permission_denied", WRITE_REFUSED)
    assert not (jp_root_dir / "guarded_prod").exists()


async def test_tests_of_a_folder_nb2prod_did_not_write_are_refused(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "plain").mkdir()
    status, answer = await post(jp_fetch, "convert/tests", {"output": "plain"})
    assert (status, answer["code"]) == (400, "bad_request")
    assert "not a package nb2prod wrote" in answer["message"]


@pytest.mark.slow
async def test_test_job_runs_the_generated_tests_to_the_end(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "scored.ipynb", CONVERTIBLE)
    assert (await post(jp_fetch, "convert", {"notebook": "scored.ipynb"}))[1]["converted"] is True

    status, started = await post(jp_fetch, "convert/tests", {"output": "scored_prod"})
    assert status == 200, started
    assert (started["status"], started["output"], started["exit_code"]) == ("running", "scored_prod", None)
    assert started["command"][1:4] == ["-m", "pytest", "-rA"]

    status, second = await post(jp_fetch, "convert/tests", {"output": "scored_prod"})
    assert (status, second["code"]) == (409, "conflict")  # one job per folder at a time

    lines: list[str] = []
    job = started
    waited = 0.0
    while job["status"] == "running" and waited < JOB_GIVE_UP_SECONDS:
        await asyncio.sleep(JOB_POLL_SECONDS)
        waited += JOB_POLL_SECONDS
        job = await get_job(jp_fetch, started["job_id"], since=len(lines))
        assert job["first_line"] == len(lines)
        lines += job["lines"]
        assert job["line_count"] == len(lines)

    assert (job["status"], job["exit_code"], job["message"]) == ("passed", 0, None), "\n".join(lines)
    assert job["counts"] == {"passed": 5, "failed": 0, "errors": 0, "skipped": 0}
    assert any("PASSED tests/test_scored_parity.py" in line for line in lines)
    assert (await get_job(jp_fetch, started["job_id"]))["lines"] == lines  # all lines without `since`


@pytest.mark.slow
async def test_failing_generated_test_ends_the_job_as_failed(jp_fetch: Any, jp_root_dir: Path) -> None:
    cells = [*CONVERTIBLE[:-1], ("assert score > 100", "test")]
    write_tagged_notebook(jp_root_dir / "strict.ipynb", cells)
    assert (await post(jp_fetch, "convert", {"notebook": "strict.ipynb"}))[1]["converted"] is True

    job = (await post(jp_fetch, "convert/tests", {"output": "strict_prod"}))[1]
    waited = 0.0
    while job["status"] == "running" and waited < JOB_GIVE_UP_SECONDS:
        await asyncio.sleep(JOB_POLL_SECONDS)
        waited += JOB_POLL_SECONDS
        job = await get_job(jp_fetch, job["job_id"])

    assert (job["status"], job["exit_code"]) == ("failed", 1)
    # the test cell fails as a generated test, and in the notebook the parity test executes
    assert job["counts"] == {"passed": 3, "failed": 2, "errors": 0, "skipped": 0}
    assert any(line.startswith("FAILED tests/test_strict_cells.py") for line in job["lines"])


async def test_unknown_job_is_not_found(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await get_job(jp_fetch, "no-such-job")
    assert caught.value.code == 404
