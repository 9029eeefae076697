"""The schedules a folder holds, read back from the files `schedule` wrote (never executed, never imported).

The cron wrapper's variables are shell words (read with `shlex`), the Prefect flow's and Airflow DAG's
values are literals (read with `ast.literal_eval`), Prefect's cron comes from prefect.yaml (PyYAML). A file
that is not one of ours is skipped; one of ours that cannot be read is reported, not guessed at.
"""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CRON_MARK = "# A jupyter-mlops schedule:"
FLOW_MARK = "jupyter-mlops schedule --target prefect"
DAG_MARK = "jupyter-mlops schedule --target airflow"
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class ExistingSchedule:
    """One schedule found in a folder: what runs, when, by which engine, and the files that make it."""

    name: str
    engine: str
    cron: str | None
    target: str
    command: list[str]
    files: list[Path]

    def parameters(self) -> list[tuple[str, str]]:
        """The `-p NAME VALUE` pairs of the command, in order."""
        return [
            (self.command[index + 1], self.command[index + 2])
            for index, part in enumerate(self.command[:-2])
            if part == "-p"
        ]

    def option(self, flag: str) -> str | None:
        """The value after `flag` in the command (`--experiment`, `--tracking-uri`), if given."""
        for index, part in enumerate(self.command[:-1]):
            if part == flag:
                return self.command[index + 1]
        return None


@dataclass
class FolderSchedules:
    """The schedules read from one folder and the files of ours that could not be read."""

    schedules: list[ExistingSchedule] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def read_cron_script(path: Path, text: str) -> ExistingSchedule:
    """The wrapper script's NAME, TARGET, CRON and the command after `flock ... "$LOCK" \\`."""
    values: dict[str, str] = {}
    command: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        head = line.split("=", 1)[0]
        if head in ("NAME", "TARGET", "CRON") and "=" in line:
            words = shlex.split(line.split("=", 1)[1])
            values[head] = words[0] if words else ""
        if line.startswith("flock ") and index + 1 < len(lines):
            command = shlex.split(lines[index + 1])
    if not {"NAME", "TARGET", "CRON"} <= set(values) or not command:
        raise ValueError("its NAME, TARGET, CRON or command line is missing")
    files = [path, *[file for file in [path.with_suffix(".crontab")] if file.is_file()]]
    return ExistingSchedule(values["NAME"], "cron", values["CRON"], values["TARGET"], command, files)


def literal_assignments(text: str) -> dict[str, object]:
    """Module-level `NAME = <literal>` assignments of a Python file (nothing is executed)."""
    values: dict[str, object] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def prefect_crons(folder: Path) -> dict[str, str]:
    """Flow file name → cron of its deployment in the folder's prefect.yaml (empty when unreadable)."""
    text = _text(folder / "prefect.yaml")
    try:
        config = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return {}
    deployments = config.get("deployments") if isinstance(config, dict) else None
    crons: dict[str, str] = {}
    for entry in deployments if isinstance(deployments, list) else []:
        schedules = entry.get("schedules") if isinstance(entry, dict) else None
        entrypoint = str(entry.get("entrypoint", "")) if isinstance(entry, dict) else ""
        if isinstance(schedules, list) and schedules and isinstance(schedules[0], dict):
            crons[entrypoint.split(":", 1)[0]] = str(schedules[0].get("cron"))
    return crons


def read_python_schedule(path: Path, text: str, engine: str, crons: dict[str, str]) -> ExistingSchedule:
    """A flow or DAG file's NAME, TARGET, COMMAND (and CRON: the DAG's own, the flow's from prefect.yaml)."""
    values = literal_assignments(text)
    name, target, command = values.get("NAME"), values.get("TARGET"), values.get("COMMAND")
    if not isinstance(name, str) or not isinstance(target, str) or not isinstance(command, list):
        raise ValueError("its NAME, TARGET or COMMAND is missing")
    cron = values.get("CRON") if engine == "airflow" else crons.get(path.name)
    files = [path, *([path.parent / "prefect.yaml"] if engine == "prefect" else [])]
    return ExistingSchedule(
        name, engine, cron if isinstance(cron, str) else None, target, [str(part) for part in command], files
    )


def read_folder(folder: Path) -> FolderSchedules:
    """Every schedule `jupyter-mlops schedule` wrote in `folder` (not its subfolders), by name."""
    found = FolderSchedules()
    if not folder.is_dir():
        return found
    crons = prefect_crons(folder)
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.is_symlink():
            continue
        kind = (
            "cron"
            if path.suffix == ".sh"
            else "prefect"
            if path.name.endswith("_flow.py")
            else "airflow"
            if path.name.endswith("_dag.py")
            else None
        )
        text = _text(path) if kind else None
        if kind is None or text is None:
            continue
        mark = {"cron": CRON_MARK, "prefect": FLOW_MARK, "airflow": DAG_MARK}[kind]
        if mark not in text[:1000]:
            continue
        try:
            found.schedules.append(
                read_cron_script(path, text)
                if kind == "cron"
                else read_python_schedule(path, text, kind, crons)
            )
        except (ValueError, SyntaxError) as error:
            found.problems.append(f"{path.name}: not readable as a {kind} schedule ({error})")
    return found
