"""Done-when of issue 12 items 2 and 3, with real components: a real MLflow server, real kernels, a local
HTTP webhook receiver and a local SMTP server. A champion is trained on reference data; a challenger trained
on shifted data gets a drift report, is blocked by the gate with the reason tagged, and the alert reaches
both receivers; a failing run alerts too. No secret appears in the output, tags or params."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from mlflow import MlflowClient

from tests.retraining.conftest import code_cell
from tests.support.alert_receivers import smtp_receiver, webhook_receiver

pytestmark = pytest.mark.slow

PASSWORD = "smtp-pa55word-never-shown"


def training_frame(rows: int, shift: float, seed: int) -> pd.DataFrame:
    """Two numeric features, one categorical, a label; `shift` moves the features and the colours."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, rows)
    x2 = rng.normal(shift * 0.5, 1.0 + shift, rows)
    colours = ["red", "green", "blue"] if shift == 0 else ["blue", "blue", "purple"]
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "colour": rng.choice(colours, rows),
            "label": (x1 + x2 > shift * 1.5).astype(int),
        }
    )


def drift_notebook(make_notebook: Callable[..., Path]) -> Path:
    return make_notebook(
        "churn.ipynb",
        [
            code_cell(
                "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                "from sklearn.metrics import accuracy_score\n"
                "from sklearn.model_selection import train_test_split",
                "imports",
            ),
            code_cell("seed = 0", "parameters"),
            code_cell(
                'frame = pd.read_csv("train.csv")\n'
                'X_train, X_test, y_train, y_test = train_test_split(frame[["x1", "x2"]], frame["label"], '
                "test_size=0.3, random_state=seed)",
                "step:load",
            ),
            code_cell("clf = LogisticRegression().fit(X_train, y_train)", "step:train", "model:clf"),
            code_cell('{"accuracy": accuracy_score(y_test, clf.predict(X_test))}', "metrics"),
        ],
    )


def everything_logged(client: MlflowClient, run_id: str) -> str:
    """Params, tags and metric keys of a run, as one text to search for secrets."""
    run = client.get_run(run_id)
    return json.dumps([run.data.params, run.data.tags, sorted(run.data.metrics)])


