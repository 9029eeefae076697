"""cron on one machine: a wrapper script (flock prevents overlapping runs) and its crontab line.

Every value in the script is a shell word made by `shlex.quote` and appears once, in a variable or the
command; the crontab line escapes `%` as crontab(5) asks and refuses a path with a line break.
`--install` / `--uninstall` edit the user's crontab through the `crontab` command, idempotently: the line
ends with a marker naming the wrapper script, and any older line with that marker is replaced.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from jupyter_mlops.retraining.errors import BadInputError, RetrainingError
from jupyter_mlops.retraining.schedule import Job, register
from jupyter_mlops.retraining.schedule.files import PlannedFile, write_all

LOCKED_EXIT_CODE = 75  # EX_TEMPFAIL: the previous run still holds the lock

_SCRIPT = """\
#!/bin/sh
# A jupyter-mlops schedule: cron runs this at CRON to retrain TARGET with `jupyter-mlops run`.
# Written by `jupyter-mlops schedule`; regenerate rather than edit. Needs no Jupyter server.
# flock skips a run while the previous one still holds the lock.
set -u
NAME={name}
TARGET={target}
CRON={cron}
LOG={log}
LOCK={lock}
cd {workdir} || exit 1
exec >>"$LOG" 2>&1
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) start $NAME"
flock --nonblock --conflict-exit-code {locked} "$LOCK" \\
  {command}
status=$?
if [ "$status" -eq {locked} ]; then
  echo "previous run of $NAME still holds $LOCK; this run was skipped"
fi
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) end $NAME: exit $status"
exit $status
"""


def crontab_escape(text: str) -> str:
    """`%` → `\\%`: crontab(5) turns an unescaped `%` in the command into a newline."""
    return text.replace("%", "\\%")


def marker(script: Path) -> str:
    """The shell comment that ends this schedule's crontab line and identifies it."""
    return f"# jupyter-mlops:{crontab_escape(str(script))}"


def crontab_line(job: Job, script: Path) -> str:
    """`0 3 * * 1 /path/to/name.sh # jupyter-mlops:/path/to/name.sh`; a path with a line break is refused."""
    if any(character in str(script) for character in "\n\r"):
        raise BadInputError(
            f"{str(script)!r} contains a line break, which a crontab line cannot hold; choose another -o"
        )
    return f"{job.cron} {crontab_escape(shlex.quote(str(script)))} {marker(script)}"


def is_line_of(line: str, script: Path) -> bool:
    """Whether a crontab line is this script's (its marker ends the line)."""
    return line.rstrip().endswith(" " + marker(script))


def render_script(job: Job, output_dir: Path) -> str:
    """The wrapper script's text."""
    return _SCRIPT.format(
        name=shlex.quote(job.name),
        target=shlex.quote(str(job.target)),
        cron=shlex.quote(job.cron),
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
    kept = [existing for existing in current if not is_line_of(existing, script)]
    wanted = [*kept, line]
    if wanted == current:
        return False
    write_crontab(wanted)
    return True


def remove_line(script: Path) -> bool:
    """Remove this schedule's line; returns whether it was there."""
    current = read_crontab()
    kept = [existing for existing in current if not is_line_of(existing, script)]
    if kept == current:
        return False
    write_crontab(kept)
    return True


def emit(job: Job, output_dir: Path, *, force: bool = False) -> list[str]:
    """Write `<name>.sh` and `<name>.crontab` (refusing files with other content unless `force`)."""
    script = output_dir / f"{job.name}.sh"
    line = crontab_line(job, script)
    crontab_file = output_dir / f"{job.name}.crontab"
    write_all(
        [
            PlannedFile(script, render_script(job, output_dir), executable=True),
            PlannedFile(crontab_file, line + "\n"),
        ],
        force=force,
    )
    return [f"wrote {script}", f"wrote {crontab_file}:", f"  {line}"]


def add_to_crontab(job: Job, output_dir: Path) -> str:
    """Add this schedule's line to the user's crontab (after its files are written); the line to print."""
    script = output_dir / f"{job.name}.sh"
    changed = install_line(crontab_line(job, script), script)
    return "installed in your crontab" if changed else "already in your crontab (unchanged)"


def remove_from_crontab(job: Job, output_dir: Path) -> list[str]:
    """Remove this schedule's line from the user's crontab; writes no file."""
    script = output_dir / f"{job.name}.sh"
    removed = remove_line(script)
    return [f"removed {script} from your crontab" if removed else f"{script} was not in your crontab"]


def emit_and_install(
    job: Job, output_dir: Path, *, force: bool = False, install: bool = False, uninstall: bool = False
) -> list[str]:
    """The cron engine: write the wrapper and crontab line, then add it to (or remove it from) the crontab."""
    if uninstall:
        return remove_from_crontab(job, output_dir)
    lines = emit(job, output_dir, force=force)
    if install:
        lines.append(add_to_crontab(job, output_dir))
    else:
        lines.append("add it to your crontab: the same command with --install (or crontab -e and paste it)")
    return lines


register("cron", emit_and_install, edits_crontab=True)
