"""Writing schedule files without losing anything: every file is checked before any is written, a file with
other content is replaced only with `--force`, each write is atomic, and one lock per folder serialises
two `schedule` commands writing there (prefect.yaml is read, merged and written under it). Ctrl-C is held
while the staged files are renamed in."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from converters.interrupts import signals_deferred
from jupyter_mlops.retraining.errors import BadInputError


@dataclass(frozen=True)
class PlannedFile:
    """A file a schedule writes: where, what, and whether it is a script to run."""

    path: Path
    text: str
    executable: bool = False


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Create `folder` and hold an exclusive lock on it (flock on the folder: no lock file left behind)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise BadInputError(
            f"cannot create the schedule folder {folder}: {error.strerror or error}"
        ) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def read_existing(path: Path) -> str | None:
    """The text of `path`, or None when there is no such file."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; the schedule writes a file there")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {error}") from None


def refuse_overwrites(files: list[PlannedFile], *, force: bool) -> None:
    """BadInputError naming every file that exists with other content, unless `force`; writes nothing."""
    differing = []
    for planned in files:
        existing = read_existing(planned.path)
        if existing is not None and (existing != planned.text or planned.path.is_symlink()):
            differing.append(str(planned.path))
    if differing and not force:
        raise BadInputError(
            f"{', '.join(differing)} already exist{'s' if len(differing) == 1 else ''} with other content; "
            "nothing was written (use --force to replace)"
        )


def _staged_copy(path: Path, text: str, *, executable: bool) -> Path:
    """A fresh temporary file next to `path` holding `text`, with the mode a new file gets."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(temporary, (0o777 if executable else 0o666) & ~umask)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_all(files: list[PlannedFile], *, force: bool) -> None:
    """Check every file (refuse_overwrites), stage each next to its place, then rename them all in while
    Ctrl-C waits: the schedule's files change together or not at all."""
    refuse_overwrites(files, force=force)
    staged: list[Path] = []
    try:
        for planned in files:
            staged.append(_staged_copy(planned.path, planned.text, executable=planned.executable))
        with signals_deferred():
            for planned, temporary in zip(files, staged, strict=True):
                os.replace(temporary, planned.path)
    except OSError as error:
        raise BadInputError(
            f"cannot write the schedule in {files[0].path.parent}: {error.strerror or error}"
        ) from None
    finally:
        for temporary in staged:
            temporary.unlink(missing_ok=True)
