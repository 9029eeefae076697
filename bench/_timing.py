"""Time one command as a fresh process for the benchmarks: wall and CPU seconds, stop on failure."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU counts the process and its children (user + system).

    CPU time barely moves when other jobs share the cores; wall time does, so both are reported.
    Exits the benchmark with the command's stderr tail when it fails.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(
            f"benchmark: {' '.join(command)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
