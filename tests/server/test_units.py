"""Pure functions of the panel layer: URI scrubbing, store kinds, sampling, order_by, error mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import PERMISSION_DENIED, RESOURCE_DOES_NOT_EXIST

from jupyter_mlops.core import tracking
from jupyter_mlops.core.errors import BadRequest, Conflict, error_body, scrub_text
from jupyter_mlops.core.experiments import experiment_name_for
from jupyter_mlops.server.paths import api_path, checked_metadata


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


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("http://alice:s3cret@host:5000", "s3cret"),
        ("http://alice:p@ss-w0rd@host:5000/x", "ss-w0rd"),
        ("https://ghp_tokenvalue123@host/x", "ghp_tokenvalue123"),
        ("postgresql://u:pg-secret@db/x?sslmode=require", "pg-secret"),
        ("http://host/x?token=tok-123", "tok-123"),
        ("http://host/x?a=1&password=pw-123&b=2", "pw-123"),
        ("http://host/x?access_token=at-123", "at-123"),
        ("http://host/x?api_key=ak-123", "ak-123"),
        ("http://host/x?client_secret=cs-123#frag", "cs-123"),
        ("https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=AbC%2Fsig%3D", "AbC%2Fsig%3D"),
        ("s3://b/k?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeef", "deadbeef"),
        ("s3://b/k?X-Amz-Security-Token=sess-tok", "sess-tok"),
        ("mysql://db/x?user=u&pwd=hunter22", "hunter22"),
        ("API request to http://bob:bob-pw@h:5000/api/2.0/mlflow/runs/search failed", "bob-pw"),
        ("connect to 'http://h/api?auth=xyz-987' refused", "xyz-987"),
    ],
)
def test_scrub_removes_every_credential_form(text: str, secret: str) -> None:
    cleaned = scrub_text(text)
    assert secret not in cleaned
    assert "***" in cleaned or "@" not in cleaned
    assert tracking.public_uri(text) == cleaned


def test_scrub_removes_the_mlflow_secret_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "env-pass-1")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "env-token-2")
    assert scrub_text("said env-pass-1 and env-token-2") == "said *** and ***"
    body = error_body(ValueError("header Bearer env-token-2"), "http://h")
    assert "env-token-2" not in body.message


def test_scrub_keeps_what_is_no_secret() -> None:
    for text in ("sqlite:////tmp/a/mlflow.db", "http://host:5000/x?sslmode=require&y=1", "databricks://p"):
        assert scrub_text(text) == text


def test_api_paths_stay_in_the_root() -> None:
    assert api_path(" a\\b/./c.ipynb ") == "a/b/c.ipynb"
    assert api_path("a/../b.ipynb") == "b.ipynb"
    for path in ("../x.ipynb", "a/../../x.ipynb", ".."):
        with pytest.raises(BadRequest, match="points outside the Jupyter root"):
            api_path(path)
    for path in ("/etc/passwd", "a\x00b"):
        with pytest.raises(BadRequest, match="must be relative to the Jupyter root"):
            api_path(path)
    with pytest.raises(BadRequest, match="is required"):
        api_path("  ")


def test_notebook_metadata_of_the_wrong_shape_is_a_clear_error() -> None:
    with pytest.raises(BadRequest) as caught:
        checked_metadata({"jupyter_mlops": "oops"}, "a.ipynb")
    assert caught.value.message == (
        "Notebook 'a.ipynb': metadata 'jupyter_mlops' must be an object like "
        '{"jupyter_mlops": {"experiment": "team/name"}}; got \'oops\'.'
    )
    with pytest.raises(BadRequest, match=r"metadata jupyter_mlops.experiment must be a string"):
        checked_metadata({"jupyter_mlops": {"experiment": 5}}, "a.ipynb")
    assert checked_metadata({"jupyter_mlops": {"experiment": "x"}}, "a.ipynb") == {
        "jupyter_mlops": {"experiment": "x"}
    }
    assert checked_metadata(["not", "a", "dict"], "a.ipynb") == {}


@pytest.mark.parametrize("metadata", [{"jupyter_mlops": "oops"}, {"jupyter_mlops": ["x"]}, "oops", None])
def test_the_naming_rule_ignores_metadata_of_another_shape(metadata: object, tmp_path: Path) -> None:
    notebook = tmp_path / "nb" / "train.ipynb"
    assert experiment_name_for(notebook, metadata, root=tmp_path) == "nb/train.ipynb"  # type: ignore[arg-type]


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
