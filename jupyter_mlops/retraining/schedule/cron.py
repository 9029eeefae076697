"""cron on one machine: a wrapper script (flock prevents overlapping runs) and its crontab line.

`--install` / `--uninstall` edit the user's crontab through the `crontab` command, idempotently: the line
carries a marker naming the wrapper script, and any older line with that marker is replaced.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from jupyter_mlops.retraining.errors import RetrainingError
from jupyter_mlops.retraining.schedule import Job, register, write_file

LOCKED_EXIT_CODE = 75  # EX_TEMPFAIL: the previous run still holds the lock

_SCRIPT = """\
#!/bin/sh
# jupyter-mlops schedule {name}: retrains {target}
# at "{cron}" (cron). Written by `jupyter-mlops schedule`; regenerate rather than edit.
# Needs no Jupyter server. flock skips a run while the previous one still holds the lock.
set -u
cd {workdir} || exit 1
exec >>{log} 2>&1
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) start {name}"
flock --nonblock --conflict-exit-code {locked} {lock} \\
  {command}
status=$?
if [ "$status" -eq {locked} ]; then
  echo "previous run of {name} still holds {lock}; this run was skipped"
fi
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) end {name}: exit $status"
exit $status
"""


def marker(script: Path) -> str:
    """The comment that identifies this schedule's crontab line."""
    return f"# jupyter-mlops:{script}"


def crontab_line(job: Job, script: Path) -> str:
    """`0 3 * * 1 /path/to/name.sh # jupyter-mlops:/path/to/name.sh`."""
    return f"{job.cron} {shlex.quote(str(script))} {marker(script)}"


def render_script(job: Job, output_dir: Path) -> str:
    """The wrapper script's text."""
    return _SCRIPT.format(
        name=job.name,
        target=job.target,
        cron=job.cron,
        workdir=shlex.quote(str(job.workdir)),
        log=shlex.quote(str(output_dir / f"{job.name}.log")),
        lock=shlex.quote(str(output_dir / f"{job.name}.lock")),
        locked=LOCKED_EXIT_CODE,
        command=" ".join(shlex.quote(part) for part in job.command),
    )


def read_crontab() -> list[str]:
    """The user's crontab lines ([] when the user has none)."""
    try:
        completed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RetrainingError(
            "the `crontab` command is not installed (Debian: apt-get install cron)"
        ) from None
    if completed.returncode != 0:
        if "no crontab" in completed.stderr.lower():
            return []
        raise RetrainingError(f"crontab -l failed: {completed.stderr.strip()}")
    return completed.stdout.splitlines()


def write_crontab(lines: list[str]) -> None:
    """Replace the user's crontab with `lines`."""
    text = "\n".join(lines) + "\n" if lines else ""
    completed = subprocess.run(["crontab", "-"], input=text, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RetrainingError(f"crontab - failed: {completed.stderr.strip()}")


def install_line(line: str, script: Path) -> bool:
    """Add (or replace) this schedule's line; returns whether the crontab changed."""
    current = read_crontab()
    kept = [existing for existing in current if marker(script) not in existing]
    wanted = [*kept, line]
    if wanted == current:
        return False
    write_crontab(wanted)
    return True


def remove_line(script: Path) -> bool:
    """Remove this schedule's line; returns whether it was there."""
    current = read_crontab()
    kept = [existing for existing in current if marker(script) not in existing]
    if kept == current:
        return False
    write_crontab(kept)
    return True


def emit(job: Job, output_dir: Path, *, install: bool = False, uninstall: bool = False) -> list[str]:
    """Write `<name>.sh` and `<name>.crontab`; optionally edit the crontab."""
    script = output_dir / f"{job.name}.sh"
    line = crontab_line(job, script)
    if uninstall:
        removed = remove_line(script)
        return [f"removed {script} from your crontab" if removed else f"{script} was not in your crontab"]
    write_file(script, render_script(job, output_dir), executable=True)
    write_file(output_dir / f"{job.name}.crontab", line + "\n")
    messages = [f"wrote {script}", f"wrote {output_dir / (job.name + '.crontab')}:", f"  {line}"]
    if install:
        changed = install_line(line, script)
        messages.append("installed in your crontab" if changed else "already in your crontab (unchanged)")
    else:
        messages.append(
            "add it to your crontab: the same command with --install (or crontab -e and paste it)"
        )
    return messages


register("cron", emit, edits_crontab=True)
