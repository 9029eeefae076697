"""Pure functions of the panel layer: URI scrubbing, store kinds, sampling, order_by, error mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import PERMISSION_DENIED, RESOURCE_DOES_NOT_EXIST

from jupyter_mlops.core import tracking
from jupyter_mlops.core.errors import BadRequest, Conflict, error_body
from jupyter_mlops.server.paths import resolve_in_root


@pytest.mark.parametrize(
    ("uri", "public"),
    [
        ("sqlite:////tmp/a/mlflow.db", "sqlite:////tmp/a/mlflow.db"),
        ("http://alice:pw@host:5000/x?y=1&api_token=abc", "http://host:5000/x?y=1&api_token=***"),
        (
            "postgresql://u:p@db/x?sslmode=require&password=zz",
            "postgresql://db/x?sslmode=require&password=***",
        ),
        ("databricks://profile", "databricks://profile"),
    ],
)
def test_public_uri_strips_credentials(uri: str, public: str) -> None:
    assert tracking.public_uri(uri) == public


def test_store_kinds() -> None:
    kinds = [
        tracking.store_kind(uri)
        for uri in ("sqlite:///x.db", "/p/mlruns", "https://h", "databricks", "pg://")
    ]
    assert kinds == ["sqlite", "file", "http", "databricks", "other"]


def test_sampling_keeps_ends_and_extremes() -> None:
    values: list[float | None] = [float(index % 7) for index in range(10_000)]
    values[4321] = -100.0
    values[8765] = 999.0
    keep = tracking.sample_indices(values, 100)
    assert len(keep) <= 100 and keep == sorted(set(keep))
    assert {0, 9999, 4321, 8765} <= set(keep)
    assert tracking.sample_indices([1.0, 2.0], 100) == [0, 1]


def test_order_by_splitting_respects_backticks() -> None:
    assert tracking.split_order_by("metrics.`a,b` DESC, start_time") == ["metrics.`a,b` DESC", "start_time"]
    assert tracking.split_order_by(" ") is None


def test_error_mapping() -> None:
    missing = MlflowException("Run 'x' not found", error_code=RESOURCE_DOES_NOT_EXIST)
    assert (error_body(missing, "http://h").status, error_body(missing, "http://h").code) == (
        404,
        "not_found",
    )
    denied = MlflowException("Permission denied", error_code=PERMISSION_DENIED)
    assert error_body(denied, "http://h").status == 403
    assert error_body(Conflict("taken"), "http://h").message == "taken"
    unexpected = error_body(ValueError("boom"), "http://h")
    assert (unexpected.status, unexpected.message) == (
        500,
        "Unexpected error in jupyter-mlops: ValueError: boom",
    )


def test_paths_stay_in_the_root(tmp_path: Path) -> None:
    (tmp_path / "escape").symlink_to("/etc")
    with pytest.raises(BadRequest, match="points outside the Jupyter root"):
        resolve_in_root(tmp_path, "escape/passwd")
    assert resolve_in_root(tmp_path, "a/b.ipynb") == tmp_path.resolve() / "a" / "b.ipynb"


def test_query_parsing_checks_literals_and_integers() -> None:
    from jupyter_mlops.core.contract import RunsQuery
    from jupyter_mlops.server.handlers import parse_fields

    query = parse_fields(
        RunsQuery, {"experiment_id": "3", "max_results": "50", "run_view": "all"}, "query parameter"
    )
    assert (query.experiment_id, query.max_results, query.run_view) == ("3", 50, "all")
    with pytest.raises(BadRequest) as caught:
        parse_fields(RunsQuery, {"experiment_id": "3", "run_view": "archived"}, "query parameter")
    assert (
        caught.value.message
        == "query parameter 'run_view' must be one of active, deleted, all; got 'archived'."
    )
