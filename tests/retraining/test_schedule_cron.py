"""`jupyter-mlops schedule --target cron`: wrapper script, crontab line, real `crontab` and `flock`."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.retraining.conftest import IRIS_NOTEBOOK

needs_crontab = pytest.mark.skipif(
    shutil.which("crontab") is None, reason="the cron package (crontab) is not installed"
)


@pytest.fixture
def restored_crontab() -> Iterator[None]:
    """Let a test edit this user's crontab; put the original back afterwards."""
    before = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    try:
        yield
    finally:
        if before.returncode == 0:
            subprocess.run(["crontab", "-"], input=before.stdout, text=True, check=True)
        else:
            subprocess.run(["crontab", "-r"], capture_output=True, check=False)


def crontab_lines() -> list[str]:
    listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    return listed.stdout.splitlines() if listed.returncode == 0 else []


def test_writes_wrapper_script_and_crontab_line(cli, tmp_path: Path) -> None:
    out = tmp_path / "schedule"
    result = cli(
        "schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", out, "-p", "C", "0.5", "--name", "iris"
    )
    assert result.exit_code == 0, result.output
    script = out / "iris.sh"
    assert script.stat().st_mode & 0o111
    text = script.read_text()
    assert "flock --nonblock --conflict-exit-code 75" in text
    assert f"-m jupyter_mlops.cli run {IRIS_NOTEBOOK.resolve()} -p C 0.5 --tracking-uri" in text
    line = (out / "iris.crontab").read_text().strip()
    assert line == f"0 3 * * 1 {script} # jupyter-mlops:{script}"
    assert line in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "0 25 * * 1"], "--cron '0 25 * * 1' is not a valid cron expression (five fields"),
        (["--cron", "every monday"], "--cron 'every monday' is not a valid cron expression"),
        (["--cron", "0 3 * * 1", "-p", "C", "high"], "parameter 'C' expects a float, got 'high'"),
        (
            ["--cron", "0 3 * * 1", "--target", "prefect", "--install"],
            "--install/--uninstall edit your crontab",
        ),
        (["--cron", "0 3 * * 1", "--promote", "champion"], "--promote ALIAS needs --register NAME"),
    ],
)
def test_bad_schedule_input_exits_2_and_writes_nothing(
    cli, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "schedule"
    result = cli("schedule", IRIS_NOTEBOOK, "-o", out, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_unknown_engine_is_refused_listing_the_choices(cli, tmp_path: Path) -> None:
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "--target", "k8s", "-o", tmp_path)
    assert result.exit_code == 2
    assert "'k8s' is not one of 'cron', 'prefect', 'airflow'" in result.output


@needs_crontab
def test_install_is_idempotent_and_uninstall_removes_only_ours(
    cli, tmp_path: Path, restored_crontab: None
) -> None:
    subprocess.run(
        ["crontab", "-"], input="15 4 * * * /bin/true # someone else's job\n", text=True, check=True
    )
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", tmp_path, "--name", "iris"]
    first = cli(*args, "--install")
    assert first.exit_code == 0 and "installed in your crontab" in first.output
    again = cli(*args, "--install")
    assert again.exit_code == 0 and "already in your crontab (unchanged)" in again.output
    changed = cli(
        "schedule", IRIS_NOTEBOOK, "--cron", "30 2 * * *", "-o", tmp_path, "--name", "iris", "--install"
    )
    assert changed.exit_code == 0 and "installed in your crontab" in changed.output
    script = tmp_path / "iris.sh"
    assert crontab_lines() == [
        "15 4 * * * /bin/true # someone else's job",
        f"30 2 * * * {script} # jupyter-mlops:{script}",
    ]
    removed = cli(*args, "--uninstall")
    assert removed.exit_code == 0 and f"removed {script} from your crontab" in removed.output
    assert crontab_lines() == ["15 4 * * * /bin/true # someone else's job"]
    assert "was not in your crontab" in cli(*args, "--uninstall").output


@pytest.mark.slow
def test_wrapper_script_runs_the_notebook_and_skips_while_locked(
    tracking_uri: str, cli, tmp_path: Path
) -> None:
    experiment = f"cron-{tmp_path.name}"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", tmp_path, "--name", "iris"]
    assert cli(*args, "--experiment", experiment).exit_code == 0
    script, log = tmp_path / "iris.sh", tmp_path / "iris.log"
    with (tmp_path / "iris.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        skipped = subprocess.run([str(script)], capture_output=True, text=True, timeout=60, check=False)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert skipped.returncode == 75
    assert "previous run of iris still holds" in log.read_text()
    completed = subprocess.run([str(script)], capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, log.read_text()
    assert "FINISHED" in log.read_text()
    found = MlflowClient(tracking_uri).get_experiment_by_name(experiment)
    runs = MlflowClient(tracking_uri).search_runs([found.experiment_id])
    assert [run.info.status for run in runs] == ["FINISHED"]
