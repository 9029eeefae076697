"""`nb2prod --ci github|gitlab`: the CI file validates against the official schemas (check-jsonschema's
vendored copies of SchemaStore's GitHub workflow schema and GitLab's CI schema), and its steps run here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "iris_classifier.ipynb"
WORKFLOW = ".github/workflows/nb2prod-iris_classifier.yml"
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding the example notebook in nb/; the current directory."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "nb").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "nb" / NOTEBOOK.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(checker), "--builtin-schema", schema, str(path)], capture_output=True, text=True, check=False
    )


def shell(line: str, variables: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one CI shell line as a runner would: bash, the CI variables in the environment, at the root."""
    environment = {**os.environ, **variables, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", line], cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def test_github_workflow_validates_and_its_steps_run_here(
    repository: Path, run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from mlflow import MlflowClient

    code, _, err = run_cli("nb/iris_classifier.ipynb", "-o", "pkg", "--ci", "github", "-q")
    assert code == 0, err
    workflow_file = repository / "pkg" / WORKFLOW
    assert validate(workflow_file, "vendor.github-workflows").returncode == 0

    workflow = yaml.safe_load(workflow_file.read_text())
    assert workflow["on"]["schedule"] == [{"cron": "0 3 * * 1"}]
    assert (
        workflow["env"]["PACKAGE_DIR"] == "pkg" and workflow["env"]["NOTEBOOK"] == "nb/iris_classifier.ipynb"
    )
    store = tmp_path_factory.mktemp("ci-store") / "mlflow.db"
    secrets = {"MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
    for job, extra in (("test", {}), ("retrain", secrets)):
        steps = workflow["jobs"][job]["steps"]
        assert [step["uses"] for step in steps if "uses" in step] == [
            "actions/checkout@v4",
            "actions/setup-python@v5",
        ]  # GitHub-hosted actions: here the checkout is the repository and Python is this venv's
        for step in steps:
            if "run" in step:
                done = shell(step["run"], {**workflow["env"], **extra}, repository)
                assert done.returncode == 0, (
                    f"{job} / {step['name']}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )

    champion = MlflowClient(f"sqlite:///{store}").get_model_version_by_alias("iris_classifier", "champion")
    assert str(champion.version) == "1"


def test_gitlab_pipeline_validates_and_runs_the_same_lines(repository: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli(
        "nb/iris_classifier.ipynb",
        "-o",
        "pkg",
        "--ci",
        "gitlab",
        "--ci-metric",
        "accuracy",
        "--ci-cron",
        "0 4 * * *",
    )
    assert code == 0, err
    pipeline_file = repository / "pkg" / ".gitlab-ci.yml"
    assert validate(pipeline_file, "vendor.gitlab-ci").returncode == 0
    assert "include: [{local: pkg/.gitlab-ci.yml}]" in out  # the report says how the root file uses it

    pipeline = yaml.safe_load(pipeline_file.read_text())
    test_job, retrain_job = pipeline["nb2prod-test"], pipeline["nb2prod-retrain"]
    assert retrain_job["rules"][0] == {"if": '$CI_PIPELINE_SOURCE == "schedule"'}
    check_line = test_job["script"][2]
    assert check_line.endswith("--ci gitlab --ci-metric accuracy --ci-cron '0 4 * * *'")
    done = shell(check_line, pipeline["variables"], repository)  # the package is up to date: exit 0
    assert done.returncode == 0, done.stderr
    (repository / "pkg" / ".gitlab-ci.yml").write_text(pipeline_file.read_text() + "# edited\n")
    assert shell(check_line, pipeline["variables"], repository).returncode == 1  # and a change is caught


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--ci", "github", "--ci-metric", "f1"],
            "--ci-metric 'f1' is not a metric of the notebook; its metrics: accuracy",
        ),
        (
            ["--ci", "gitlab", "--ci-cron", "every monday"],
            "--ci-cron 'every monday' is not a five-field cron expression",
        ),
        (
            ["--ci-metric", "accuracy"],
            "--ci-metric, --ci-lower-is-better and --ci-cron go with --ci github|gitlab",
        ),
    ],
)
def test_bad_ci_options_are_one_line_exit_2_and_nothing_written(
    repository: Path, run_cli: RunCli, arguments: list[str], message: str
) -> None:
    code, _, err = run_cli("nb/iris_classifier.ipynb", "-o", "pkg", *arguments)

    assert code == 2
    assert message in err
    assert not (repository / "pkg").exists()


def test_a_notebook_outside_the_repository_is_refused(
    repository: Path, run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / NOTEBOOK.name
    shutil.copy(NOTEBOOK, elsewhere)

    code, _, err = run_cli(elsewhere, "-o", "pkg", "--ci", "github")

    assert code == 2
    assert f"--ci: the notebook {elsewhere} is outside the repository {repository.resolve()}" in err
    assert not (repository / "pkg").exists()
