"""Every endpoint through a real jupyter_server (token auth, XSRF on) against a real MLflow server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient
from tornado.httpclient import HTTPClientError

from jupyter_mlops.core.experiments import experiment_name_for
from tests.server.seed import HISTORY_POINTS, SPIKE_STEP, SeededExperiment

pytestmark = pytest.mark.slow


async def get_json(jp_fetch: Any, *parts: str, **params: Any) -> Any:
    response = await jp_fetch("jupyter-mlops", *parts, params=params, method="GET")
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def error_of(jp_fetch: Any, *parts: str, method: str = "GET", body: Any = None, **params: Any) -> Any:
    kwargs: dict[str, Any] = {"method": method, "params": params}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mlops", *parts, **kwargs)
    error = json.loads(caught.value.response.body)
    assert error["status"] == caught.value.code
    assert "Traceback" not in error["message"]
    return error


async def test_config_names_the_store_and_aliases(jp_fetch: Any, mlflow_server: Any) -> None:
    config = await get_json(jp_fetch, "config")
    assert config["tracking_uri"] == mlflow_server.uri
    assert config["store_kind"] == "http"
    assert config["ui_url"] == mlflow_server.uri
    assert config["alias_names"] == ["staging", "production"]
    assert config["auth_configured"] is False


async def test_experiments_lists_the_seeded_one(jp_fetch: Any, seeded: SeededExperiment) -> None:
    page = await get_json(jp_fetch, "experiments", filter=f"name = '{seeded.experiment_name}'")
    assert [item["experiment_id"] for item in page["experiments"]] == [seeded.experiment_id]
    error = await error_of(jp_fetch, "experiments", max_results="lots")
    assert error["message"] == "query parameter 'max_results' must be an integer; got 'lots'."


async def test_notebook_experiment_resolve_then_create(jp_fetch: Any, notebook_in_root: Path) -> None:
    found = await get_json(jp_fetch, "experiment", notebook="analysis/train.ipynb")
    expected = experiment_name_for(notebook_in_root, root=notebook_in_root.parent.parent)
    assert found["experiment_name"] == expected == "analysis/train.ipynb"
    response = await jp_fetch(
        "jupyter-mlops", "experiment", method="POST", body=json.dumps({"notebook": "analysis/train.ipynb"})
    )
    created = json.loads(response.body)["experiment"]
    assert created["name"] == expected
    again = await get_json(jp_fetch, "experiment", notebook="analysis/train.ipynb")
    assert again["experiment"]["experiment_id"] == created["experiment_id"]


async def test_notebook_metadata_overrides_the_experiment_name(jp_fetch: Any, notebook_in_root: Path) -> None:
    document = json.loads(notebook_in_root.read_text())
    document["metadata"]["jupyter_mlops"] = {"experiment": "team/churn"}
    notebook_in_root.write_text(json.dumps(document))
    found = await get_json(jp_fetch, "experiment", notebook="analysis/train.ipynb")
    assert found["experiment_name"] == "team/churn"


@pytest.mark.parametrize("path", ["../../etc/passwd", "analysis/../../../etc/passwd", "/etc/passwd"])
async def test_notebook_paths_never_escape_the_root(jp_fetch: Any, path: str) -> None:
    error = await error_of(jp_fetch, "experiment", notebook=path)
    assert error["status"] == 400
    assert error["code"] == "bad_request"
    assert path in error["message"]
    assert (
        "outside the Jupyter root" in error["message"] or "relative to the Jupyter root" in error["message"]
    )


async def test_missing_notebook_is_404(jp_fetch: Any) -> None:
    error = await error_of(jp_fetch, "experiment", notebook="nowhere/missing.ipynb")
    assert error["status"] == 404
    assert error["message"] == "Notebook 'nowhere/missing.ipynb' does not exist under the Jupyter root."


async def test_runs_search_sort_and_page(jp_fetch: Any, seeded: SeededExperiment) -> None:
    first = await get_json(
        jp_fetch, "runs", experiment_id=seeded.experiment_id, order_by="metrics.accuracy DESC", max_results=2
    )
    assert [run["metrics"]["accuracy"] for run in first["runs"]] == [0.93, 0.87]
    assert first["next_page_token"]
    assert first["param_keys"] == ["alpha", "solver"]
    second = await get_json(
        jp_fetch,
        "runs",
        experiment_id=seeded.experiment_id,
        order_by="metrics.accuracy DESC",
        max_results=2,
        page_token=first["next_page_token"],
    )
    assert [run["metrics"].get("accuracy") for run in second["runs"]] == [0.81, None]
    assert second["next_page_token"] is None
    model_run = next(run for run in first["runs"] if run["run_id"] == seeded.model_run_id)
    assert model_run["model_ids"] == [seeded.model_id]
    filtered = await get_json(
        jp_fetch, "runs", experiment_id=seeded.experiment_id, filter="params.alpha = '0.9'"
    )
    assert [run["params"]["alpha"] for run in filtered["runs"]] == ["0.9"]


async def test_runs_errors_are_readable(jp_fetch: Any, seeded: SeededExperiment) -> None:
    error = await error_of(jp_fetch, "runs")
    assert error["message"] == "Query parameter 'experiment_id' is required."
    error = await error_of(jp_fetch, "runs", experiment_id=seeded.experiment_id, filter="params.alpha ==== 1")
    assert error["status"] == 400
    assert error["message"].startswith("MLflow rejected the request:")
    error = await error_of(jp_fetch, "runs", experiment_id=seeded.experiment_id, max_results=5000)
    assert error["message"] == "max_results must be between 1 and 1000; got 5000."
    error = await error_of(jp_fetch, "runs", experiment_id=seeded.experiment_id, colour="red")
    assert error["message"].startswith("Unknown query parameter 'colour'")


async def test_run_detail_finds_the_mlflow3_logged_model(jp_fetch: Any, seeded: SeededExperiment) -> None:
    detail = await get_json(jp_fetch, "runs", seeded.model_run_id)
    assert detail["run"]["params"]["alpha"] == "0.5"
    assert [model["model_id"] for model in detail["models"]] == [seeded.model_id]
    assert detail["models"][0]["model_uri"] == f"models:/{seeded.model_id}"
    assert detail["register_disabled_reason"] is None
    without = await get_json(jp_fetch, "runs", seeded.no_model_run_id)
    assert without["models"] == []
    assert without["register_disabled_reason"].startswith("This run logged no model.")


async def test_unknown_run_is_404(jp_fetch: Any) -> None:
    error = await error_of(jp_fetch, "runs", "0123456789abcdef0123456789abcdef")
    assert error["status"] == 404
    assert error["message"] == "Run '0123456789abcdef0123456789abcdef' does not exist in this MLflow store."


async def test_metric_history_is_sampled_and_keeps_the_spike(jp_fetch: Any, seeded: SeededExperiment) -> None:
    history = await get_json(
        jp_fetch, "runs", seeded.long_history_run_id, "metric-history", key="train_loss", max_points=200
    )
    assert history["total_points"] == HISTORY_POINTS
    assert history["sampled"] is True
    steps = [point["step"] for point in history["points"]]
    assert len(steps) <= 200
    assert steps[0] == 0 and steps[-1] == HISTORY_POINTS - 1 and steps == sorted(steps)
    assert SPIKE_STEP in steps
    full = await get_json(jp_fetch, "runs", seeded.model_run_id, "metric-history", key="accuracy")
    assert full["sampled"] is False and [point["value"] for point in full["points"]] == [0.93]
    error = await error_of(jp_fetch, "runs", seeded.model_run_id, "metric-history", key="f1")
    assert error["message"] == f"Run {seeded.model_run_id} has no metric 'f1'. Its metrics: accuracy, loss."


async def test_artifacts_of_a_run(jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any) -> None:
    client = MlflowClient(mlflow_server.uri)
    client.log_text(seeded.no_model_run_id, "hello", "reports/summary.txt")
    root = await get_json(jp_fetch, "runs", seeded.no_model_run_id, "artifacts")
    assert {"path": "reports", "is_dir": True, "file_size": None} in root["files"]
    folder = await get_json(jp_fetch, "runs", seeded.no_model_run_id, "artifacts", path="reports")
    assert folder["files"] == [{"path": "reports/summary.txt", "is_dir": False, "file_size": 5}]
    error = await error_of(jp_fetch, "runs", seeded.no_model_run_id, "artifacts", path="../secrets")
    assert (
        error["message"]
        == "Artifact path '../secrets' must be relative to the run's artifact root, without '..'."
    )


async def test_drift_summary_and_report_of_a_run(
    jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any, tmp_path: Path
) -> None:
    from mlflow.entities import Metric, RunTag

    client = MlflowClient(mlflow_server.uri)
    experiment_id = client.create_experiment(f"drift-view-{tmp_path.name}")
    run_id = client.create_run(experiment_id).info.run_id
    metrics = {
        "drift.share_drifted": 0.5,
        "drift.columns_drifted": 1,
        "drift.columns_total": 2,
        "drift.x1.statistic": 0.4,
        "drift.x1.p_value": 0.001,
    }
    tags = {
        "jupyter_mlops.drift.summary": "1 of 2 columns drifted (share 0.5): x1 (ks p=0.001)",
        "jupyter_mlops.drift.dataset_drift": "true",
        "jupyter_mlops.drift.reference": "churn@champion (version 1)",
        "jupyter_mlops.drift.top": '["x1"]',
        "jupyter_mlops.drift.report": "drift/report.html",
    }
    client.log_batch(
        run_id,
        metrics=[Metric(key, value, 0, 0) for key, value in metrics.items()],
        tags=[RunTag(key, value) for key, value in tags.items()],
    )
    client.log_text(run_id, "<!DOCTYPE html><h1>Data drift</h1>", "drift/report.html")
    detail = await get_json(jp_fetch, "runs", run_id)
    assert detail["drift"] == {
        "summary": tags["jupyter_mlops.drift.summary"],
        "share_drifted": 0.5,
        "columns_drifted": 1,
        "columns_total": 2,
        "dataset_drift": True,
        "reference": "churn@champion (version 1)",
        "top_features": [{"feature": "x1", "statistic": 0.4, "p_value": 0.001}],
        "report_path": "drift/report.html",
    }
    report = await get_json(jp_fetch, "runs", run_id, "drift-report")
    assert report == {
        "run_id": run_id,
        "path": "drift/report.html",
        "html": "<!DOCTYPE html><h1>Data drift</h1>",
    }
    plain = seeded.no_model_run_id
    assert (await get_json(jp_fetch, "runs", plain))["drift"] is None
    error = await error_of(jp_fetch, "runs", plain, "drift-report")
    assert error["status"] == 404
    assert error["message"] == (
        f"Run {plain} logged no drift report (it ran without a champion to compare with)."
    )


async def test_compare_lists_differences(jp_fetch: Any, seeded: SeededExperiment) -> None:
    ids = ",".join(seeded.run_ids[:3])
    compared = await get_json(jp_fetch, "compare", run_ids=ids)
    assert [run["run_id"] for run in compared["runs"]] == list(seeded.run_ids[:3])
    assert compared["differing_params"] == ["alpha"]
    assert compared["differing_metrics"] == ["accuracy", "loss"]
    error = await error_of(jp_fetch, "compare", run_ids=seeded.run_ids[0])
    assert error["message"] == "Compare needs 2 to 20 distinct run ids; got 1."


async def test_register_promote_demote(jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any) -> None:
    name = f"panel-model-{seeded.experiment_id}"
    response = await jp_fetch(
        "jupyter-mlops",
        "register",
        method="POST",
        body=json.dumps({"run_id": seeded.model_run_id, "name": name}),
    )
    registered = json.loads(response.body)
    assert registered["created_registered_model"] is True
    version = registered["version"]
    assert (version["version"], version["status"], version["model_id"]) == ("1", "READY", seeded.model_id)
    assert version["ui_url"] == f"{mlflow_server.uri}/#/models/{name}/versions/1"
    again = json.loads(
        (
            await jp_fetch(
                "jupyter-mlops",
                "register",
                method="POST",
                body=json.dumps({"run_id": seeded.model_run_id, "name": name, "model_id": seeded.model_id}),
            )
        ).body
    )
    assert (again["version"]["version"], again["created_registered_model"]) == ("2", False)

    response = await jp_fetch(
        "jupyter-mlops",
        "aliases",
        method="POST",
        body=json.dumps({"name": name, "alias": "production", "version": "1"}),
    )
    assert json.loads(response.body) == {"name": name, "aliases": {"production": "1"}}
    client = MlflowClient(mlflow_server.uri)
    assert client.get_model_version_by_alias(name, "production").version == "1"

    models = await get_json(jp_fetch, "registered-models", filter=f"name = '{name}'")
    assert [(model["name"], model["aliases"], model["latest_version"]) for model in models["models"]] == [
        (name, {"production": "1"}, "2")
    ]
    versions = await get_json(jp_fetch, "registered-models", "versions", name=name)
    assert [(item["version"], item["aliases"], item["legacy_stage"]) for item in versions["versions"]] == [
        ("2", [], None),
        ("1", ["production"], None),
    ]
    assert versions["versions"][1]["run_id"] == seeded.model_run_id

    response = await jp_fetch(
        "jupyter-mlops", "aliases", method="DELETE", params={"name": name, "alias": "production"}
    )
    assert json.loads(response.body) == {"name": name, "aliases": {}}
    error = await error_of(jp_fetch, "aliases", method="DELETE", name=name, alias="production")
    assert error["message"] == f"Registered model '{name}' has no alias 'production'. Its aliases: none."


async def test_register_errors(jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any) -> None:
    error = await error_of(
        jp_fetch, "register", method="POST", body={"run_id": seeded.no_model_run_id, "name": "no-model"}
    )
    assert error["status"] == 400
    assert error["message"].startswith(
        f"Run {seeded.no_model_run_id} cannot be registered: This run logged no model."
    )
    error = await error_of(jp_fetch, "register", method="POST", body={"run_id": seeded.model_run_id})
    assert error["message"] == "Body field 'name' is required."
    MlflowClient(mlflow_server.uri).create_registered_model(f"Churn-{seeded.experiment_id}")
    error = await error_of(
        jp_fetch,
        "register",
        method="POST",
        body={"run_id": seeded.model_run_id, "name": f"churn-{seeded.experiment_id}"},
    )
    assert error["status"] == 409
    assert error["code"] == "conflict"
    assert error["message"].startswith(
        f"A registered model named 'Churn-{seeded.experiment_id}' already exists"
    )
    error = await error_of(jp_fetch, "register", method="POST", body="not an object")
    assert error["message"] == "The request body must be a JSON object."


async def test_alias_errors(jp_fetch: Any, seeded: SeededExperiment, mlflow_server: Any) -> None:
    name = f"alias-errors-{seeded.experiment_id}"
    MlflowClient(mlflow_server.uri).create_registered_model(name)
    error = await error_of(
        jp_fetch, "aliases", method="POST", body={"name": name, "alias": "latest", "version": "1"}
    )
    assert error["message"] == (
        "Alias 'latest' is not valid: use letters, digits, '-' and '_' (not 'latest' or 'v<number>')."
    )
    error = await error_of(
        jp_fetch, "aliases", method="POST", body={"name": name, "alias": "staging", "version": "7"}
    )
    assert error["status"] == 404
    assert error["message"] == f"Registered model '{name}' has no version 7."
    error = await error_of(jp_fetch, "registered-models", "versions", name="no-such-model")
    assert error["message"] == "Registered model 'no-such-model' does not exist."


async def test_permissions_without_auth_allow_everything(jp_fetch: Any) -> None:
    answer = await get_json(jp_fetch, "permissions", name="anything")
    assert answer["auth_enabled"] is False
    assert answer["can_set_alias"] and answer["can_delete_alias"] and answer["can_register"]


@pytest.fixture
def embedded_store(store_target: Any) -> None:
    """No traitlet and no MLFLOW_TRACKING_URI: the extension's default store (request before jp_fetch)."""
    store_target.tracking_uri = ""


