"""Schedule Retraining for the panel (`schedule/service.py`, `preview.py`, `existing.py`): the dialog's
choices from nb2prod's analysis, the cron preview, schedules written through the CLI's `write_schedule`
(the CLI then finds the very same files), the CLI's never-overwrite rule, and the schedules of a folder
listed with their last runs from a real MLflow server after their cron wrapper scripts ran for real."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.contract import ScheduleCreateRequest
from jupyter_mlops.core.errors import BadRequest
from jupyter_mlops.retraining.schedule.existing import read_folder
from jupyter_mlops.retraining.schedule.preview import meaning
from jupyter_mlops.retraining.schedule.service import (
    DEFAULT_CRON,
    create_schedule,
    list_schedules,
    preview,
    schedule_options,
)
from tests.support.mlflow_server import MlflowServer
from tests.support.tagged_notebooks import CONVERTIBLE, write_tagged_notebook

MONDAY_3AM_UTC = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
STORE = "http://127.0.0.1:5999"  # baked into files only; these tests never reach it


def write(root: Path, relative: str) -> Path:
    return write_tagged_notebook(root / relative, CONVERTIBLE)


def create(root: Path, notebook: str, *, store: str = STORE, **fields: object) -> object:
    folder = str(fields.pop("folder", "schedules"))
    body = ScheduleCreateRequest(notebook=notebook, folder=folder, **fields)  # type: ignore[arg-type]
    return create_schedule(
        root / notebook,
        body,
        root=root,
        folder_file=root / folder,
        folder=folder,
        experiment_name=notebook,
        tracking_uri=store,
    )


def test_preview_words_the_expression_and_lists_the_next_runs_in_the_engines_zone() -> None:
    weekly = meaning("0 3 * * 1", "prefect", 3, start=datetime(2026, 11, 29, 12, tzinfo=timezone.utc))
    assert weekly.description == "At 03:00, only on Monday"
    assert weekly.timezone == "UTC"
    week_ms = 7 * 24 * 3600 * 1000
    first = round(MONDAY_3AM_UTC.timestamp() * 1000)
    assert weekly.next_runs == [first, first + week_ms, first + 2 * week_ms]
    answer = preview("*/15 9-17 * * 1-5", "airflow", 2)
    assert (answer.valid, answer.description) == (
        True,
        "Every 15 minutes, between 09:00 and 17:59, Monday through Friday",
    )
    assert len(answer.next_runs) == 2 and answer.next_runs[0] < answer.next_runs[1]


def test_preview_of_a_bad_expression_is_an_answer_with_the_clis_message() -> None:
    answer = preview("0 25 * * 1")
    assert (answer.valid, answer.next_runs, answer.description) == (False, [], None)
    assert answer.error == (
        "'0 25 * * 1' is not a valid cron expression "
        '(five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1")'
    )
    with pytest.raises(BadRequest, match="engine 'kubernetes': choose one of cron, prefect, airflow"):
        preview("0 3 * * 1", "kubernetes")


def test_options_come_from_the_notebooks_tagged_cells(tmp_path: Path) -> None:
    notebook = write(tmp_path, "work/Daily Score.ipynb")
    options = schedule_options(notebook, "work/Daily Score.ipynb", "work/Daily Score.ipynb")
    assert [(p.name, p.type, p.default) for p in options.parameters] == [
        ("alpha", "float", "0.5"),
        ("repeats", "int", "3"),
    ]
    assert options.metrics == ["score", "duration_seconds"]
    assert (options.default_engine, options.default_cron, options.default_folder) == (
        "cron",
        DEFAULT_CRON,
        "schedules",
    )
    assert options.default_name == "Daily_Score"
    assert [engine.name for engine in options.engines][:3] == ["cron", "prefect", "airflow"]
    assert options.has_model is False


def test_defaults_write_a_weekly_cron_schedule_the_cli_finds_identical(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "daily.ipynb")
    written = create(root, "daily.ipynb")
    assert (written.engine, written.cron, written.name) == ("cron", "0 3 * * 1", "daily")
    assert written.description == "At 03:00, only on Monday"
    assert written.files == ["schedules/daily.sh", "schedules/daily.crontab"]
    script = root / "schedules" / "daily.sh"
    assert written.crontab_line == f"0 3 * * 1 {script} # jupyter-mlops:{script}"
    assert written.lines[0] == "wrote schedules/daily.sh"
    assert f"--experiment daily.ipynb --tracking-uri {STORE}" in script.read_text()
    assert written.install_step == written.cli_command + " --install"
    before = {path.name: path.read_bytes() for path in (root / "schedules").iterdir()}

    # The CLI command the dialog shows writes the very same files: nothing changes, exit 0.
    completed = subprocess.run(written.cli_command, shell=True, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert {path.name: path.read_bytes() for path in (root / "schedules").iterdir()} == before


def test_never_overwrites_and_bad_input_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "daily.ipynb")
    create(root, "daily.ipynb")
    before = {path.name: path.read_bytes() for path in (root / "schedules").iterdir()}
    with pytest.raises(BadRequest) as refused:
        create(root, "daily.ipynb", cron="0 4 * * *")
    assert refused.value.message == (
        "schedules/daily.sh, schedules/daily.crontab already exist with other content; "
        "nothing was written (use --force to replace)"
    )
    with pytest.raises(BadRequest, match="parameter 'repeats' expects an int"):
        create(root, "daily.ipynb", name="other", parameters={"repeats": "many"})
    with pytest.raises(BadRequest, match="unknown parameter 'beta'; valid parameters: alpha, repeats"):
        create(root, "daily.ipynb", name="other", parameters={"beta": "1"})
    with pytest.raises(BadRequest, match="--promote ALIAS needs --register NAME"):
        create(root, "daily.ipynb", name="other", promote="champion")
    with pytest.raises(BadRequest, match="not a valid cron expression"):
        create(root, "daily.ipynb", name="other", cron="every monday")
    assert {path.name: path.read_bytes() for path in (root / "schedules").iterdir()} == before


def test_prefect_and_airflow_schedules_are_read_back_with_their_cron(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "daily.ipynb")
    create(
        root,
        "daily.ipynb",
        engine="prefect",
        cron="30 6 * * *",
        register="daily",
        promote="champion",
        metric="score",
    )
    airflow = create(root, "daily.ipynb", engine="airflow", cron="0 0 1 * *", name="monthly")
    assert airflow.files == ["schedules/monthly_dag.py"]
    assert airflow.install_step.startswith("copy it into your Airflow dags folder")
    (root / "schedules" / "notes.sh").write_text("#!/bin/sh\necho not a schedule\n")
    found = read_folder(root / "schedules")
    assert [(s.name, s.engine, s.cron) for s in found.schedules] == [
        ("daily", "prefect", "30 6 * * *"),
        ("monthly", "airflow", "0 0 1 * *"),
    ]
    prefect = found.schedules[0]
    assert prefect.option("--promote") == "champion" and prefect.target == str(
        (root / "daily.ipynb").resolve()
    )
    assert found.problems == []


def test_listing_shows_each_schedules_last_runs_from_mlflow_failed_ones_with_their_cell(
    tmp_path: Path, mlflow_server: MlflowServer
) -> None:
    root = tmp_path / "root"
    write(root, "good.ipynb")
    create(root, "good.ipynb", store=mlflow_server.uri)
    # the same notebook on another schedule, with other parameters: score = total / 0 fails
    create(root, "good.ipynb", store=mlflow_server.uri, name="broken", parameters={"repeats": "0"})
    for name in ("good", "broken"):  # what cron runs, run now: the wrapper script
        subprocess.run(["sh", str(root / "schedules" / f"{name}.sh")], check=False, timeout=600)

    calls: list[str] = []

    class CountingClient(MlflowClient):  # the real client, counting its round trips
        def search_runs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append("search_runs")
            return super().search_runs(*args, **kwargs)

        def get_experiment_by_name(self, name):  # type: ignore[no-untyped-def]
            calls.append("get_experiment_by_name")
            return super().get_experiment_by_name(name)

    listed = list_schedules(
        CountingClient(mlflow_server.uri),
        root / "schedules",
        root=root,
        folder="schedules",
        tracking_uri=mlflow_server.uri,
        ui_url=mlflow_server.uri,
    )
    assert sorted(calls) == ["get_experiment_by_name", "search_runs"]  # however many schedules
    by_name = {summary.name: summary for summary in listed.schedules}
    assert sorted(by_name) == ["broken", "good"]
    good, broken = by_name["good"], by_name["broken"]
    assert (good.experiment_name, good.target, good.cron) == ("good.ipynb", "good.ipynb", "0 3 * * 1")
    assert [run.status for run in good.runs] == ["FINISHED"]
    assert good.runs[0].error is None
    artifact = good.runs[0].executed_notebook
    artifacts = MlflowClient(mlflow_server.uri).list_artifacts(good.runs[0].run_id, "executed_notebook")
    assert [entry.path for entry in artifacts] == [artifact]
    assert artifact.startswith("executed_notebook/good-") and artifact.endswith(".ipynb")
    assert good.runs[0].notebook_url == (
        f"{mlflow_server.uri}/#/experiments/{good.experiment_id}/runs/{good.runs[0].run_id}/artifactPath/{artifact}"
    )
    assert (broken.target, broken.experiment_name) == ("good.ipynb", "good.ipynb")
    assert [run.status for run in broken.runs] == ["FAILED"]  # each schedule shows its own runs
    assert broken.runs[0].error == "cell 4: ZeroDivisionError: float division by zero"
    assert broken.note is None and listed.problems == []
