"""Plots become artifacts: the generated package plots headless, and what a step shows or leaves open is
logged to the MLflow run as `figures/<step>/<n>.png` (real package, real local MLflow store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from converters.cli import main
from tests.converters.conftest import write_notebook

pytestmark = pytest.mark.slow

PLOTTING_CELLS = [
    ("import matplotlib.pyplot as plt\nimport numpy as np",),
    ("scale = 2.0", "parameters"),
    (
        "xs = np.linspace(0, 1, 11)\nys = scale * xs\n"
        "fig, ax = plt.subplots()\nax.plot(xs, ys)\nplt.show(fig)",
        "step:load",
    ),
    ("plt.figure()\nplt.bar(['a', 'b'], [1, 2])\nplt.show()\nplt.figure()\nplt.scatter(xs, ys)", "step:draw"),
    ("total = float(ys.sum())\nplt.hist(ys)\nplt.title('histogram')", "step:summary"),
    ("print(total)", "step:report"),
]


def package_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no MLflow or matplotlib settings, this venv's scripts first."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MLFLOW_") and key not in ("MPLBACKEND", "DISPLAY")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def plotting_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plots")
    notebook = write_notebook(folder / "plots.ipynb", PLOTTING_CELLS)
    out_dir = folder / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    return out_dir


def run_package(out_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plots", *args],
        cwd=out_dir,
        env=package_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_shown_and_open_figures_are_logged_to_the_run(plotting_package: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    completed = run_package(plotting_package, MLFLOW_TRACKING_URI=uri)
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]
    client = MlflowClient(uri)
    logged = {
        step: sorted(entry.path for entry in client.list_artifacts(run_id, f"figures/{step}"))
        for step in ("load", "draw", "summary", "report")
    }
    assert logged == {
        "load": ["figures/load/1.png"],  # plt.show(fig): a TypeError under plain Agg
        "draw": ["figures/draw/1.png", "figures/draw/2.png"],  # one shown, one left open
        "summary": ["figures/summary/1.png"],  # left open
        "report": [],
    }
    local = Path(client.download_artifacts(run_id, "figures/draw/2.png", str(tmp_path)))
    assert local.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_no_mlflow_closes_the_figures_and_runs(plotting_package: Path) -> None:
    completed = run_package(plotting_package, "--no-mlflow")
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == {}
    assert not list(plotting_package.glob("*.png"))


def test_a_backend_the_user_chose_is_kept(plotting_package: Path) -> None:
    probe = "import plots, matplotlib\nprint(matplotlib.get_backend())"
    chosen = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=plotting_package,
        env=package_env(MPLBACKEND="svg"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert chosen.returncode == 0, chosen.stderr[-3000:]
    assert chosen.stdout.strip() == "svg"
    headless = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=plotting_package,
        env=package_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert headless.stdout.strip() == "module://plots.plot_backend"


def test_generated_tests_pass_with_plots(plotting_package: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", str(plotting_package), "-q", "-p", "no:cacheprovider"],
        cwd=plotting_package,
        env=package_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


# One step, three cells: in Jupyter each cell ends with its figures shown and closed (inline backend), so
# `plt.axes()` and `plt.gca()` each start a new figure; kept open across the cells, they would draw on `fig`.
PER_CELL_CELLS = [
    ("import matplotlib.pyplot as plt",),
    ("fig = plt.figure()\nfor k in range(2):\n    plt.plot([k, k + 1])", "step:draw"),
    ("%matplotlib inline",),
    ("ax = plt.axes()\nax.set_title('second')",),
    ("# a new figure again in the notebook\nn_axes = len(fig.axes)\nthird = plt.gca()\nthird.plot([3, 1])",),
]


def test_figures_close_where_each_cell_of_a_step_ended(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "percell.ipynb", PER_CELL_CELLS)
    out_dir = tmp_path / "out"
    assert main([str(notebook), "-o", str(out_dir), "-q"]) == 0
    steps = (out_dir / "percell" / "steps.py").read_text(encoding="utf-8")
    assert "    nb2prod_cell_end()\n    # notebook cell 3\n" in steps
    assert "    nb2prod_cell_end()\n    # notebook cell 4\n" in steps
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    completed = subprocess.run(
        [sys.executable, "-m", "percell"],
        cwd=out_dir,
        env=package_env(MLFLOW_TRACKING_URI=uri),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]
    logged = sorted(entry.path for entry in MlflowClient(uri).list_artifacts(run_id, "figures/draw"))
    assert logged == ["figures/draw/1.png", "figures/draw/2.png", "figures/draw/3.png"]  # one per cell
    parity = subprocess.run(
        [sys.executable, "-m", "pytest", str(out_dir), "-q", "-p", "no:cacheprovider", "-s"],
        cwd=out_dir,
        env=package_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert parity.returncode == 0, parity.stdout[-4000:] + parity.stderr[-2000:]
    assert "draw: equal — " in parity.stdout
