"""The generated tests of a converted package, run as `python -m pytest .` in OUTPUT, in a subprocess.

Never inside the server process: each job is a child process in a session of its own, its output read
line by line on the event loop (asyncio pipes, no thread blocks), its final counts taken from pytest's
JUnit XML. One job per output folder runs at a time; the server's shutdown ends the ones still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_mlops.core.contract import PytestCounts, PytestJob, PytestJobStatus
from jupyter_mlops.core.errors import Conflict, NotFound

MAX_LINES = 20_000
KEPT_FINISHED_JOBS = 50
PYTEST_EXIT_TESTS_FAILED = 1


def now_ms() -> int:
    return int(time.time() * 1000)


def read_counts(junit_xml: Path) -> PytestCounts | None:
    """passed/failed/errors/skipped from pytest's JUnit XML (None when pytest wrote none)."""
    try:
        root = ElementTree.parse(junit_xml).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = errors = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return PytestCounts(
        passed=total - failed - errors - skipped, failed=failed, errors=errors, skipped=skipped
    )


@dataclass
class Job:
    """One pytest subprocess and what it printed so far."""

    job_id: str
    output: str
    folder: Path
    command: list[str]
    started: int = field(default_factory=now_ms)
    status: PytestJobStatus = "running"
    lines: list[str] = field(default_factory=list)
    dropped_lines: int = 0
    finished: int | None = None
    exit_code: int | None = None
    counts: PytestCounts | None = None
    message: str | None = None
    process: asyncio.subprocess.Process | None = None

    def add_line(self, line: str) -> None:
        """Keep the line; beyond MAX_LINES the oldest go (their numbers stay counted)."""
        self.lines.append(line)
        if len(self.lines) > MAX_LINES:
            del self.lines[0]
            self.dropped_lines += 1

    def view(self, since: int | None) -> PytestJob:
        """The job as the contract shows it, with its lines from `since` on."""
        line_count = self.dropped_lines + len(self.lines)
        first = min(max(since or 0, self.dropped_lines), line_count)
        return PytestJob(
            job_id=self.job_id,
            output=self.output,
            status=self.status,
            command=self.command,
            started=self.started,
            finished=self.finished,
            exit_code=self.exit_code,
            counts=self.counts,
            first_line=first,
            line_count=line_count,
            lines=self.lines[first - self.dropped_lines :],
            message=self.message,
        )


class PytestJobs:
    """The server's test jobs, by id; at most one running per output folder."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, output: str, folder: Path) -> Job:
        """Start pytest on `folder` (API path `output`); Conflict while a job runs there."""
        for job in self._jobs.values():
            if job.folder == folder and job.status == "running":
                raise Conflict(
                    f"The tests of {output} are already running (job {job.job_id}); wait for them to end."
                )
        command = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "--color=no", "."]
        job = Job(uuid.uuid4().hex, output, folder, command)
        self._jobs[job.job_id] = job
        self._forget_old()
        task = asyncio.get_running_loop().create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def get(self, job_id: str) -> Job:
        """The job with this id; NotFound when unknown (or forgotten)."""
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"No test job {job_id!r} on this server (it may have been restarted).")
        return job

    async def stop_all(self) -> None:
        """End every running job's process group (server shutdown)."""
        for job in self._jobs.values():
            if job.process is not None and job.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(job.process.pid, signal.SIGTERM)
        for task in list(self._tasks):
            task.cancel()

    async def _run(self, job: Job) -> None:
        with tempfile.TemporaryDirectory(prefix="jupyter-mlops-pytest-") as scratch:
            junit = Path(scratch) / "junit.xml"
            command = [*job.command, f"--junitxml={junit}"]
            try:
                job.process = await asyncio.create_subprocess_exec(
                    *command,
                    cwd=job.folder,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    start_new_session=True,
                )
            except OSError as error:
                self._end(job, "error", None, f"Cannot start pytest: {error}")
                return
            assert job.process.stdout is not None
            while True:
                raw = await job.process.stdout.readline()
                if not raw:
                    break
                job.add_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            code = await job.process.wait()
            job.counts = read_counts(junit)
        if code == 0:
            self._end(job, "passed", code, None)
        elif code == PYTEST_EXIT_TESTS_FAILED and job.counts is not None:  # no report: pytest itself failed
            self._end(job, "failed", code, None)
        else:
            self._end(job, "error", code, f"pytest stopped with exit code {code} (see its output).")

    def _end(self, job: Job, status: PytestJobStatus, code: int | None, message: str | None) -> None:
        job.status, job.exit_code, job.message, job.finished = status, code, message, now_ms()
        job.process = None

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.status != "running"]
        for job in finished[: max(0, len(finished) - KEPT_FINISHED_JOBS)]:
            del self._jobs[job.job_id]