def test_shifted_data_is_reported_blocks_promotion_and_alerts(
    tracking_uri: str,
    make_notebook: Callable[..., Path],
    cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notebook = drift_notebook(make_notebook)
    data = notebook.parent / "train.csv"
    training_frame(400, 0.0, seed=1).to_csv(data, index=False)
    name = f"churn-{tmp_path.name}"
    gate = ["--register", name, "--promote", "champion", "--metric", "accuracy", "--block-on-drift"]
    client = MlflowClient(tracking_uri)
    with webhook_receiver() as hook, smtp_receiver("mlops-bot", PASSWORD) as smtp:
        config = tmp_path / "config" / "jupyter-mlops" / "alerts.yaml"
        config.parent.mkdir(parents=True)
        config.write_text(
            f"email:\n  host: {smtp.host}\n  port: {smtp.port}\n  starttls: false\n  username: mlops-bot\n"
            "  password_env: TEST_SMTP_PASSWORD\n  from: mlops@example.com\n  to: [ops@example.com]\n"
        )
        monkeypatch.delenv("JUPYTER_MLOPS_ALERTS_CONFIG")  # conftest points it nowhere; XDG is tested here
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_WEBHOOK_URL", hook.url)

        champion = cli("run", notebook, "--tracking-uri", tracking_uri, *gate)
        assert champion.exit_code == 0, champion.output
        assert "reference profile: train.csv" in champion.output
        assert f"{name} version 1: promoted" in champion.output
        assert hook.posts == [] and smtp.messages == []  # nothing to alert about
        first_run = client.get_model_version(name, "1").run_id
        profile = {entry.path for entry in client.list_artifacts(first_run, "drift")}
        assert profile == {"drift/profile.json", "drift/reference"}

        training_frame(400, 2.0, seed=2).to_csv(data, index=False)  # next week's data has moved
        challenger = cli("run", notebook, "--tracking-uri", tracking_uri, *gate)
        assert challenger.exit_code == 0, challenger.output
        assert f"drift vs {name}@champion (version 1): " in challenger.output
        assert f"{name} version 2: blocked (data drift: " in challenger.output
        second_run = client.get_model_version(name, "2").run_id
        run = client.get_run(second_run)
        assert run.data.metrics["drift.x1.p_value"] < 0.05 and run.data.metrics["drift.share_drifted"] >= 0.5
        assert {"drift.x1.statistic", "drift.colour.p_value", "drift.columns_total"} <= set(run.data.metrics)
        assert run.data.tags["jupyter_mlops.drift.dataset_drift"] == "true"
        # the features moved; the label's share did not (the rule moved with them)
        assert run.data.tags["jupyter_mlops.drift.summary"].startswith(
            "3 of 4 columns drifted (share 0.75): "
        )
        assert set(json.loads(run.data.tags["jupyter_mlops.drift.top"])) == {"x1", "x2", "colour"}
        assert run.data.tags["jupyter_mlops.drift.reference_run"] == first_run
        report = Path(client.download_artifacts(second_run, "drift/report.html", str(tmp_path)))
        page = report.read_text()
        assert page.startswith("<!DOCTYPE html>") and "Dataset drift detected" in page and "<svg" in page
        assert "<script" not in page and "http" not in page.split("</style>")[1]  # self-contained

        tags = client.get_model_version(name, "2").tags
        assert tags["jupyter_mlops.gate.decision"] == "blocked"
        assert tags["jupyter_mlops.gate.reason"].startswith(
            "data drift: 0.75 of the columns drifted (dataset drift, --block-on-drift) ("
        )
        assert client.get_model_version_by_alias(name, "champion").version == "1"

        assert len(hook.posts) == 1 and len(smtp.messages) == 1
        path, body = hook.posts[0]
        assert path == "/hooks/T000/B000/s3cr3t-token"
        assert body["text"] == f"jupyter-mlops: {name} version 2 blocked"
        fields = {field["title"]: field["value"] for field in body["attachments"][0]["fields"]}
        assert fields["reason"].startswith("data drift: ") and fields["run"] == second_run
        assert fields["drift report"] == "drift/report.html"
        assert smtp.messages[0]["Subject"].strip() == body["text"] and smtp.logins == ["mlops-bot"]

        training_frame(50, 0.0, seed=3).drop(columns=["x2"]).to_csv(data, index=False)  # broken export
        failed = cli("run", notebook, "--tracking-uri", tracking_uri, *gate)
        assert failed.exit_code == 1
        assert len(hook.posts) == 2 and len(smtp.messages) == 2
        assert hook.posts[1][1]["text"] == "jupyter-mlops: run of churn.ipynb failed"
        assert "raised KeyError" in smtp.messages[1].get_content()

    shown = champion.output + challenger.output + failed.output
    logged = everything_logged(client, first_run) + everything_logged(client, second_run)
    logged += json.dumps(client.get_model_version(name, "2").tags)
    for secret in (PASSWORD, "s3cr3t-token"):
        assert secret not in shown and secret not in logged


def test_a_broken_alert_channel_is_one_warning_and_the_run_succeeds(
    tracking_uri: str,
    make_notebook: Callable[..., Path],
    cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.mlflow_server import free_port

    notebook = drift_notebook(make_notebook)
    (notebook.parent / "train.csv").write_text("x1,x2,colour,label\nnot,a,number,table\n")
    monkeypatch.setenv("JUPYTER_MLOPS_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook/s3cr3t")
    result = cli("run", notebook, "--tracking-uri", tracking_uri, "--register", f"m-{tmp_path.name}")
    assert result.exit_code == 1  # the notebook fails on this table (a string column), the alert cannot go
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: alert via")]
    assert warnings == [warnings[0]] and "s3cr3t" not in result.output
    assert "webhook http://127.0.0.1/… failed: URLError" in warnings[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-drift", "0.3"],
            "--max-drift/--block-on-drift need --register NAME --promote ALIAS (the champion NAME@ALIAS "
            "whose reference data the new data is tested against)",
        ),
        (
            ["--register", "m", "--block-on-drift"],
            "--max-drift/--block-on-drift need --register NAME --promote ALIAS (the champion NAME@ALIAS "
            "whose reference data the new data is tested against)",
        ),
        (
            ["--register", "m", "--promote", "champion", "--metric", "accuracy", "--max-drift", "1.5"],
            "--max-drift 1.5: expected a share of columns, 0 <= SHARE < 1",
        ),
        (
            ["--profile-data", "nope.csv"],
            "--profile-data nope.csv: not an existing .csv, .tsv, .parquet file",
        ),
    ],
)
def test_bad_drift_options_exit_2_before_anything_runs(
    make_notebook: Callable[..., Path], cli: Callable[..., Result], args: list[str], message: str
) -> None:
    notebook = drift_notebook(make_notebook)
    result = cli("run", notebook, "--tracking-uri", "http://127.0.0.1:9", *args)
    assert result.exit_code == 2
    assert result.output == f"jupyter-mlops: {message}\n"


