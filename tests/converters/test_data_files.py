"""Working directory and data files: the package runs where the notebook ran, lists the files it reads or
writes, and logs the files it reads as dataset inputs of every run (real package, real local MLflow store)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from converters.cli import main
from converters.data_files import find_data_files, read_paths
from tests.converters.conftest import write_notebook

CELLS = [
    ("import pandas as pd\nimport numpy as np",),
    ("factor = 2", "parameters"),
    ("frame = pd.read_csv('data/train.csv')\nweights = np.load('data/weights.npy')", "step:load"),
    (
        "total = float((frame['x'] * factor).sum() + weights.sum())\n"
        "frame.to_csv('scaled.csv')\nwith open('notes.txt', 'w') as handle:\n    handle.write(str(total))",
        "step:train",
    ),
    ("total", "metrics"),
]


def test_finds_relative_paths_passed_as_literals() -> None:
    found = find_data_files(
        [
            (
                0,
                "df = pd.read_csv('data/a.csv')\nnp.load(\"/abs/b.npy\")\nopen(f'{x}.txt')\nopen('s3://b/c')",
            ),
            (1, "with open('out.txt', 'w') as h:\n    pass\njoblib.dump(model, filename='m.joblib')"),
            (2, "open('out.txt')\nopen('log.txt', mode='a+')\ndf.to_parquet(path='p.parquet')"),
        ]
    )
    assert [(f.path, f.access, f.cell, f.function) for f in found] == [
        ("data/a.csv", "read", 0, "read_csv"),
        ("out.txt", "write", 1, "open"),
        ("m.joblib", "write", 1, "dump"),
        ("out.txt", "read", 2, "open"),
        ("log.txt", "read+write", 2, "open"),
        ("p.parquet", "write", 2, "to_parquet"),
    ]
    assert read_paths(found) == ("data/a.csv", "log.txt")  # out.txt is written before it is read


def user_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MLFLOW_", "NB2PROD_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(notebook folder with data/, package folder elsewhere)."""
    root = tmp_path_factory.mktemp("workdir")
    folder = root / "analysis"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train.csv").write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-c", "import numpy; numpy.save('data/weights.npy', numpy.arange(3.0))"],
        cwd=folder,
        check=True,
    )
    notebook = write_notebook(folder / "reads_data.ipynb", CELLS)
    out_dir = root / "packages" / "reads_data"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    return folder, out_dir


def run_in(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=user_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_report_lists_the_files_and_the_package_records_the_folder(project: tuple[Path, Path]) -> None:
    _, out_dir = project
    report = (out_dir / "CONVERSION_REPORT.md").read_text(encoding="utf-8")
    assert (
        "- `data/train.csv`: read in cell 2 (`read_csv`) — logged with its digest as a dataset input "
        "of every run\n" in report
    )
    assert "- `scaled.csv`: write in cell 3 (`to_csv`)\n" in report
    assert "- `notes.txt`: write in cell 3 (`open`)\n" in report
    pipeline = (out_dir / "reads_data" / "pipeline.py").read_text(encoding="utf-8")
    assert (
        "WORKDIR: str = '../../../analysis'" in pipeline or 'WORKDIR: str = "../../../analysis"' in pipeline
    )


def test_generated_tests_pass_from_the_package_folder(project: tuple[Path, Path]) -> None:
    _, out_dir = project
    completed = run_in(out_dir, "-m", "pytest", str(out_dir), "-q", "-p", "no:cacheprovider")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def test_runs_log_the_files_read_as_dataset_inputs(project: tuple[Path, Path], tmp_path: Path) -> None:
    folder, out_dir = project
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    completed = run_in(out_dir, "-m", "reads_data", MLFLOW_TRACKING_URI=uri)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (folder / "notes.txt").read_text() == "11.0"  # written where the notebook ran
    assert not (out_dir / "notes.txt").exists()
    run = MlflowClient(uri).get_run(completed.stdout.strip().splitlines()[-1])
    inputs = {item.dataset.name: item for item in run.inputs.dataset_inputs}
    assert sorted(inputs) == ["data/train.csv", "data/weights.npy"]
    train = inputs["data/train.csv"]
    assert train.dataset.source_type == "local"
    assert json.loads(train.dataset.source)["uri"].endswith("analysis/data/train.csv")
    assert json.loads(train.dataset.schema)["mlflow_colspec"][0]["name"] == "x"  # a pandas dataset
    tags = {tag.key: tag.value for tag in train.tags}
    assert tags["nb2prod.sha256"] == hashlib.sha256((folder / "data" / "train.csv").read_bytes()).hexdigest()
    weights_tags = {tag.key: tag.value for tag in inputs["data/weights.npy"].tags}
    assert inputs["data/weights.npy"].dataset.digest == weights_tags["nb2prod.sha256"][:16]


def test_workdir_option_and_variable_override_the_folder(project: tuple[Path, Path], tmp_path: Path) -> None:
    folder, out_dir = project
    elsewhere = tmp_path / "other"
    (elsewhere / "data").mkdir(parents=True)
    (elsewhere / "data" / "train.csv").write_text("x,y\n10,0\n", encoding="utf-8")
    (elsewhere / "data" / "weights.npy").write_bytes((folder / "data" / "weights.npy").read_bytes())
    by_option = run_in(out_dir, "-m", "reads_data", "--no-mlflow", "--workdir", str(elsewhere))
    assert by_option.returncode == 0, by_option.stderr[-3000:]
    assert json.loads(by_option.stdout) == {"total": 23.0}
    by_variable = run_in(out_dir, "-m", "reads_data", "--no-mlflow", NB2PROD_WORKDIR=str(elsewhere))
    assert json.loads(by_variable.stdout) == {"total": 23.0}
    missing = run_in(out_dir, "-m", "reads_data", "--no-mlflow", "--workdir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1].endswith("nowhere' is not an existing folder")
