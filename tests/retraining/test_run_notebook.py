"""`jupyter-mlops run NOTEBOOK` against a real MLflow server and real kernels."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.experiments import experiment_name_for
from jupyter_mlops.retraining.target import file_sha256
from tests.retraining.conftest import IRIS_NOTEBOOK, assert_signed_model, code_cell, iris_cells

pytestmark = pytest.mark.slow


def only_run(client: MlflowClient, experiment: str):  # type: ignore[no-untyped-def]
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r}"
    runs = client.search_runs([found.experiment_id])
    assert len(runs) == 1
    return runs[0]


def run_expecting_failure(cli, tracking_uri: str, path: Path, experiment: str):  # type: ignore[no-untyped-def]
    """`jupyter-mlops run PATH` into `experiment`: exit code 1 and its one run FAILED; (result, run)."""
    result = cli("run", path, "--experiment", experiment)
    assert result.exit_code == 1, result.output
    run = only_run(MlflowClient(tracking_uri), experiment)
    assert run.info.status == "FAILED"
    return result, run


def test_run_logs_params_metrics_model_notebook_and_provenance(
    tracking_uri: str, cli, tmp_path: Path
) -> None:
    experiment = f"retraining-run-{tmp_path.name}"
    result = cli("run", IRIS_NOTEBOOK, "-p", "C", "0.5", "--experiment", experiment)
    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri)
    run = only_run(client, experiment)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"C": "0.5", "max_iter": "200", "test_size": "0.3", "seed": "0"}
    assert set(run.data.metrics) == {"accuracy", "f1_macro", "duration_seconds"}
    assert 0.9 < run.data.metrics["accuracy"] <= 1.0
    tags = run.data.tags
    assert tags["jupyter_mlops.source_sha256"] == file_sha256(IRIS_NOTEBOOK)
    assert len(tags["mlflow.source.git.commit"]) == 40
    assert tags["mlflow.source.name"] == str(IRIS_NOTEBOOK.resolve())
    assert float(tags["jupyter_mlops.duration_seconds"]) > 0
    artifacts = [item.path for item in client.list_artifacts(run.info.run_id, "executed_notebook")]
    assert len(artifacts) == 1 and artifacts[0].endswith(".ipynb")
    local = Path(client.download_artifacts(run.info.run_id, artifacts[0], str(tmp_path)))
    executed = nbformat.read(str(local), as_version=4)
    tags_per_cell = [cell.metadata.get("tags", []) for cell in executed.cells]
    assert ["injected-parameters"] in tags_per_cell
    assert tags_per_cell[-1] == ["jupyter-mlops-capture"]
    injected = next(cell for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", []))
    assert "C = 0.5" in injected.source
    models = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
    )
    assert [model.name for model in models] == ["model"]
    assert f"models:/{models[0].model_id}" in result.output
    import mlflow.sklearn

    mlflow.set_tracking_uri(tracking_uri)
    loaded = mlflow.sklearn.load_model(f"models:/{models[0].model_id}")
    assert loaded.get_params()["C"] == 0.5
    assert_signed_model(tracking_uri, run.info.experiment_id, run.info.run_id, None)


def test_default_experiment_is_the_panels_name_for_the_notebook(
    tracking_uri: str, cli, iris_copy: Path
) -> None:
    result = cli("run", iris_copy)
    assert result.exit_code == 0, result.output
    expected = experiment_name_for(iris_copy)
    assert f"experiment {expected!r}" in result.output
    assert only_run(MlflowClient(tracking_uri), expected).info.status == "FINISHED"


def test_failing_cell_marks_the_run_failed_and_keeps_the_notebook(
    tracking_uri: str, cli, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    path = make_notebook("failing.ipynb", iris_cells(extra_train="raise ValueError('bad training data')"))
    result, run = run_expecting_failure(cli, tracking_uri, path, f"retraining-fail-{tmp_path.name}")
    assert "cell 3 of failing.ipynb raised ValueError: bad training data" in result.output
    assert run.data.tags["jupyter_mlops.error.cell"] == "3"
    assert run.data.tags["jupyter_mlops.error.ename"] == "ValueError"
    assert run.data.tags["jupyter_mlops.error.evalue"] == "bad training data"
    assert [
        item.path for item in MlflowClient(tracking_uri).list_artifacts(run.info.run_id, "executed_notebook")
    ]
    kept = Path(run.data.tags["jupyter_mlops.executed_notebook"])
    assert kept.exists() and str(kept) in result.output


def test_dead_kernel_fails_the_run_with_a_message(
    tracking_uri: str, cli, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    path = make_notebook("dies.ipynb", iris_cells(extra_train="import os\nos._exit(1)"))
    result, run = run_expecting_failure(cli, tracking_uri, path, f"retraining-dead-{tmp_path.name}")
    assert "the kernel died while running cell 3 of dies.ipynb" in result.output
    assert run.data.tags["jupyter_mlops.error.ename"] == "DeadKernelError"


def test_kale_parameters_tag_gets_the_injected_values(
    tracking_uri: str, cli, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "seen.json"
    path = make_notebook(
        "kale.ipynb",
        [
            code_cell("rate = 0.1\nlabel = 'a'", "pipeline-parameters"),
            code_cell(
                f"import json\njson.dump([rate, label], open({str(out)!r}, 'w'))\nscore = rate * 2",
                "block:go",
            ),
            code_cell("score", "pipeline-metrics"),
        ],
    )
    experiment = f"retraining-kale-{tmp_path.name}"
    result = cli("run", path, "-p", "rate", "0.25", "-p", "label", "b", "--experiment", experiment)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == [0.25, "b"]
    assert only_run(MlflowClient(tracking_uri), experiment).data.metrics["score"] == 0.5


def test_metric_that_is_not_a_number_is_reported_not_logged(
    tracking_uri: str, cli, make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    path = make_notebook(
        "texty.ipynb", [code_cell("n = 3", "parameters"), code_cell("label = 'x'\nscore = n / 2", "metrics")]
    )
    experiment = f"retraining-texty-{tmp_path.name}"
    result = cli("run", path, "--experiment", experiment)
    assert result.exit_code == 0, result.output
    assert "warning: metric 'label' is a str, not a number" in result.output
    assert only_run(MlflowClient(tracking_uri), experiment).data.metrics["score"] == 1.5


def test_bad_parameter_exits_2_before_anything_is_created(tracking_uri: str, cli, tmp_path: Path) -> None:
    experiment = f"retraining-bad-{tmp_path.name}"
    result = cli("run", IRIS_NOTEBOOK, "-p", "max_iter", "many", "--experiment", experiment)
    assert result.exit_code == 2
    assert "parameter 'max_iter' expects an int, got 'many'" in result.output
    assert "Traceback" not in result.output
    assert MlflowClient(tracking_uri).get_experiment_by_name(experiment) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--promote", "champion", "--metric", "accuracy"], "--promote ALIAS needs --register NAME"),
        (["--register", "m", "--promote", "champion"], "--promote ALIAS needs --metric NAME"),
        (
            ["--register", "m", "--promote", "champion", "--metric", "roc_auc"],
            "--metric 'roc_auc' is not a metric of iris_small.ipynb; "
            "its metrics cell names: accuracy, f1_macro, duration_seconds",
        ),
    ],
)
def test_incomplete_gate_options_exit_2(tracking_uri: str, cli, args: list[str], message: str) -> None:
    result = cli("run", IRIS_NOTEBOOK, *args)
    assert result.exit_code == 2
    assert message in result.output


EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize(
    ("notebook", "parameter", "metric", "direction"),
    [
        ("iris_classifier.ipynb", ["-p", "n_estimators", "20"], "roc_auc", "--greater-is-better"),
        ("wine_quality_kale.ipynb", ["-p", "max_iter", "300"], "test_log_loss", "--lower-is-better"),
    ],
)
def test_example_notebook_is_run_gated_and_promoted_by_one_command(
    tracking_uri: str, cli, tmp_path: Path, notebook: str, parameter: list[str], metric: str, direction: str
) -> None:
    model = f"example-{tmp_path.name}"
    args = ["run", EXAMPLES / notebook, *parameter, "--experiment", model]
    result = cli(*args, "--register", model, "--promote", "production", "--metric", metric, direction)
    assert result.exit_code == 0, result.output
    assert f"{model} version 1: promoted" in result.output
    client = MlflowClient(tracking_uri)
    champion = client.get_model_version_by_alias(model, "production")
    run = client.get_run(champion.run_id)
    assert run.info.status == "FINISHED" and metric in run.data.metrics
    assert champion.tags["jupyter_mlops.gate.decision"] == "promoted"
