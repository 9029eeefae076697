"""Property: whatever the notebook path, experiment, schedule name or parameter text, `jupyter-mlops schedule`
writes files that run only `jupyter-mlops run` with those values as plain arguments — or refuses in one line.

The cron wrapper is run for real with `python -m jupyter_mlops.cli` stubbed (it records its arguments), so a
`PWNED` file anywhere, or arguments other than the ones given, means a value left its quotes. The Prefect flow
and the Airflow DAG must have the same syntax tree as for plain values, with the values read back unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jupyter_mlops.cli import main
from tests.retraining.conftest import IRIS_NOTEBOOK
from tests.retraining.test_schedule_cron import stubbed_run_environment
from tests.retraining.test_schedule_engines import literal, shape

FRAGMENTS = [
    "\n",
    "\r",
    "'",
    '"',
    '"""',
    "\\",
    "$(touch PWNED)",
    "`touch PWNED`",
    "; touch PWNED #",
    '__import__("os").system("touch PWNED")',
    "%",
    "{}",
    "\u2028",
    "😀",
    " ",
    "-",
    "*",
    "on",
]
# Shrinking re-runs real subprocesses for minutes; the first failing example is already readable.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), min_size=1, max_size=4
).map("".join)
# An experiment name that says something (an empty one means "the default experiment").
experiment_names = hostile_text.filter(str.strip)
# A folder name the file system accepts: no "/" and no NUL, not "." or "..".
folder_names = hostile_text.map(lambda text: text.replace("/", "_").replace("\x00", "_")).filter(
    lambda name: name not in ("", ".", "..") and len(name.encode("utf-8", "surrogatepass")) < 200
)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def pwned(root: Path) -> list[str]:
    return sorted(str(path) for path in root.rglob("*PWNED*") if path.name.startswith("PWNED"))


def refused_in_one_line(result: Result) -> bool:
    lines = result.output.strip().splitlines()
    return result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(("jupyter-mlops:", "Error:"))


def schedule_case(
    test: Callable[[Path, Path, str, str | None], None],
) -> Callable[[str, str, str | None], None]:
    """Run `test(tmp, notebook, experiment, name)` from a fresh folder, the notebook in a hostile folder.

    The folder is the working directory too: the wrapper runs from where `schedule` was called, so there
    `python -m jupyter_mlops.cli` finds the stub, never this checkout.
    """

    def run(folder: str, experiment: str, name: str | None) -> None:
        with tempfile.TemporaryDirectory(prefix="hostile-schedule-") as temporary:
            tmp = Path(temporary)
            try:
                (tmp / folder).mkdir()
            except OSError:  # a name this file system refuses (too long in bytes, say): nothing to test
                return
            notebook = tmp / folder / "iris.ipynb"
            shutil.copy(IRIS_NOTEBOOK, notebook)
            before = Path.cwd()
            os.chdir(tmp)
            try:
                test(tmp, notebook, experiment, name)
            finally:
                os.chdir(before)
            assert pwned(tmp) == []

    return run


def cron_schedule(tmp: Path, notebook: Path, experiment: str, name: str | None) -> None:
    out = tmp / "schedule"
    naming = ["--name", name] if name is not None else []
    result = invoke(
        "schedule", notebook, "--cron", "0 3 * * 1", "-o", out, "--experiment", experiment, *naming
    )
    if result.exit_code != 0:
        assert refused_in_one_line(result), result.output
        assert not out.exists() or list(out.iterdir()) == []
        return
    [script] = sorted(out.glob("*.sh"))
    environment, record = stubbed_run_environment(tmp)
    completed = subprocess.run(
        [str(script)], env=environment, cwd=tmp, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    [arguments] = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert arguments[:2] == ["run", str(notebook)]
    assert arguments[arguments.index("--experiment") + 1] == experiment


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(folder=folder_names, experiment=experiment_names, name=st.none() | hostile_text)
def test_the_cron_wrapper_runs_only_the_run_command(folder: str, experiment: str, name: str | None) -> None:
    schedule_case(cron_schedule)(folder, experiment, name)


def engine_schedule(engine: str, written: str) -> Callable[[Path, Path, str, str | None], None]:
    def check(tmp: Path, notebook: Path, experiment: str, name: str | None) -> None:
        plain_out = tmp / "plain"
        assert (
            invoke(
                "schedule",
                IRIS_NOTEBOOK,
                "--cron",
                "0 3 * * 1",
                "--target",
                engine,
                "-o",
                plain_out,
                "--name",
                "iris",
                "--experiment",
                "plain",
            ).exit_code
            == 0
        )
        out = tmp / "hostile-out"
        result = invoke(
            "schedule",
            notebook,
            "--cron",
            "0 3 * * 1",
            "--target",
            engine,
            "-o",
            out,
            "--experiment",
            experiment,
            "--name",
            "iris",
        )
        if result.exit_code != 0:
            assert refused_in_one_line(result), result.output
            return
        source = (out / written).read_text(encoding="utf-8")
        assert shape(source) == shape((plain_out / written).read_text(encoding="utf-8"))
        assert literal(source, "TARGET") == str(notebook)
        command = literal(source, "COMMAND")
        assert isinstance(command, list) and command[command.index("--experiment") + 1] == experiment
        if engine == "prefect":
            yaml.safe_load((out / "prefect.yaml").read_text(encoding="utf-8"))

    return check


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(folder=folder_names, experiment=experiment_names, engine=st.sampled_from(["prefect", "airflow"]))
def test_flows_and_dags_carry_hostile_values_only_as_literals(
    folder: str, experiment: str, engine: str
) -> None:
    written = {"prefect": "iris_flow.py", "airflow": "iris_dag.py"}[engine]
    schedule_case(engine_schedule(engine, written))(folder, experiment, None)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(value=hostile_text)
def test_a_hostile_parameter_value_is_refused_in_one_line_or_kept_as_one_argument(value: str) -> None:
    with tempfile.TemporaryDirectory(prefix="hostile-parameter-") as temporary:
        tmp = Path(temporary)
        # writes the files only: the schedule never runs here
        result = invoke("schedule", IRIS_NOTEBOOK, "--cron", "0 3 * * 1", "-o", tmp / "out", "-p", "C", value)
        if result.exit_code != 0:
            assert refused_in_one_line(result), result.output
        assert pwned(tmp) == []
