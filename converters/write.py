"""Writing OUTDIR without losing anything, and the `--check` comparison.

The files are staged in `OUTDIR/.nb2prod-staging-*`, then moved into OUTDIR one rename each while Ctrl-C
waits; files the manifest lists that are no longer produced are removed, and the manifest is renamed in
last. In an existing OUTDIR (`--force`) only the files its manifest lists are replaced: anything else makes
nb2prod refuse, except run data it knows (`mlflow.db`, `mlruns/`, `mlartifacts/`) and caches, which it
keeps. A lock on OUTDIR (flock on the folder, no lock file) makes a second nb2prod writing the same OUTDIR
at the same time stop with `OutputBusyError`; a new OUTDIR that could not be written is removed again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from converters.errors import OutputBusyError, OutputError
from converters.interrupts import signals_deferred
from converters.manifest import (
    MANIFEST_NAME,
    digests_of,
    manifest_from_digests,
    read_manifest,
    with_manifest,
)

# What a package's runs and tests leave in OUTDIR: kept by --force, ignored by --check (any path part).
RUN_DATA = ("mlflow.db", "mlflow.db-journal", "mlflow.db-wal", "mlflow.db-shm", "mlruns", "mlartifacts")
CACHES = ("__pycache__", ".pytest_cache")
RUNTIME_LEFTOVERS = RUN_DATA + CACHES
STAGING_PREFIX = ".nb2prod-staging-"
NAMED_AT_MOST = 10


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _stage(staging: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        _write_file(staging / relative, data)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (flock on the folder itself: no lock file is left behind)."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputBusyError(
                f"another nb2prod is writing {directory} right now; run again when it has finished"
            ) from None
        yield
    finally:
        os.close(descriptor)


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _prepare_parent(out_dir: Path) -> None:
    """Create OUTDIR's parent folder if missing; OutputError in one line when that is impossible."""
    ancestor = _existing_ancestor(out_dir.parent)
    if not ancestor.is_dir():
        raise OutputError(f"cannot write {out_dir}: {ancestor} is a file, not a folder")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {out_dir.parent}: {error.strerror or error}") from None


def _listed(paths: list[str]) -> str:
    shown = ", ".join(paths[:NAMED_AT_MOST])
    return shown + (" and more" if len(paths) > NAMED_AT_MOST else "")


def _same_bytes(path: Path, data: bytes) -> bool:
    return (
        path.is_file()
        and not path.is_symlink()
        and path.stat().st_size == len(data)
        and path.read_bytes() == data
    )


def foreign_entries(out_dir: Path, previous: dict[str, str], files: dict[str, bytes]) -> list[str]:
    """Paths in OUTDIR nb2prod did not write (not in its manifest, not run data, not identical to what it
    is about to write); stops after NAMED_AT_MOST + 1 so a wrong `-o ~` answers at once."""
    found: list[str] = []
    for root, folders, names in os.walk(out_dir):
        here = Path(root)
        at_top = here == out_dir
        entries = list(names)
        walk_into = []
        for folder in folders:
            if folder in RUNTIME_LEFTOVERS or (at_top and folder.startswith(STAGING_PREFIX)):
                continue
            (entries if (here / folder).is_symlink() else walk_into).append(folder)
        folders[:] = sorted(walk_into)
        for name in sorted(entries):
            relative = (here / name).relative_to(out_dir).as_posix()
            if name in RUNTIME_LEFTOVERS or relative == MANIFEST_NAME or relative in previous:
                continue
            if relative in files and _same_bytes(here / name, files[relative]):
                continue
            found.append(relative)
            if len(found) > NAMED_AT_MOST:
                return sorted(found)
    return sorted(found)


def _remove_leftover_staging(out_dir: Path) -> None:
    """Staging folders a killed nb2prod left in OUTDIR (we hold the lock, so none is in use)."""
    for child in out_dir.iterdir():
        if child.name.startswith(STAGING_PREFIX) and child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)


def _remove_file_and_empty_folders(out_dir: Path, relative: str) -> None:
    path = out_dir / relative
    if path.is_symlink() or path.is_file():
        path.unlink()
    folder = path.parent
    while folder != out_dir:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _replace_in_place(out_dir: Path, files: dict[str, bytes]) -> None:
    previous = read_manifest(out_dir)
    foreign = foreign_entries(out_dir, previous, files)
    if foreign:
        raise OutputError(
            f"{out_dir} holds files nb2prod did not write: {_listed(foreign)}; move them elsewhere or "
            f"choose another -o (--force replaces only the files listed in {MANIFEST_NAME}, and keeps "
            "mlflow.db, mlruns/ and mlartifacts/)"
        )
    _remove_leftover_staging(out_dir)
    no_longer_written = sorted(set(previous) - set(files))
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        _stage(staging, with_manifest(files))
        # Until the last rename the manifest lists old and new files, so a killed run can be redone.
        union = staging / ".nb2prod-manifest-union.json"
        _write_file(union, manifest_from_digests({**previous, **digests_of(files)}))
        with signals_deferred():
            os.replace(union, out_dir / MANIFEST_NAME)
            for relative in files:
                (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / relative, out_dir / relative)
            for relative in no_longer_written:
                _remove_file_and_empty_folders(out_dir, relative)
            os.replace(staging / MANIFEST_NAME, out_dir / MANIFEST_NAME)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_package(
    out_dir: Path, files: dict[str, bytes], *, force: bool, notebook: Path | None = None
) -> None:
    """Write `files` (and their manifest) as OUTDIR; see the module docstring for what `force` replaces."""
    out_dir = out_dir.resolve()
    if notebook is not None and notebook.resolve().is_relative_to(out_dir):
        raise OutputError(
            f"{out_dir} holds the notebook {notebook} itself; write the package to a folder of its own"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a directory")
    if out_dir.exists() and not force:
        raise OutputError(f"{out_dir} already exists; use --force to replace the files nb2prod wrote there")
    _prepare_parent(out_dir)
    try:
        created = _create(out_dir, force=force)
        with _locked(out_dir):
            try:
                _replace_in_place(out_dir, files)
            except BaseException:
                if created:
                    with suppress(OSError):
                        out_dir.rmdir()  # only when empty: what nb2prod itself just created
                raise
    except OSError as error:
        raise OutputError(f"cannot write {out_dir}: {error.strerror or error}") from None


def _create(out_dir: Path, *, force: bool) -> bool:
    """Create OUTDIR; True when this call created it (False: it exists and `force` allows writing there)."""
    try:
        out_dir.mkdir()
    except FileExistsError:
        if not force or not out_dir.is_dir():
            raise OutputError(
                f"{out_dir} already exists; use --force to replace the files nb2prod wrote there"
            ) from None
        return False
    return True


def stale_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Lines naming each file of OUTDIR that differs from, lacks, or adds to what would be written."""
    found: list[str] = []
    for relative, data in files.items():
        path = out_dir / relative
        if not path.is_file():
            found.append(f"missing: {relative}")
        elif path.read_bytes() != data:
            found.append(f"differs: {relative}")
    if out_dir.is_dir():
        for path in sorted(out_dir.rglob("*")):
            parts = path.relative_to(out_dir).parts
            relative = path.relative_to(out_dir).as_posix()
            leftover = any(part in RUNTIME_LEFTOVERS for part in parts) or parts[0].startswith(STAGING_PREFIX)
            if path.is_file() and relative not in files and not leftover:
                found.append(f"extra: {relative}")
    return found