def test_package_runs_and_the_best_fanout_child_log_a_reference_profile(
    tracking_uri: str, make_notebook: Callable[..., Path], cli: Callable[..., Result], tmp_path: Path
) -> None:
    import subprocess
    import sys

    notebook = drift_notebook(make_notebook)
    training_frame(300, 0.0, seed=4).to_csv(notebook.parent / "train.csv", index=False)
    outdir = tmp_path / "churn_out"
    nb2prod = Path(sys.executable).with_name("nb2prod")
    converted = subprocess.run(
        [str(nb2prod), str(notebook), "-o", str(outdir)], capture_output=True, text=True, check=False
    )
    assert converted.returncode == 0, converted.stdout + converted.stderr
    client = MlflowClient(tracking_uri)

    single = cli("run", outdir, "--tracking-uri", tracking_uri, "--experiment", f"pkg-{tmp_path.name}")
    assert single.exit_code == 0, single.output
    assert "reference profile: train.csv" in single.output
    found = re.search(r"^run ([0-9a-f]{32}) FINISHED", single.output, re.MULTILINE)
    assert found is not None, single.output
    run_id = found.group(1)
    profile = json.loads(
        Path(client.download_artifacts(run_id, "drift/profile.json", str(tmp_path))).read_text()
    )
    assert [(table["name"], table["rows"], table["sample_rows"]) for table in profile["tables"]] == [
        ("train.csv", 300, 300)
    ]
    assert profile["tables"][0]["columns"]["colour"]["kind"] == "categorical"

    grid = tmp_path / "grid.yaml"
    grid.write_text("seed: [0, 1]\n")
    fanned = cli(
        "run", outdir, "--tracking-uri", tracking_uri, "--experiment", f"fan-{tmp_path.name}",
        "--grid", grid, "--workers", "1", "--metric", "accuracy",
    )  # fmt: skip
    assert fanned.exit_code == 0, fanned.output
    experiment = client.get_experiment_by_name(f"fan-{tmp_path.name}")
    children = client.search_runs([experiment.experiment_id], "tags.mlflow.parentRunId != ''", max_results=10)
    profiled = {
        child.data.tags.get("jupyter_mlops.fanout.best"): child.data.tags.get("jupyter_mlops.drift.profile")
        for child in children
    }
    assert profiled == {"true": "train.csv (300 rows)", None: None}


def test_schedules_pass_the_drift_options_to_the_scheduled_run(make_notebook: Callable[..., Path]) -> None:
    from jupyter_mlops.retraining.schedule import ScheduleRequest, build_job

    notebook = drift_notebook(make_notebook)
    request = ScheduleRequest(
        target=notebook,
        cron="0 3 * * 1",
        engine="cron",
        output_dir=notebook.parent / "schedules",
        tracking_uri="http://127.0.0.1:5000",
        register="churn",
        promote="champion",
        metric="accuracy",
        max_drift=0.3,
        block_on_drift=True,
    )
    command = build_job(request).command
    assert command[-3:] == ["--max-drift", "0.3", "--block-on-drift"]
    plain = build_job(
        ScheduleRequest(target=notebook, cron="0 3 * * 1", engine="cron", output_dir=notebook.parent)
    )
    assert "--max-drift" not in plain.command and "--block-on-drift" not in plain.command
