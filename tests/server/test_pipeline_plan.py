"""The step graph endpoint through a real jupyter_server: POST convert/plan runs nb2prod's planning on the
cells the editor sends (unsaved edits included) and answers the step graph, or nb2prod's own messages at
the cells whose tags are misspelled or conflicting. It writes nothing; the store stays unused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mlops.server.handlers import READ_REFUSED
from tests.server.authorizers import NoMLOpsAuthorizer
from tests.server.conftest import StoreTarget
from tests.support.tagged_notebooks import CONVERTIBLE, CellSpec, write_tagged_notebook


@pytest.fixture
def store_target() -> StoreTarget:
    """The extension's default store (SQLite in the root): planning never touches MLflow."""
    return StoreTarget("")


def cells_of(specs: list[CellSpec]) -> list[dict[str, Any]]:
    """The body's cells, as the editor sends them."""
    return [{"cell_type": "code", "source": source, "tags": list(tags)} for source, *tags in specs]


async def plan(jp_fetch: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST convert/plan; the status and JSON answer (errors included)."""
    try:
        response = await jp_fetch("jupyter-mlops", "convert", "plan", method="POST", body=json.dumps(body))
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def test_plan_answers_the_step_graph_of_the_unsaved_cells(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "work" / "daily.ipynb", [("x = 1",)])  # the file is not read
    specs = [*CONVERTIBLE[:4], ("extra = total * 2", "step:report", "prev:load"), *CONVERTIBLE[4:]]

    status, answer = await plan(jp_fetch, {"notebook": "work/daily.ipynb", "cells": cells_of(specs)})

    assert status == 200, answer
    assert (answer["planned"], answer["issues"], answer["parameters"]) == (True, [], ["alpha", "repeats"])
    graph = {step["name"]: (step["cells"], step["after"]) for step in answer["steps"]}
    assert graph == {
        "load": ([2], []),
        "train": ([3], [{"step": "load", "names": ["values"], "prev": False}]),
        "report": (
            [4],
            [
                {"step": "train", "names": ["total"], "prev": False},
                {"step": "load", "names": [], "prev": True},
            ],
        ),
        "compute_metrics": ([5], [{"step": "train", "names": ["total"], "prev": False}]),
    }
    assert "total" in answer["variables"]
    assert sorted(path.name for path in (jp_root_dir / "work").iterdir()) == ["daily.ipynb"]


async def test_misspelled_and_conflicting_tags_are_flagged_at_their_cells(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "daily.ipynb", CONVERTIBLE)
    specs = list(CONVERTIBLE)
    specs[3] = ("total = math.fsum(values)", "setp:train")
    specs[5] = ("assert score >= 0", "test", "metrics")

    status, answer = await plan(jp_fetch, {"notebook": "daily.ipynb", "cells": cells_of(specs)})

    assert status == 200, answer
    assert (answer["planned"], answer["steps"]) == (False, [])
    assert [(issue["cell_index"], issue["tag"], issue["message"]) for issue in answer["issues"]] == [
        (3, "setp:train", "cell 3 (tag setp:train): unknown tag 'setp:train'; did you mean 'step:train'?"),
        (5, "metrics", "cell 5 (tag metrics): conflicting tags test and metrics: a cell has one role"),
    ]


async def test_a_refusal_beyond_the_tags_is_the_one_issue(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_tagged_notebook(jp_root_dir / "daily.ipynb", CONVERTIBLE)
    specs = [*CONVERTIBLE[:3], ("total = math.fsum(valuez)", "step:train"), *CONVERTIBLE[4:]]

    status, answer = await plan(jp_fetch, {"notebook": "daily.ipynb", "cells": cells_of(specs)})

    assert status == 200, answer
    [issue] = answer["issues"]
    assert (issue["kind"], issue["cell_index"], issue["line"]) == ("HiddenStateError", 3, 1)
    assert "valuez" in issue["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"notebook": "../outside.ipynb", "cells": []}, 400),
        ({"notebook": "/etc/passwd", "cells": []}, 400),
        ({"notebook": "missing.ipynb", "cells": []}, 404),
        ({"notebook": "daily.ipynb", "cells": [{"cell_type": "code", "source": "x = 1"}]}, 400),
        ({"notebook": "daily.ipynb", "cells": [{"cell_type": "code", "source": "", "tags": "step:a"}]}, 400),
        ({"notebook": "daily.ipynb", "cells": "nope"}, 400),
    ],
)
async def test_bad_requests_are_refused(
    jp_fetch: Any, jp_root_dir: Path, body: dict[str, Any], status: int
) -> None:
    write_tagged_notebook(jp_root_dir / "daily.ipynb", CONVERTIBLE)

    answer_status, answer = await plan(jp_fetch, body)

    assert answer_status == status, answer
    assert answer["message"]


@pytest.fixture
def no_mlops(store_target: StoreTarget) -> None:
    store_target.server_settings["ServerApp"] = {"authorizer_class": NoMLOpsAuthorizer}


async def test_a_user_without_mlops_read_may_not_plan(
    no_mlops: None, jp_fetch: Any, jp_root_dir: Path
) -> None:
    write_tagged_notebook(jp_root_dir / "daily.ipynb", CONVERTIBLE)

    status, answer = await plan(jp_fetch, {"notebook": "daily.ipynb", "cells": cells_of(CONVERTIBLE)})

    assert (status, answer["code"], answer["message"]) == (403, "permission_denied", READ_REFUSED)
