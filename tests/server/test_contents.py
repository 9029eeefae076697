"""The server reads notebooks through Jupyter's contents manager, never from disk by itself: a contents
manager whose root is not the server's root_dir, the synchronous FileContentsManager, and notebook metadata
of the wrong shape (a clear 400, never a 500). Real jupyter_server, real MLflow server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.slow
CONTENTS_MANAGERS = {
    "async-large-file": "jupyter_server.services.contents.largefilemanager.AsyncLargeFileManager",
    "sync-file": "jupyter_server.services.contents.filemanager.FileContentsManager",
}


def write_notebook(path: Path, metadata: Any = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    if metadata is not None:
        notebook.metadata["jupyter_mlops"] = metadata
    nbformat.write(notebook, str(path))


async def resolve(jp_fetch: Any, notebook: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    """GET (resolve) or POST (create) the notebook's experiment; status and JSON body."""
    kwargs: dict[str, Any] = {"method": method}
    if method == "GET":
        kwargs["params"] = {"notebook": notebook}
    else:
        kwargs["body"] = json.dumps({"notebook": notebook})
    try:
        response = await jp_fetch("jupyter-mlops", "experiment", **kwargs)
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


@pytest.fixture(params=sorted(CONTENTS_MANAGERS))
def contents_root(request: pytest.FixtureRequest, store_target: Any, tmp_path: Path) -> Path:
    """The next server's contents manager serves a folder that is not ServerApp.root_dir (request before
    jp_fetch); returns that folder."""
    folder = tmp_path / "contents-root"
    folder.mkdir()
    store_target.server_settings["ServerApp"] = {"contents_manager_class": CONTENTS_MANAGERS[request.param]}
    store_target.server_settings["FileContentsManager"] = {"root_dir": str(folder)}
    return folder


async def test_notebooks_are_read_through_the_contents_manager(
    contents_root: Path, jp_fetch: Any, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    assert Path(jp_serverapp.contents_manager.root_dir) == contents_root != jp_root_dir
    write_notebook(contents_root / "served" / "train.ipynb", {"experiment": "team/served"})
    write_notebook(jp_root_dir / "on-disk-only" / "train.ipynb")
    assert await resolve(jp_fetch, "served/train.ipynb") == (
        200,
        {"notebook": "served/train.ipynb", "experiment_name": "team/served", "experiment": None},
    )
    write_notebook(contents_root / "plain" / "model.ipynb")
    status, created = await resolve(jp_fetch, "plain/model.ipynb", method="POST")
    assert (status, created["experiment"]["name"]) == (200, "plain/model.ipynb")
    status, error = await resolve(jp_fetch, "on-disk-only/train.ipynb")
    assert (status, error["message"]) == (
        404,
        "Notebook 'on-disk-only/train.ipynb' does not exist under the Jupyter root.",
    )
    status, error = await resolve(jp_fetch, "served")
    assert (status, error["code"]) == (404, "not_found")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_metadata_of_the_wrong_shape_is_a_400(method: str, jp_fetch: Any, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir / "bad" / "oops.ipynb", "oops")
    status, error = await resolve(jp_fetch, "bad/oops.ipynb", method)
    assert (status, error["code"]) == (400, "bad_request")
    assert error["message"] == (
        "Notebook 'bad/oops.ipynb': metadata 'jupyter_mlops' must be an object like "
        '{"jupyter_mlops": {"experiment": "team/name"}}; got \'oops\'.'
    )
    write_notebook(jp_root_dir / "bad" / "number.ipynb", {"experiment": 5})
    status, error = await resolve(jp_fetch, "bad/number.ipynb", method)
    assert (status, error["message"]) == (
        400,
        "Notebook 'bad/number.ipynb': metadata jupyter_mlops.experiment must be a string (the experiment "
        "name); got 5.",
    )


async def test_a_notebook_that_is_not_json_is_named_by_its_path(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    assert await resolve(jp_fetch, "broken.ipynb") == (
        200,
        {"notebook": "broken.ipynb", "experiment_name": "broken.ipynb", "experiment": None},
    )