async def test_embedded_sqlite_store_beside_the_root(
    embedded_store: None, jp_fetch: Any, jp_root_dir: Path, notebook_in_root: Path
) -> None:
    config = await get_json(jp_fetch, "config")
    assert config["tracking_uri"] == f"sqlite:///{jp_root_dir.resolve() / 'mlflow.db'}"
    assert (config["store_kind"], config["ui_url"]) == ("sqlite", None)
    response = await jp_fetch(
        "jupyter-mlops", "experiment", method="POST", body=json.dumps({"notebook": "analysis/train.ipynb"})
    )
    experiment_id = json.loads(response.body)["experiment"]["experiment_id"]
    runs = await get_json(jp_fetch, "runs", experiment_id=experiment_id)
    assert runs == {"runs": [], "next_page_token": None, "param_keys": [], "metric_keys": []}
    assert (jp_root_dir / "mlflow.db").is_file()


async def test_embedded_store_pages_runs_with_text_tokens(
    embedded_store: None, jp_fetch: Any, jp_root_dir: Path, notebook_in_root: Path
) -> None:
    """SQL stores hand out page tokens as bytes; the endpoint must still answer JSON and page on."""
    response = await jp_fetch(
        "jupyter-mlops", "experiment", method="POST", body=json.dumps({"notebook": "analysis/train.ipynb"})
    )
    experiment_id = json.loads(response.body)["experiment"]["experiment_id"]
    client = MlflowClient(f"sqlite:///{jp_root_dir.resolve() / 'mlflow.db'}")
    for index in range(3):
        run = client.create_run(experiment_id, run_name=f"embedded-{index}")
        client.set_terminated(run.info.run_id)
    first = await get_json(jp_fetch, "runs", experiment_id=experiment_id, max_results=2)
    assert isinstance(first["next_page_token"], str)
    second = await get_json(
        jp_fetch, "runs", experiment_id=experiment_id, max_results=2, page_token=first["next_page_token"]
    )
    names = {run["run_name"] for run in first["runs"] + second["runs"]}
    assert names == {"embedded-0", "embedded-1", "embedded-2"}
    assert second["next_page_token"] is None


async def test_jupyterlab_cache_buster_is_ignored(jp_fetch: Any, seeded: SeededExperiment) -> None:
    """ServerConnection.makeRequest appends `?<timestamp>` to GETs; that is not an unknown parameter."""
    response = await jp_fetch(
        "jupyter-mlops",
        "runs",
        method="GET",
        params={"experiment_id": seeded.experiment_id, "1700000000000": ""},
    )
    assert json.loads(response.body)["runs"]
