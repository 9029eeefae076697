"""Ask git about the work tree that holds a path (one short `git -C <folder> ...` call)."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 10


def git_output(path: Path, *args: str) -> str | None:
    """Stripped stdout of `git <args>` in `path`'s folder; None outside git, on failure or empty output."""
    folder = path if path.is_dir() else path.parent
    try:
        completed = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = completed.stdout.strip()
    return output if completed.returncode == 0 and output else None
