"""Feast, for real: the example builds a local Feast repository, nb2prod converts it, runs record the feature
service, views and entity frame, and the gate reports a feature view that changed since the champion.

Feast pins pandas < 3, so the pipeline, its tests and `jupyter-mlops run` use `.venv-feast` (`make engines`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from mlflow import MlflowClient

from converters.cli import main as nb2prod

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FEAST_PYTHON = ROOT / ".venv-feast" / "bin" / "python"
EXAMPLE = ROOT / "examples" / "feast" / "feast_churn.ipynb"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example converted by nb2prod next to a copy of the notebook (where the Feast repo is created)."""
    if not FEAST_PYTHON.exists():
        pytest.fail(f"{FEAST_PYTHON} is missing: run `make engines` (Feast's own venv).")
    work = tmp_path_factory.mktemp("feast")
    shutil.copy(EXAMPLE, work / EXAMPLE.name)
    assert nb2prod([str(work / EXAMPLE.name), "-o", str(work / "pkg"), "-q"]) == 0
    return work / "pkg"


def in_feast_venv(
    arguments: list[str], cwd: Path, store: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MLFLOW_TRACKING_URI": store}
    environment.pop("PYTHONPATH", None)  # .venv-feast finds the repository through its own .pth file
    return subprocess.run(
        [str(FEAST_PYTHON), *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_pipeline_run_records_its_features_and_entity_frame(package: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"

    done = in_feast_venv(["-m", "feast_churn"], package, store)

    assert done.returncode == 0, done.stderr[-3000:]
    client = MlflowClient(store)
    (run,) = client.search_runs([client.get_experiment_by_name("feast_churn.ipynb").experiment_id])
    tags = run.data.tags
    assert tags["jupyter_mlops.feast.project"] == "churn"
    assert tags["jupyter_mlops.feast.feature_service"] == "churn_model"
    assert tags["jupyter_mlops.feast.features"] == (
        "customer_stats:tenure_months,customer_stats:monthly_charges,customer_stats:support_calls"
    )
    assert len(tags["jupyter_mlops.feast.view.customer_stats"]) == 16
    (entity_input,) = [item for item in run.inputs.dataset_inputs if item.dataset.name == "feast-entity-df"]
    assert entity_input.dataset.digest
    assert {tag.key: tag.value for tag in entity_input.tags}["mlflow.data.context"] == "training"


def test_the_generated_tests_pass_with_parity(package: Path, tmp_path: Path) -> None:
    done = in_feast_venv(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", str(package)],
        package,
        f"sqlite:///{tmp_path / 'm.db'}",
    )

    assert done.returncode == 0, done.stdout[-4000:]


def test_the_gate_reports_a_feature_view_changed_since_the_champion(package: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    gate = ["--register", "churn", "--promote", "champion", "--metric", "accuracy"]

    first = in_feast_venv(["-m", "jupyter_mlops.cli", "run", str(package), *gate], package, store)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "changed since champion" not in first.stdout + first.stderr
    second = in_feast_venv(
        ["-m", "jupyter_mlops.cli", "run", str(package), "-p", "ttl_days", "60", *gate], package, store
    )

    assert second.returncode == 0, second.stderr[-3000:]
    output = second.stdout + second.stderr
    assert "feature view 'customer_stats' changed since champion version 1 was trained" in output
    version = MlflowClient(store).get_model_version("churn", "2")
    assert version.tags["jupyter_mlops.gate.feature_changes"] == (
        "feature view 'customer_stats' changed since champion version 1 was trained"
    )
