"""`jupyter-mlops schedule --target cron`: wrapper script, crontab line, real `crontab` and `flock`."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.retraining.schedule import files as schedule_files
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
    changed_args = ["schedule", IRIS_NOTEBOOK, "--cron", "30 2 * * *", "-o", tmp_path, "--name", "iris"]
    refused = cli(*changed_args, "--install")
    assert refused.exit_code == 2 and "use --force to replace" in refused.output
    changed = cli(*changed_args, "--install", "--force")
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


def test_a_changed_schedule_is_refused_without_force(cli, tmp_path: Path) -> None:
    args = ["schedule", IRIS_NOTEBOOK, "-o", tmp_path, "--name", "iris"]
    assert cli(*args, "--cron", "0 3 * * 1").exit_code == 0
    assert cli(*args, "--cron", "0 3 * * 1").exit_code == 0, "the same schedule again changes nothing"
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    refused = cli(*args, "--cron", "30 2 * * *")
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"jupyter-mlops: {tmp_path / 'iris.sh'}, {tmp_path / 'iris.crontab'} already exist with other "
        "content; nothing was written (use --force to replace)"
    )
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert cli(*args, "--cron", "30 2 * * *", "--force").exit_code == 0
    assert (tmp_path / "iris.crontab").read_text().startswith("30 2 * * * ")


HOSTILE_FOLDER = "nb\ntouch PWNED1\n$(touch PWNED2)`touch PWNED3`'\"; touch PWNED4 #%"

STUB_CLI = """
import json, os, sys
with open(os.environ["STUB_RECORD"], "a", encoding="utf-8") as record:
    record.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def stubbed_run_environment(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment where `python -m jupyter_mlops.cli` is a stub recording its arguments (PYTHONPATH)."""
    stub = tmp_path / "stub" / "jupyter_mlops"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    (stub / "cli.py").write_text(STUB_CLI)
    record = tmp_path / "record.jsonl"
    return {**os.environ, "PYTHONPATH": str(stub.parent), "STUB_RECORD": str(record)}, record


def test_the_wrapper_runs_only_the_run_command_whatever_the_notebook_path(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook path with line breaks, quotes, `$(...)`, backticks and `%` reaches `run` as one argument."""
    monkeypatch.chdir(tmp_path)  # the wrapper runs from here: the stub, not this checkout, is imported
    folder = tmp_path / HOSTILE_FOLDER
    folder.mkdir()
    notebook = folder / "iris.ipynb"
    shutil.copy(IRIS_NOTEBOOK, notebook)
    experiment = "x'; touch PWNED5 #\n$(touch PWNED6)"
    out = tmp_path / "schedule"
    result = cli("schedule", notebook, "--cron", "0 3 * * 1", "-o", out, "--experiment", experiment)
    assert result.exit_code == 0, result.output
    environment, record = stubbed_run_environment(tmp_path)
    completed = subprocess.run(
        [str(out / "iris.sh")], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, (out / "iris.log").read_text()
    [arguments] = [json.loads(line) for line in record.read_text().splitlines()]
    assert arguments[:2] == ["run", str(notebook)]
    assert arguments[arguments.index("--experiment") + 1] == experiment
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("PWNED")) == []
    assert sorted(path.name for path in folder.iterdir()) == ["iris.ipynb"]


def test_percent_is_escaped_in_the_crontab_line(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """crontab(5): an unescaped `%` ends the command; applying that rule to the line runs the script."""
    monkeypatch.chdir(tmp_path)  # the wrapper runs from here: the stub, not this checkout, is imported
    out = tmp_path / "100%sure"
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", out, "--name", "iris")
    assert result.exit_code == 0, result.output
    script = out / "iris.sh"
    line = (out / "iris.crontab").read_text().rstrip("\n")
    assert line == f"0 3 * * 1 {tmp_path}/100\\%sure/iris.sh # jupyter-mlops:{tmp_path}/100\\%sure/iris.sh"
    command = line.split(" ", 5)[5]
    assert re.search(r"(?<!\\)%", command) is None, "an unescaped % would cut the command"
    as_cron_runs_it = command.replace("\\%", "%")
    environment, record = stubbed_run_environment(tmp_path)
    completed = subprocess.run(
        ["sh", "-c", as_cron_runs_it],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(record.read_text())[:2] == ["run", str(IRIS_NOTEBOOK.resolve())]
    assert script.exists()


@needs_crontab
def test_percent_in_the_path_survives_install_and_uninstall(
    cli, tmp_path: Path, restored_crontab: None
) -> None:
    out = tmp_path / "50%"
    args = ["schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", out, "--name", "iris"]
    assert cli(*args, "--install").exit_code == 0
    assert crontab_lines()[-1] == (out / "iris.crontab").read_text().rstrip("\n")
    assert cli(*args, "--uninstall").exit_code == 0
    assert all("50\\%" not in line for line in crontab_lines())


def test_a_script_path_with_a_line_break_is_refused_for_cron(cli, tmp_path: Path) -> None:
    out = tmp_path / "two\nlines"
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", out, "--name", "iris")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"jupyter-mlops: {str(out / 'iris.sh')!r} contains a line break, which a crontab line cannot hold; "
        "choose another -o"
    )
    assert not (out / "iris.sh").exists()


def test_output_under_a_file_is_one_line(cli, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", a_file / "schedule")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"jupyter-mlops: cannot create the schedule folder {a_file / 'schedule'}: Not a directory"
    )
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", "/proc/jupyter-mlops-schedule")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "jupyter-mlops: cannot create the schedule folder /proc/jupyter-mlops-schedule: "
        "No such file or directory"
    )


def test_ctrl_c_before_the_files_are_moved_in_changes_nothing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["schedule", IRIS_NOTEBOOK, "-o", tmp_path, "--name", "iris"]
    assert cli(*args, "--cron", "0 3 * * 1").exit_code == 0
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    real_staged_copy = schedule_files._staged_copy
    staged: list[Path] = []

    def stage_then_interrupt(path: Path, text: str, *, executable: bool) -> Path:
        if staged:
            raise KeyboardInterrupt
        staged.append(real_staged_copy(path, text, executable=executable))
        return staged[-1]

    monkeypatch.setattr(schedule_files, "_staged_copy", stage_then_interrupt)
    result = cli(*args, "--cron", "30 2 * * *", "--force")
    assert result.exit_code == 130
    assert result.output.strip() == "jupyter-mlops: interrupted; no schedule file was changed"
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_ctrl_c_while_the_files_are_moved_in_finishes_them_first(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SIGINT between two renames: both files are the new schedule's, then exit 130."""
    real_replace = os.replace

    def replace_and_interrupt(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        signal.raise_signal(signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(schedule_files.os, "replace", replace_and_interrupt)
    result = cli("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", tmp_path, "--name", "iris")
    assert result.exit_code == 130
    assert result.output.strip() == "jupyter-mlops: interrupted after the schedule files were written"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["iris.crontab", "iris.sh"]
    assert (tmp_path / "iris.crontab").read_text().startswith("0 3 * * 1 ")
    assert (tmp_path / "iris.sh").read_text().endswith("exit $status\n")
